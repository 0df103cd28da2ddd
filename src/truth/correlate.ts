// How well each proxy ranks a table's architectures by what they became after training. For every
// quantity (each proxy in the table, params and FLOPs among them, and the search's own: -f1 and -f2
// of eq. 1 and the pick score P1_n + P2_n, named `paper`, and the quick preset's pick score under
// its own objectives, `quick`, all normalised over the table as a search normalises over its
// population; and AZ-NAS's rank aggregation over the table, `az_nas`) against
// the target (test AUC at the best validation epoch, the
// mean over the architecture's training seeds; or ACC, or the mean test AUC of the last 3 epochs):
//   spearman, kendall      with 95% percentile-bootstrap intervals over architectures
//   top10                  the share of the quantity's top tenth that is in the target's top tenth
//   stability              mean Spearman of the quantity between pairs of init seeds (how much its
//                          ranking depends on the initial weights; NaN with one init seed)
// A quantity is the mean over init seeds of its value (ln value where the proxy has one: synflow).
// The table's noise ceiling: the training seeds split into two halves (every split with the halves
// as equal as they can be), the Spearman between the halves' mean targets, averaged over splits:
// what a perfect proxy could reach against one half's measurements. `corrected` estimates the
// ceiling against the mean of all seeds, sqrt(2r / (1 + r)) (Spearman-Brown for two halves, then
// the square root: a perfect proxy correlates with a measurement at the root of its reliability).
// Architectures with no finished run are left out (n says how many are used).
import { bootstrapInterval, pairedBootstrap, type BootstrapOptions } from '../stats/bootstrap.ts';
import { finitePairs, kendall, spearman, topPrecision } from '../stats/rank.ts';
import { azNasScores } from '../proxies/rank-aggregation.ts';
import { objectiveDefinition, searchPreset } from '../search/config.ts';
import { isRank, normalisedColumns, normalisedValues, type ObjectiveDefinition } from '../search/objectives.ts';
import { pickScore } from '../search/pick.ts';
import type { ArchitectureOrigin } from './sample.ts';
import type { TrainingRun, TruthTable } from './table.ts';

export type TruthTarget = 'auc' | 'acc' | 'auc-last3' | 'valtest-last3';
export const TRUTH_TARGETS: readonly TruthTarget[] = ['auc', 'acc', 'auc-last3', 'valtest-last3'];

export interface CorrelateOptions {
  readonly target?: TruthTarget;
  /** Bootstrap resamples (default 2000) and seed (default 0). */
  readonly resamples?: number;
  readonly seed?: number;
  /** Only architectures of these origins (default: all). */
  readonly origins?: readonly ArchitectureOrigin[];
  /** Only the first K architectures of the table (a pilot's prefix). */
  readonly first?: number;
}

export interface QuantityCorrelation {
  /** The proxy's name, or 'paper', 'quick', '-f1', '-f2', 'az_nas', or the ceiling's 'ceiling'. */
  readonly proxy: string;
  readonly kind: 'proxy' | 'search' | 'ceiling' | 'table';
  /** Architectures used (both values finite). */
  readonly n: number;
  readonly spearman: number;
  readonly spearmanLow: number;
  readonly spearmanHigh: number;
  readonly kendall: number;
  readonly kendallLow: number;
  readonly kendallHigh: number;
  readonly top10: number;
  readonly stability: number;
  /** The ceiling only: sqrt(2r / (1 + r)) of its Spearman. */
  readonly corrected?: number;
}

export interface TableCorrelation {
  readonly dataset: string;
  readonly target: TruthTarget;
  /** Architectures with at least one finished run (after the origin and prefix filters). */
  readonly architectures: number;
  /** Per architecture used: its index in the table and its target. */
  readonly rows: readonly { readonly arch: number; readonly target: number }[];
  readonly correlations: readonly QuantityCorrelation[];
  readonly ceiling: QuantityCorrelation;
  /** Values per quantity over `rows` (for plots). */
  readonly values: Readonly<Record<string, readonly number[]>>;
}

/** The eq. 1 objectives as a search uses them by default (jacob_cov, ln synflow, FLOPs). */
export const PAPER_OBJECTIVES: ObjectiveDefinition = { scores: ['jacob_cov', 'synflow'], lowerIsBetter: [], cost: 'flops', synflowScale: 'log' };

