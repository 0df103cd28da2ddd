// Replay: a search generation by generation from its checkpoint alone, with no GPU. Each
// generation's front, hypervolume and best values are worked out again from the stored population
// and raw values and compared with what the search recorded (they must be equal, bit for bit).
// verifySearch re-scores stored architectures on a device and lists every value that differs.
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { proxyBatch } from '../proxies/batch.ts';
import { Archive, type ArchitectureRecord } from './archive.ts';
import type { SearchCheckpoint } from './checkpoint.ts';
import { objectiveDefinition, scoredProxies } from './config.ts';
import { CheckpointMismatchError } from './errors.ts';
import { frontOf, generationBest, populationHypervolume, type GenerationRecord } from './history.ts';
import { refineChoice, type RefineRecord } from './refine.ts';
import { lastPopulation, refinePlan } from './result.ts';
import { defaultScorer, type ArchitectureScorer } from './search.ts';

export interface ReplayedGeneration {
  readonly record: GenerationRecord;
  /** The population's architectures, in population order. */
  readonly members: readonly ArchitectureRecord[];
  /** What the recomputation found different from the stored record (empty: it reproduces exactly). */
  readonly differences: readonly string[];
}

const same = (a: number, b: number): boolean => Object.is(a, b) || a === b;

/** Every generation of the checkpoint, recomputed and compared with the stored record. */
export function replaySearch(c: SearchCheckpoint): ReplayedGeneration[] {
  const archive = new Archive(c.archive);
  const def = objectiveDefinition(c.config);
  return c.history.map((g) => {
    const members = g.population.map((k) => archive.require(k));
    const differences: string[] = [];
    const front = frontOf(g.objectives);
    if (front.join(',') !== g.front.join(',')) differences.push(`front: stored [${g.front.join(', ')}], recomputed [${front.join(', ')}]`);
    const hv = populationHypervolume(g.population, archive, g.generation, def);
    if (!same(hv, g.hypervolume)) differences.push(`hypervolume: stored ${g.hypervolume}, recomputed ${hv}`);
    const best = generationBest(g.population, archive, g.generation, def);
    for (const [p, v] of Object.entries(best)) if (!same(v, g.bestPerProxy[p])) differences.push(`best ${p}: stored ${g.bestPerProxy[p]}, recomputed ${v}`);
    for (const p of Object.keys(g.bestPerProxy)) if (!(p in best)) differences.push(`best ${p}: stored ${g.bestPerProxy[p]}, not a value of these objectives`);
    const scoredHere = c.archive.filter((a) => a.generation === g.generation).length;
    if (scoredHere !== g.scored) differences.push(`scored: stored ${g.scored}, the archive holds ${scoredHere} first scored in it`);
    return { record: g, members, differences };
  });
}

export interface ReplayedRefinement {
  readonly record: RefineRecord;
  /** The keys the final population and the pick rule give to train (the stored plan must equal them). */
  readonly plan: readonly string[];
  /** What differs from the record: the plan, or the choice recomputed from the stored validation AUCs. */
  readonly differences: readonly string[];
}

/** The checkpoint's refinement, its plan recomputed from the final population and its choice from the stored AUCs (null: none). */
export function replayRefinement(c: SearchCheckpoint): ReplayedRefinement | null {
  if (!c.refine || !c.config.refine || c.history.length === 0) return null;
  const plan = refinePlan(lastPopulation(c), c.config).map((m) => m.record.key);
  const differences: string[] = [];
  if (plan.join('|') !== c.refine.planned.join('|')) differences.push(`planned: stored ${c.refine.planned.join(' | ')}, recomputed ${plan.join(' | ')}`);
  const chosen = refineChoice(c.refine.planned, c.refine.candidates);
  if (chosen !== c.refine.chosen) differences.push(`chosen: stored ${c.refine.chosen}, recomputed ${chosen}`);
  return { record: c.refine, plan, differences };
}

export interface VerifyDifference {
  readonly key: string;
  readonly proxy: string;
  readonly stored: number;
  readonly rescored: number;
  /** |rescored - stored| / max(|stored|, 1e-30) (NaN when one is NaN and the other not). */
  readonly relative: number;
}

export interface VerifyResult {
  /** The architectures re-scored. */
  readonly keys: readonly string[];
  readonly differences: readonly VerifyDifference[];
  readonly adapter: string;
  /** Whether the checkpoint was written on the same kind of adapter (then no difference is expected). */
  readonly sameAdapter: boolean;
}

/** `count` architectures spread evenly over the archive (the first, the last and between). */
export function verifySelection(archive: readonly ArchitectureRecord[], count: number): ArchitectureRecord[] {
  const scored = archive.filter((a) => a.failure === null);
  const n = Math.min(count, scored.length);
  if (n <= 0) return [];
  if (n === 1) return [scored[0]];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (scored.length - 1)) / (n - 1))))].map((i) => scored[i]);
}

/** Re-scores `count` stored architectures on `rt` with the checkpoint's settings and compares every value. */
export async function verifySearch(
  c: SearchCheckpoint, options: { rt: Runtime; dataset: ImageDataset; count: number; scorer?: ArchitectureScorer; onArchitecture?: (key: string, done: number, total: number) => void },
): Promise<VerifyResult> {
  const { rt, dataset } = options;
  if (dataset.name !== c.dataset.name) throw new CheckpointMismatchError(`the checkpoint was searched on ${c.dataset.name}; give that dataset, not ${dataset.name}`);
  const batch = proxyBatch(dataset, { size: c.config.proxyBatch, seed: c.config.seed });
  if (batch.id !== c.batchId) throw new CheckpointMismatchError(`the proxy batch differs from the checkpoint's (${batch.id} vs ${c.batchId}): these are not the data files the search used`);
  const proxies = scoredProxies(c.config);
  const chosen = verifySelection(c.archive, options.count);
  const differences: VerifyDifference[] = [];
  const scorer = options.scorer ?? defaultScorer;
  for (const [i, a] of chosen.entries()) {
    const s = await scorer([...a.genotype], { rt, batch, config: c.config, proxies });
    for (const p of proxies) {
      const stored = a.values[p];
      const rescored = s.values[p];
      if (!same(stored, rescored)) {
        const relative = Math.abs(rescored - stored) / Math.max(Math.abs(stored), 1e-30);
        differences.push({ key: a.key, proxy: p, stored, rescored, relative });
      }
    }
    options.onArchitecture?.(a.key, i + 1, chosen.length);
  }
  return { keys: chosen.map((a) => a.key), differences, adapter: rt.adapterInfo.description, sameAdapter: rt.adapterInfo.description === c.adapter.description };
}
