// AZ-NAS's rank aggregation (Lee & Ham, "AZ-NAS: Assembling Zero-Cost Proxies for Network
// Architecture Search", CVPR 2024; the authors' code github.com/cvlab-yonsei/AZ-NAS,
// ImageNet_MBV2/evolution_search_az.py): over a population of m architectures, each proxy's values
// are ranked (scipy.stats.rankdata: ascending, ties get their average rank), and an architecture's
// score is
//
//     az_nas_i = sum over proxies p of ln(rank_p(i) / m),
//
// so the architecture that is best on every proxy scores 0 and every other one less. It is a property
// of a population, not of one architecture: adding an architecture changes everyone's ranks. That is
// why `az_nas` is not a registered proxy (a ProxyDefinition scores one network alone) and exists only
// here; its parts are the registered proxies az_expressivity, az_progressivity, az_trainability
// (az-nas.ts, az-trainability.ts) and flops (costs.ts).
//
// Pure TypeScript, no GPU: the search or a study calls it on the columns it has collected.

import { averageRanks } from '../stats/rank.ts';

/**
 * AZ-NAS's directions: all four of its proxies rank larger values higher, **complexity included**:
 * the reference ranks FLOPs ascending (a larger network within the search's FLOPs budget ranks
 * higher; the budget itself is a separate constraint). mednas's `flops` proxy says lower is better
 * (it is a cost, an objective to minimise), so passing its `higherIsBetter` here would invert
 * AZ-NAS's complexity term: use these directions to reproduce AZ-NAS.
 */
export const AZ_NAS_DIRECTIONS: Readonly<Record<string, boolean>> = Object.freeze({
  az_expressivity: true,
  az_progressivity: true,
  az_trainability: true,
  flops: true,
});

/**
 * Ranks 1..m of `values` (1 = worst, m = best), ties sharing their average rank (scipy's
 * rankdata(method='average') of the values, or of their negatives when lower is better). NaN ranks as
 * the worst value, tied with -Infinity when higher is better (+Infinity when lower is better): the
 * reference turns a NaN proxy value into -inf before ranking (compute_az_nas_score.py), and a
 * mednas proxy reports NaN where it is undefined.
 */
export function directedRanks(values: readonly number[], higherIsBetter: boolean): Float64Array {
  return averageRanks(values.map((v) => (Number.isNaN(v) ? -Infinity : higherIsBetter ? v : -v)));
}

/**
 * AZ-NAS's aggregate: for each architecture i (the columns' common index),
 * sum over the columns c of ln(rank_c(i) / m), ranks from `directedRanks` in the direction
 * `higherIsBetter[c]`. Larger is better; the maximum is 0. Every column must have the same length m
 * and a direction; an empty population gives []. The result is finite whatever the values (NaN
 * and infinities only move ranks).
 */
export function rankAggregate(columns: Record<string, number[]>, higherIsBetter: Record<string, boolean>): number[] {
  const names = Object.keys(columns);
  if (names.length === 0) throw new RangeError('rankAggregate: no columns to aggregate');
  const m = columns[names[0]].length;
  for (const name of names) {
    if (columns[name].length !== m) {
      throw new RangeError(`rankAggregate: column '${name}' has ${columns[name].length} values, '${names[0]}' has ${m}: every proxy needs one value per architecture`);
    }
    if (typeof higherIsBetter[name] !== 'boolean') {
      throw new RangeError(`rankAggregate: no direction for column '${name}': give higherIsBetter.${name} (for AZ-NAS: AZ_NAS_DIRECTIONS)`);
    }
  }
  const total = new Array<number>(m).fill(0);
  for (const name of names) {
    const ranks = directedRanks(columns[name], higherIsBetter[name]);
    for (let i = 0; i < m; i++) total[i] += Math.log(ranks[i] / m);
  }
  return total;
}

/** AZ-NAS's score of every architecture of a population from its four proxies' values (AZ_NAS_DIRECTIONS). */
export function azNasScores(values: { az_expressivity: number[]; az_progressivity: number[]; az_trainability: number[]; flops: number[] }): number[] {
  return rankAggregate(values, AZ_NAS_DIRECTIONS);
}