/**
 * A run's value of the target (NaN for a failed run): `auc` / `acc`, the test metrics of the
 * best-on-validation weights; `auc-last3`, the mean test AUC of the last 3 epochs (no epoch chosen
 * on the small validation split); `valtest-last3`, the same over validation and test together, each
 * split's AUC weighted by its images (more images, less noise; no split is used to choose anything).
 */
export function runTarget(run: TrainingRun, target: TruthTarget, counts: { readonly val: number; readonly test: number } = { val: 1, test: 1 }): number {
  if (run.test === null) return NaN;
  if (target === 'auc') return run.test.auc;
  if (target === 'acc') return run.test.acc;
  const last = run.epochs.slice(-3);
  const wv = target === 'valtest-last3' ? counts.val / (counts.val + counts.test) : 0;
  return last.reduce((s, e) => s + wv * e.val.auc + (1 - wv) * e.test.auc, 0) / last.length;
}

const mean = (v: readonly number[]): number => {
  const f = v.filter(Number.isFinite);
  return f.length === 0 ? NaN : f.reduce((s, x) => s + x, 0) / f.length;
};

/** Every split of `seeds` into two halves of sizes floor(S/2) and ceil(S/2), each split once. */
export function seedHalves(seeds: readonly number[]): [number[], number[]][] {
  const s = seeds.length;
  const k = Math.floor(s / 2);
  const out: [number[], number[]][] = [];
  const seen = new Set<string>();
  const choose = (start: number, picked: number[]) => {
    if (picked.length === k) {
      const a = picked.map((i) => seeds[i]);
      const b = seeds.filter((_, i) => !picked.includes(i));
      const id = [a.join(','), b.join(',')].sort().join('|');
      if (!seen.has(id)) {
        seen.add(id);
        out.push([a, b]);
      }
      return;
    }
    for (let i = start; i < s; i++) choose(i + 1, [...picked, i]);
  };
  if (k > 0) choose(0, []);
  return out;
}

function correlation(proxy: string, kind: QuantityCorrelation['kind'], x: readonly number[], y: readonly number[], stability: number, options: CorrelateOptions): QuantityCorrelation {
  const p = finitePairs(x, y);
  const boot = { resamples: options.resamples ?? 2000, seed: options.seed ?? 0 };
  const rho = pairedBootstrap(p.x, p.y, spearman, boot);
  const tau = pairedBootstrap(p.x, p.y, kendall, boot);
  return {
    proxy, kind, n: p.x.length,
    spearman: spearman(p.x, p.y), spearmanLow: rho.low, spearmanHigh: rho.high,
    kendall: kendall(p.x, p.y), kendallLow: tau.low, kendallHigh: tau.high,
    top10: topPrecision(p.x, p.y, 0.1), stability,
  };
}

/** Mean Spearman over pairs of columns (init seeds) of a [arch][seed] matrix. */
function seedStability(matrix: readonly (readonly number[])[]): number {
  const seeds = matrix[0]?.length ?? 0;
  const rhos: number[] = [];
  for (let a = 0; a < seeds; a++) {
    for (let b = a + 1; b < seeds; b++) rhos.push(spearman(matrix.map((r) => r[a]), matrix.map((r) => r[b])));
  }
  return rhos.length === 0 ? NaN : mean(rhos);
}

