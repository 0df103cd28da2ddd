// A search's two objectives from raw proxy values, normalised over the set being compared. Two
// definitions, recorded in the search's config:
//   paper  MSTF-NAS's eq. 1: each value min-max normalised over the set, then f1 = -P1_n - cost_n
//          and f2 = -P2_n + cost_n, both minimised. P1 and P2 are two training-free scores
//          (jacob_cov and synflow by default), cost is FLOPs. f1 in [-2, 0], f2 in [-1, 1].
//   rank   any k >= 1 scores, aggregated AZ-NAS style over the set: each score ranked (m = the
//          best, ties share their mean rank, a NaN ranks worst), S = sum_i ln(rank_i / m)
//          (src/proxies/rank-aggregation.ts), S min-max normalised over the set to S_n; then
//          f1 = -S_n (quality) and f2 = cost_n, both minimised, f1 in [-1, 0], f2 in [0, 1].
// synflow enters as ln(synflow) by default: its raw values span many orders of magnitude across a
// space, so min-max of the raw values sends all but the largest few to ~0 (docs/search.md has the
// figures; ranks do not change with the scale, but ln is exact where the raw value overflows).
// A missing or non-finite value gets its column's worst normalised value (0 for a score, 1 for the
// cost), so every objective is a finite number in a known range.
import { rankAggregate } from '../proxies/rank-aggregation.ts';

/** How synflow (or any proxy with a `log`) enters the normalisation. */
export type SynflowScale = 'log' | 'raw';
export const SYNFLOW_SCALES: readonly SynflowScale[] = ['log', 'raw'];

/** One architecture's raw values, as scored (value and, where the proxy has one, ln value). */
export interface RawValues {
  readonly values: Readonly<Record<string, number>>;
  readonly logValues: Readonly<Record<string, number>>;
}

/** Which objectives a search optimises: eq. 1 of the paper, or the rank aggregate of k proxies and FLOPs. */
export type ObjectiveKind = 'paper' | 'rank';
export const OBJECTIVE_KINDS: readonly ObjectiveKind[] = ['paper', 'rank'];

/** Eq. 1 of the paper (`kind` may be left out: a definition without one is eq. 1). */
export interface ObjectiveDefinition {
  readonly kind?: 'paper';
  /** The two training-free scores [P1, P2] of eq. 1 (larger is better unless `lowerIsBetter` says). */
  readonly scores: readonly [string, string];
  /** Scores for which smaller raw values are better (e.g. params used as a score): negated first. */
  readonly lowerIsBetter: readonly string[];
  /** The cost term (FLOPs). */
  readonly cost: string;
  readonly synflowScale: SynflowScale;
}

/** The rank aggregate of k scores (f1 = -S_n) against the cost (f2 = cost_n). */
export interface RankObjectiveDefinition {
  readonly kind: 'rank';
  /** The k >= 1 training-free scores aggregated. */
  readonly scores: readonly string[];
  /** Each score's direction (the proxy's `higherIsBetter`). */
  readonly higherIsBetter: Readonly<Record<string, boolean>>;
  /** The cost term (FLOPs). */
  readonly cost: string;
  readonly synflowScale: SynflowScale;
}

/** Either definition; `kind` tells them apart. */
export type SearchObjectives = ObjectiveDefinition | RankObjectiveDefinition;

export const isRank = (def: SearchObjectives): def is RankObjectiveDefinition => def.kind === 'rank';

/** Whether smaller raw values of `proxy` are better under `def` (always for the cost). */
export function lowerIsBetter(def: SearchObjectives, proxy: string): boolean {
  if (proxy === def.cost) return true;
  return isRank(def) ? def.higherIsBetter[proxy] === false : def.lowerIsBetter.includes(proxy);
}

/** A proxy's value on the scale it enters the objectives: ln synflow on the log scale; NaN when missing. */
export function scaledValue(raw: RawValues, proxy: string, synflowScale: SynflowScale): number {
  let v = raw.values[proxy];
  if (proxy === 'synflow' && synflowScale === 'log') v = raw.logValues[proxy] ?? Math.log(v);
  return v === undefined ? NaN : v;
}

/** One column's values as they enter the normalisation (larger is better for scores). */
function columnValue(raw: RawValues, proxy: string, def: ObjectiveDefinition): number {
  const v = scaledValue(raw, proxy, def.synflowScale);
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

/**
 * The rank columns of a set: S (sum over the scores of ln(rank / m), 0 for the best in every score),
 * S_n (S min-max normalised over the set) and cost_n.
 */
export function rankColumns(set: readonly RawValues[], def: RankObjectiveDefinition): { s: number[]; sn: number[]; cost: number[] } {
  const cost = minMaxNormalise(set.map((r) => r.values[def.cost] ?? NaN), 1);
  if (set.length === 0) return { s: [], sn: [], cost };
  const columns = Object.fromEntries(def.scores.map((p) => [p, set.map((r) => scaledValue(r, p, def.synflowScale))]));
  const higher = Object.fromEntries(def.scores.map((p) => [p, def.higherIsBetter[p] !== false]));
  const s = rankAggregate(columns, higher);
  return { s, sn: minMaxNormalise(s, 0), cost };
}

/** Each architecture's normalised values over the set: P1_n, P2_n, cost_n (paper) or S_n, cost_n (rank). */
export interface NormalisedValues {
  readonly cost: number;
  readonly p1?: number;
  readonly p2?: number;
  readonly s?: number;
}

export function normalisedValues(set: readonly RawValues[], def: SearchObjectives): NormalisedValues[] {
  if (isRank(def)) {
    const { sn, cost } = rankColumns(set, def);
    return set.map((_, i) => ({ s: sn[i], cost: cost[i] }));
  }
  const { p1, p2, cost } = normalisedColumns(set, def);
  return set.map((_, i) => ({ p1: p1[i], p2: p2[i], cost: cost[i] }));
}

/** [f1, f2] of every architecture in `set`, normalised over the set (eq. 1, or -S_n and cost_n). */
export function mstfObjectives(set: readonly RawValues[], def: SearchObjectives): number[][] {
  if (isRank(def)) {
    const { sn, cost } = rankColumns(set, def);
    return set.map((_, i) => [-sn[i], cost[i]]);
  }
  const { p1, p2, cost } = normalisedColumns(set, def);
  return set.map((_, i) => [-p1[i] - cost[i], -p2[i] + cost[i]]);
}

/** The hypervolume reference point of the normalised objectives: 0.1 beyond their worst corner. */
export const HYPERVOLUME_REFERENCE: readonly [number, number] = [0.1, 1.1];
