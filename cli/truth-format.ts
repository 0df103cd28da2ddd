// Per-architecture summaries of a ground-truth table, and numbers as the truth commands print them.
import type { TruthTable } from '../src/index.ts';

/** Mean test ACC/AUC over an architecture's finished runs (NaN when none), and the AUC's sd. */
export function meanRunMetrics(t: TruthTable, arch: number): { runs: number; auc: number; acc: number; aucSd: number } {
  const done = t.runs.filter((r) => r.arch === arch && r.test !== null);
  const n = done.length;
  if (n === 0) return { runs: t.runs.filter((r) => r.arch === arch).length, auc: NaN, acc: NaN, aucSd: NaN };
  const auc = done.reduce((s, r) => s + r.test!.auc, 0) / n;
  const acc = done.reduce((s, r) => s + r.test!.acc, 0) / n;
  const aucSd = n < 2 ? NaN : Math.sqrt(done.reduce((s, r) => s + (r.test!.auc - auc) ** 2, 0) / (n - 1));
  return { runs: t.runs.filter((r) => r.arch === arch).length, auc, acc, aucSd };
}

/** A difference as the truth commands print it: +0.210, -0.050; '-' when undefined. */
export function signed(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(3)}` : '-';
}