/** Correlates every quantity of `table` with its trained target. */
export function correlateTable(table: TruthTable, options: CorrelateOptions = {}): TableCorrelation {
  const target = options.target ?? 'auc';
  const p = table.protocol;
  const limit = options.first ?? table.architectures.length;
  const used = table.architectures
    .map((a, arch) => ({ a, arch }))
    .filter(({ a, arch }) => arch < limit && (!options.origins || options.origins.includes(a.origin)))
    .map(({ arch }) => ({ arch, runs: table.runs.filter((r) => r.arch === arch) }))
    .filter((u) => u.runs.some((r) => r.test !== null));
  const targets = used.map((u) => mean(u.runs.map((r) => runTarget(r, target, table.dataset.counts))));

  // Quantity values per architecture per init seed.
  const names = [...new Set(table.proxies.flatMap((r) => Object.keys(r.values)))];
  const proxyRow = (arch: number, seed: number) => table.proxies.find((r) => r.arch === arch && r.initSeed === seed);
  const value = (arch: number, seed: number, name: string): number => {
    const r = proxyRow(arch, seed);
    if (!r) return NaN;
    return r.logValues[name] ?? r.values[name] ?? NaN;
  };
  /** Every used architecture's stored values at init seed `s`, as a search holds them. */
  const rawsAt = (s: number) => used.map((u) => {
    const r = proxyRow(u.arch, s);
    return { values: r?.values ?? {}, logValues: r?.logValues ?? {} };
  });
  const matrices = new Map<string, number[][]>();
  for (const name of names) matrices.set(name, used.map((u) => p.initSeeds.map((s) => value(u.arch, s, name))));
  // The search's quantities, normalised over the table per init seed (as a search normalises over its population).
  if (names.includes('jacob_cov') && names.includes('synflow') && names.includes('flops')) {
    const perSeed = p.initSeeds.map((s) => normalisedColumns(rawsAt(s), PAPER_OBJECTIVES));
    const derived = (f: (c: { p1: number[]; p2: number[]; cost: number[] }, i: number) => number) =>
      used.map((_, i) => perSeed.map((c) => f(c, i)));
    matrices.set('paper', derived((c, i) => c.p1[i] + c.p2[i]));
    matrices.set('-f1', derived((c, i) => c.p1[i] + c.cost[i])); // f1 = -P1_n - cost_n
    matrices.set('-f2', derived((c, i) => c.p2[i] - c.cost[i])); // f2 = -P2_n + cost_n
  }
  // The quick preset's pick score under its own objectives (issue 20: what `mednas search` runs by
  // default), normalised over the table as its search normalises over its population.
  const quick = objectiveDefinition(searchPreset('quick', p.dataset));
  if (quickProxies(p.dataset).every((n) => names.includes(n))) {
    const kind = isRank(quick) ? 'rank' : 'paper';
    const perSeed = p.initSeeds.map((s) => normalisedValues(rawsAt(s), quick).map((n) => pickScore(n, kind)));
    matrices.set('quick', used.map((_, i) => perSeed.map((col) => col[i])));
  }
  // AZ-NAS's score: its rank aggregation over the table (a property of the set, as the search's).
  const az = ['az_expressivity', 'az_progressivity', 'az_trainability', 'flops'];
  if (az.every((n) => names.includes(n))) {
    const perSeed = p.initSeeds.map((s) => azNasScores(Object.fromEntries(az.map((n) => [n, used.map((u) => value(u.arch, s, n))])) as Parameters<typeof azNasScores>[0]));
    matrices.set('az_nas', used.map((_, i) => perSeed.map((col) => col[i])));
  }
  const values: Record<string, number[]> = {};
  const correlations: QuantityCorrelation[] = [];
  for (const [name, m] of matrices) {
    values[name] = m.map(mean);
    const kind = name === 'paper' || name === 'quick' || name.startsWith('-f') || name === 'az_nas' ? 'search' : 'proxy';
    correlations.push(correlation(name, kind, values[name], targets, seedStability(m), options));
  }
  correlations.sort((a, b) => (Number.isNaN(b.spearman) ? -Infinity : b.spearman) - (Number.isNaN(a.spearman) ? -Infinity : a.spearman));
  return {
    dataset: p.dataset, target, architectures: used.length,
    rows: used.map((u, i) => ({ arch: u.arch, target: targets[i] })),
    correlations, ceiling: noiseCeiling(table, used, target, options), values,
  };
}

/** The split-half noise ceiling over the architectures with every seed finished. */
function noiseCeiling(table: TruthTable, used: readonly { arch: number; runs: readonly TrainingRun[] }[], target: TruthTarget, options: CorrelateOptions): QuantityCorrelation {
  const seeds = table.protocol.seeds;
  const complete = used.filter((u) => seeds.every((s) => u.runs.some((r) => r.seed === s && r.test !== null)));
  const perSeed = complete.map((u) => new Map(u.runs.map((r) => [r.seed, runTarget(r, target, table.dataset.counts)])));
  const splits = seedHalves(seeds);
  const halfMeans = splits.map(([a, b]) => ({
    a: perSeed.map((m) => mean(a.map((s) => m.get(s)!))),
    b: perSeed.map((m) => mean(b.map((s) => m.get(s)!))),
  }));
  const over = (stat: (x: number[], y: number[]) => number) => (idx: readonly number[]) =>
    mean(halfMeans.map((h) => stat(idx.map((i) => h.a[i]), idx.map((i) => h.b[i]))));
  const all = complete.map((_, i) => i);
  const boot = { resamples: options.resamples ?? 2000, seed: options.seed ?? 0 };
  const n = splits.length === 0 ? 0 : complete.length;
  const rho = n < 3 ? NaN : over(spearman)(all);
  const rhoCi = n < 3 ? { low: NaN, high: NaN } : bootstrapInterval(n, over(spearman), boot);
  const tau = n < 3 ? NaN : over(kendall)(all);
  const tauCi = n < 3 ? { low: NaN, high: NaN } : bootstrapInterval(n, over(kendall), boot);
  const top = n < 3 ? NaN : mean(halfMeans.map((h) => topPrecision(h.a, h.b, 0.1)));
  return {
    proxy: 'ceiling', kind: 'ceiling', n,
    spearman: rho, spearmanLow: rhoCi.low, spearmanHigh: rhoCi.high,
    kendall: tau, kendallLow: tauCi.low, kendallHigh: tauCi.high,
    top10: top, stability: NaN,
    corrected: rho > 0 ? Math.sqrt((2 * rho) / (1 + rho)) : NaN,
  };
}

