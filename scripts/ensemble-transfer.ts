// Would a learned combination of the proxies rank better than ms_fisher alone? A ridge regression
// of the trained-AUC rank on every proxy's rank (each centred and scaled by the table's size), fit
// on one design table and scored (Spearman) on the other, both ways, for a few penalties. The
// design tables only (BreastMNIST, RetinaMNIST): PneumoniaMNIST is held out. No GPU.
//   node --import ./scripts/register-wgsl.mjs --import tsx scripts/ensemble-transfer.ts
import { readTruthTable } from '../src/node/index.ts';
import { averageRanks, spearman } from '../src/stats/rank.ts';
import type { TruthTable } from '../src/truth/table.ts';

interface Table { readonly name: string; readonly auc: number[]; readonly values: Map<string, number[]> }

/** Per architecture with a finished run: its mean test AUC and each proxy's mean over init seeds (ln where the proxy reports one). */
function summarise(name: string, t: TruthTable): Table {
  const archs = t.architectures.map((_, i) => i).filter((i) => t.runs.some((r) => r.arch === i && r.test));
  const auc = archs.map((i) => {
    const runs = t.runs.filter((r) => r.arch === i && r.test);
    return runs.reduce((s, r) => s + r.test!.auc, 0) / runs.length;
  });
  const names = [...new Set(t.proxies.flatMap((r) => Object.keys(r.values)))];
  const values = new Map(names.map((n) => [n, archs.map((i) => {
    const xs = t.proxies.filter((r) => r.arch === i).map((r) => r.logValues[n] ?? r.values[n]).filter(Number.isFinite);
    return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
  })]));
  return { name, auc, values };
}

const centredRanks = (xs: readonly number[]): number[] => {
  const r = averageRanks(xs);
  return Array.from(r, (x) => (x - (r.length + 1) / 2) / r.length);
};

/** Ridge weights w minimising |Xw - y|^2 + lambda |w|^2, X given as p columns of n (Gauss-Jordan with pivoting). */
function ridge(columns: readonly number[][], y: readonly number[], lambda: number): number[] {
  const p = columns.length;
  const a = columns.map((ci, i) => columns.map((cj, j) => ci.reduce((s, x, k) => s + x * cj[k], 0) + (i === j ? lambda : 0)));
  const b = columns.map((ci) => ci.reduce((s, x, k) => s + x * y[k], 0));
  for (let i = 0; i < p; i++) {
    let pivot = i;
    for (let r = i + 1; r < p; r++) if (Math.abs(a[r][i]) > Math.abs(a[pivot][i])) pivot = r;
    [a[i], a[pivot]] = [a[pivot], a[i]];
    [b[i], b[pivot]] = [b[pivot], b[i]];
    for (let r = 0; r < p; r++) {
      if (r === i) continue;
      const f = a[r][i] / a[i][i];
      for (let c = i; c < p; c++) a[r][c] -= f * a[i][c];
      b[r] -= f * b[i];
    }
  }
  return b.map((x, i) => x / a[i][i]);
}

const tables = [
  summarise('breastmnist', await readTruthTable('groundtruth/breastmnist.mednas')),
  summarise('retinamnist', await readTruthTable('groundtruth/retinamnist.mednas')),
];
const proxies = [...tables[0].values.keys()].filter((n) => tables.every((t) => t.values.get(n)?.every(Number.isFinite)));
console.log(`${proxies.length} proxies with a value for every architecture of both tables: ${proxies.join(', ')}`);
const columns = (t: Table) => proxies.map((n) => centredRanks(t.values.get(n)!));
for (const lambda of [0.1, 1, 3, 10, 30]) {
  const cells = tables.map((fit, i) => {
    const other = tables[1 - i];
    const w = ridge(columns(fit), centredRanks(fit.auc), lambda);
    const predicted = other.auc.map((_, k) => columns(other).reduce((s, c, j) => s + w[j] * c[k], 0));
    return `fit on ${fit.name}, Spearman on ${other.name} ${spearman(predicted, other.auc).toFixed(3)}`;
  });
  console.log(`lambda ${lambda}: ${cells.join('; ')}`);
}
for (const n of ['ms_fisher', 'fisher', 'ms_consistency', 'params', 'flops']) {
  console.log(`${n} alone: ${tables.map((t) => `${t.name} ${spearman(t.values.get(n)!, t.auc).toFixed(3)}`).join(', ')}`);
}
process.exit(0);
