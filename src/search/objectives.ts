// The MSTF-NAS objectives (paper eq. 1) from raw proxy values: each value min-max normalised over
// the set being compared, then f1 = -P1_n - cost_n and f2 = -P2_n + cost_n, both minimised. P1 and
// P2 are the two training-free scores (jacob_cov and synflow by default), cost is FLOPs. synflow
// enters as ln(synflow) by default: its raw values span many orders of magnitude across a space, so
// min-max of the raw values sends all but the largest few to ~0 (docs/search.md has the figures).
// A missing or non-finite value gets its column's worst normalised value (0 for a score, 1 for the
// cost), so every objective is a finite number in a known range: f1 in [-2, 0], f2 in [-1, 1].

/** How synflow (or any proxy with a `log`) enters the normalisation. */
export type SynflowScale = 'log' | 'raw';
export const SYNFLOW_SCALES: readonly SynflowScale[] = ['log', 'raw'];

/** One architecture's raw values, as scored (value and, where the proxy has one, ln value). */
export interface RawValues {
  readonly values: Readonly<Record<string, number>>;
  readonly logValues: Readonly<Record<string, number>>;
}

export interface ObjectiveDefinition {
  /** The two training-free scores [P1, P2] of eq. 1 (larger is better unless `lowerIsBetter` says). */
  readonly scores: readonly [string, string];
  /** Scores for which smaller raw values are better (e.g. params used as a score): negated first. */
  readonly lowerIsBetter: readonly string[];
  /** The cost term (FLOPs). */
  readonly cost: string;
  readonly synflowScale: SynflowScale;
}

/** One column's values as they enter the normalisation (larger is better for scores). */
function columnValue(raw: RawValues, proxy: string, def: ObjectiveDefinition): number {
  let v = raw.values[proxy];
  if (proxy === 'synflow' && def.synflowScale === 'log') v = raw.logValues[proxy] ?? Math.log(v);
  if (v === undefined) return NaN;
  return def.lowerIsBetter.includes(proxy) ? -v : v;
}

/**
 * Min-max normalisation over `column`: (v - min) / (max - min) over the finite values; a constant
 * column gives 0; a non-finite value gives `worst`.
 */
export function minMaxNormalise(column: readonly number[], worst: number): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of column) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  return column.map((v) => (!Number.isFinite(v) ? worst : span > 0 ? (v - min) / span : 0));
}

/** The normalised columns [P1_n, P2_n, cost_n] of a set of architectures. */
export function normalisedColumns(set: readonly RawValues[], def: ObjectiveDefinition): { p1: number[]; p2: number[]; cost: number[] } {
  const [a, b] = def.scores;
  return {
    p1: minMaxNormalise(set.map((r) => columnValue(r, a, def)), 0),
    p2: minMaxNormalise(set.map((r) => columnValue(r, b, def)), 0),
    // Cost is minimised: the worst (a missing FLOPs count) is the largest, 1.
    cost: minMaxNormalise(set.map((r) => r.values[def.cost] ?? NaN), 1),
  };
}

/** [f1, f2] of every architecture in `set`, normalised over the set (eq. 1). */
export function mstfObjectives(set: readonly RawValues[], def: ObjectiveDefinition): number[][] {
  const { p1, p2, cost } = normalisedColumns(set, def);
  return set.map((_, i) => [-p1[i] - cost[i], -p2[i] + cost[i]]);
}

/** The hypervolume reference point of the normalised objectives: 0.1 beyond their worst corner. */
export const HYPERVOLUME_REFERENCE: readonly [number, number] = [0.1, 1.1];