/** Rank agreement of two tables' targets over the architectures both trained (a pilot's fidelity check). */
export function correlateTables(a: TruthTable, b: TruthTable, options: CorrelateOptions = {}): QuantityCorrelation {
  const target = options.target ?? 'auc';
  const byKey = (t: TruthTable) => new Map(t.architectures.map((x, arch) => [x.key, mean(t.runs.filter((r) => r.arch === arch).map((r) => runTarget(r, target, t.dataset.counts)))]));
  const ta = byKey(a);
  const tb = byKey(b);
  const keys = [...ta.keys()].filter((k) => tb.has(k));
  return correlation('other table', 'table', keys.map((k) => tb.get(k)!), keys.map((k) => ta.get(k)!), NaN, options);
}

/**
 * Issue 20's targets on a table: the quick preset's pick score (`quick`) against the best of
 * params, FLOPs and eq. 1's pick score (`paper`) by Spearman, and as a share of the noise ceiling
 * (split-half, and against the mean of all seeds). Null when the table lacks `quick`.
 */
export interface QuickTargets {
  readonly quick: number;
  /** The best of params, flops and paper by Spearman. */
  readonly baseline: { readonly proxy: string; readonly spearman: number };
  /** quick - baseline (target: >= 0.10). */
  readonly margin: number;
  /**
   * The margin's 95% percentile bootstrap interval: both Spearmans on the same resamples of the
   * architectures (paired), the baseline the one chosen on the whole table.
   */
  readonly marginLow: number;
  readonly marginHigh: number;
  /** quick / the split-half ceiling, and / the ceiling against all seeds (target: >= 0.8). */
  readonly ofCeiling: number;
  readonly ofCorrectedCeiling: number;
}

/** The proxies the quick preset's objectives score (and so the `quick` row needs), the cost included. */
function quickProxies(dataset: string): string[] {
  const quick = objectiveDefinition(searchPreset('quick', dataset));
  return [...quick.scores, quick.cost];
}

/** The quick preset's proxies a table has no values of: why its correlation has no `quick` row (empty when it has one). */
export function missingQuickProxies(r: TableCorrelation): string[] {
  return quickProxies(r.dataset).filter((n) => !(n in r.values));
}

export function quickTargets(r: TableCorrelation, options: Pick<BootstrapOptions, 'resamples' | 'seed' | 'indices'> = {}): QuickTargets | null {
  const by = new Map(r.correlations.map((c) => [c.proxy, c]));
  const quick = by.get('quick');
  const baselines = ['params', 'flops', 'paper'].map((p) => by.get(p)).filter((c): c is QuantityCorrelation => c !== undefined && Number.isFinite(c.spearman));
  if (!quick || baselines.length === 0) return null;
  const best = baselines.reduce((a, b) => (b.spearman > a.spearman ? b : a));
  const targets = r.rows.map((x) => x.target);
  // spearman drops the non-finite pairs itself.
  const rho = (values: readonly number[], idx: readonly number[]) => spearman(idx.map((i) => values[i]), idx.map((i) => targets[i]));
  const margin = bootstrapInterval(targets.length, (idx) => rho(r.values.quick, idx) - rho(r.values[best.proxy], idx), {
    resamples: options.resamples ?? 2000, seed: options.seed ?? 0, indices: options.indices,
  });
  return {
    quick: quick.spearman, baseline: { proxy: best.proxy, spearman: best.spearman }, margin: quick.spearman - best.spearman,
    marginLow: margin.low, marginHigh: margin.high,
    ofCeiling: quick.spearman / r.ceiling.spearman, ofCorrectedCeiling: quick.spearman / (r.ceiling.corrected ?? NaN),
  };
}
