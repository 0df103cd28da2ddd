// What a search records per generation, computed from the population and the archive alone, so
// that replay can recompute it from a checkpoint and check it against what was stored.
import { nonDominatedSort } from '../moo/dominance.ts';
import { hypervolume } from '../moo/indicators.ts';
import type { Archive, ArchitectureRecord } from './archive.ts';
import { HYPERVOLUME_REFERENCE, isRank, lowerIsBetter, mstfObjectives, type SearchObjectives } from './objectives.ts';

export interface GenerationTimes {
  /** Wall time of the generation (breeding, scoring, survival, not the checkpoint). */
  readonly wallMs: number;
  /** Time spent scoring new architectures. */
  readonly scoringMs: number;
}

export interface GenerationRecord {
  readonly generation: number;
  /** Candidates evaluated so far (archive hits included). */
  readonly evaluations: number;
  /** Genotype keys of the population after this generation, in the optimiser's order. */
  readonly population: readonly string[];
  /** The optimiser's objectives of the population [f1, f2] (normalised over the set it last compared). */
  readonly objectives: readonly (readonly number[])[];
  /** Indices into `population` of its non-dominated members. */
  readonly front: readonly number[];
  /**
   * Hypervolume of the population's front with every value normalised over all architectures
   * scored up to this generation (so generations are comparable), reference point (0.1, 1.1).
   */
  readonly hypervolume: number;
  /**
   * The best raw value of each proxy in the population on its own (largest score, smallest FLOPs;
   * ln for synflow): each value comes from whichever member is best in that proxy, so in general
   * from different architectures, and together they describe no one network. Rank objectives add
   * `mean S_n`: the population's mean S_n, normalised over everything scored up to this generation
   * (the hypervolume's normalisation; its largest is 1 in every generation of an elitist search,
   * so the mean is what moves). Checkpoints before version 3 store it as `best`.
   */
  readonly bestPerProxy: Readonly<Record<string, number>>;
  /** New architectures scored in this generation, candidates answered from the archive, failures. */
  readonly scored: number;
  readonly archiveHits: number;
  readonly failures: number;
  readonly times: GenerationTimes;
}

/** The indices of the non-dominated rows of F. */
export function frontOf(F: readonly (readonly number[])[]): number[] {
  return F.length === 0 ? [] : nonDominatedSort(F)[0].slice().sort((a, b) => a - b);
}

/** ln(synflow) as the proxy computed it (exact where the value itself would overflow f32). */
export function lnSynflow(r: Pick<ArchitectureRecord, 'values' | 'logValues'>): number {
  return r.logValues.synflow ?? Math.log(r.values.synflow);
}

/** The value a proxy's "best" is reported in: ln for synflow on the log scale. */
export function reportedValue(r: ArchitectureRecord, proxy: string, def: Pick<SearchObjectives, 'synflowScale'>): number {
  return proxy === 'synflow' && def.synflowScale === 'log' ? lnSynflow(r) : r.values[proxy];
}

/** The key of the rank aggregate's value in GenerationRecord.bestPerProxy: the population's mean S_n. */
export const BEST_S_N = 'mean S_n';

/** Best finite value of each proxy over `members`. */
export function bestValues(members: readonly ArchitectureRecord[], def: SearchObjectives): Record<string, number> {
  const out: Record<string, number> = {};
  for (const proxy of [...def.scores, def.cost]) {
    const lower = lowerIsBetter(def, proxy);
    const vals = members.map((m) => reportedValue(m, proxy, def)).filter((v) => Number.isFinite(v));
    out[proxy] = vals.length === 0 ? NaN : lower ? Math.min(...vals) : Math.max(...vals);
  }
  return out;
}

/** Everything scored up to `generation` with its objectives normalised over that set, and the population's front in them. */
export interface GenerationSpace {
  readonly seen: readonly ArchitectureRecord[];
  /** Objectives of `seen`, row for row. */
  readonly F: readonly (readonly number[])[];
  /** The population's objectives, in population order. */
  readonly own: readonly (readonly number[])[];
  /** Indices into the population of its non-dominated members. */
  readonly front: readonly number[];
}

export function generationSpace(population: readonly string[], archive: Archive, generation: number, def: SearchObjectives): GenerationSpace {
  const seen = archive.upTo(generation);
  const index = new Map(seen.map((r, i) => [r.key, i]));
  const F = mstfObjectives(seen, def);
  const own = population.map((k) => F[index.get(k)!]);
  return { seen, F, own, front: frontOf(own) };
}

/** Hypervolume of `population`'s front, normalised over everything scored up to `generation`. */
export function populationHypervolume(population: readonly string[], archive: Archive, generation: number, def: SearchObjectives): number {
  const { own, front } = generationSpace(population, archive, generation, def);
  return hypervolume(front.map((i) => own[i]), HYPERVOLUME_REFERENCE);
}

/** A generation's best values: bestValues of the population, and for rank objectives its mean S_n (over everything scored so far). */
export function generationBest(population: readonly string[], archive: Archive, generation: number, def: SearchObjectives): Record<string, number> {
  const best = bestValues(population.map((k) => archive.require(k)), def);
  if (!isRank(def)) return best;
  // f1 = -S_n in the hypervolume's normalisation.
  const { own } = generationSpace(population, archive, generation, def);
  const sn = own.map((f) => -f[0]);
  return { [BEST_S_N]: sn.length ? sn.reduce((a, b) => a + b, 0) / sn.length : NaN, ...best };
}

/** The record of one generation from its population and the archive (times and counts given). */
export function generationRecord(
  generation: number, evaluations: number, population: readonly string[], objectives: readonly (readonly number[])[],
  archive: Archive, def: SearchObjectives, counts: { scored: number; archiveHits: number; failures: number }, times: GenerationTimes,
): GenerationRecord {
  return {
    generation,
    evaluations,
    population: [...population],
    objectives: objectives.map((f) => [...f]),
    front: frontOf(objectives),
    hypervolume: populationHypervolume(population, archive, generation, def),
    bestPerProxy: generationBest(population, archive, generation, def),
    ...counts,
    times,
  };
}
