// A search's result, worked out from its checkpoint alone (so a finished checkpoint, a resumed run
// and an uninterrupted one give the same): the final population normalised over itself, its front,
// the architecture the pick rule chooses, the refined choice where a refinement is done, and the
// timings.
import { Archive, type ArchitectureRecord } from './archive.ts';
import type { SearchCheckpoint } from './checkpoint.ts';
import { objectiveDefinition, type SearchConfig } from './config.ts';
import type { GenerationRecord } from './history.ts';
import { finalPopulation, pickIndex, pickOrder, type FinalPopulation, type PopulationMember } from './pick.ts';
import type { RefineRecord } from './refine.ts';

export interface SearchResult {
  readonly config: SearchConfig;
  /** The architecture handed to training: the refined choice when a refinement is done, else `zeroCost`. */
  readonly chosen: PopulationMember;
  /** The pick rule's choice from the zero-cost values alone. */
  readonly zeroCost: PopulationMember;
  /** The final population's non-dominated members, by f1. */
  readonly front: readonly PopulationMember[];
  readonly population: readonly PopulationMember[];
  readonly history: readonly GenerationRecord[];
  readonly archive: readonly ArchitectureRecord[];
  /** The refinement as recorded (null: none asked, or none of its candidates trained yet). */
  readonly refine: RefineRecord | null;
  /** Generations done, over all runs. */
  readonly generations: number;
  readonly elapsedMs: number;
  readonly finished: boolean;
  readonly checkpoint: SearchCheckpoint;
}

/** The last generation's population, normalised over itself. */
export function lastPopulation(c: Pick<SearchCheckpoint, 'config' | 'archive' | 'history'>): FinalPopulation {
  const last = c.history[c.history.length - 1];
  if (!last) throw new Error('lastPopulation: the checkpoint holds no generation yet');
  const archive = new Archive(c.archive);
  return finalPopulation(last.population.map((k) => archive.require(k)), objectiveDefinition(c.config));
}

/** The members a refinement trains: the first K of the final front in the pick rule's order (all of it when smaller). */
export function refinePlan(pop: FinalPopulation, config: SearchConfig): PopulationMember[] {
  if (!config.refine) return [];
  return pickOrder(pop, config.pick).slice(0, config.refine.candidates).map((i) => pop.members[i]);
}

export function searchResult(c: SearchCheckpoint): SearchResult {
  if (c.history.length === 0) throw new Error('searchResult: the checkpoint holds no generation yet');
  const pop = lastPopulation(c);
  const zeroCost = pop.members[pickIndex(pop, c.config.pick)];
  const refined = c.refine?.chosen ? pop.members.find((m) => m.record.key === c.refine!.chosen) : undefined;
  const front = pop.front.map((i) => pop.members[i]).sort((a, b) => a.objectives[0] - b.objectives[0] || a.record.key.localeCompare(b.record.key));
  return {
    config: c.config, chosen: refined ?? zeroCost, zeroCost, front, population: pop.members, history: c.history, archive: c.archive,
    refine: c.refine, generations: c.history.length, elapsedMs: c.elapsedMs, finished: c.finished, checkpoint: c,
  };
}
