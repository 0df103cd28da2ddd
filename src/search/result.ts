// A search's result, worked out from its checkpoint alone (so a finished checkpoint, a resumed run
// and an uninterrupted one give the same): the final population normalised over itself, its front,
// the chosen architecture, and the timings.
import { Archive, type ArchitectureRecord } from './archive.ts';
import type { SearchCheckpoint } from './checkpoint.ts';
import { objectiveDefinition, type SearchConfig } from './config.ts';
import type { GenerationRecord } from './history.ts';
import { finalPopulation, pickIndex, type PopulationMember } from './pick.ts';

export interface SearchResult {
  readonly config: SearchConfig;
  readonly chosen: PopulationMember;
  /** The final population's non-dominated members, by f1. */
  readonly front: readonly PopulationMember[];
  readonly population: readonly PopulationMember[];
  readonly history: readonly GenerationRecord[];
  readonly archive: readonly ArchitectureRecord[];
  /** Generations done, over all runs. */
  readonly generations: number;
  readonly elapsedMs: number;
  readonly finished: boolean;
  readonly checkpoint: SearchCheckpoint;
}

export function searchResult(c: SearchCheckpoint): SearchResult {
  const last = c.history[c.history.length - 1];
  if (!last) throw new Error('searchResult: the checkpoint holds no generation yet');
  const archive = new Archive(c.archive);
  const def = objectiveDefinition(c.config);
  const pop = finalPopulation(last.population.map((k) => archive.require(k)), def);
  const chosen = pop.members[pickIndex(pop, c.config.pick)];
  const front = pop.front.map((i) => pop.members[i]).sort((a, b) => a.objectives[0] - b.objectives[0] || a.record.key.localeCompare(b.record.key));
  return {
    config: c.config, chosen, front, population: pop.members, history: c.history, archive: c.archive,
    generations: c.history.length, elapsedMs: c.elapsedMs, finished: c.finished, checkpoint: c,
  };
}
