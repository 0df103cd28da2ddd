// A validated pick (`refine`): after the zero-cost search, the K best members of the final front (in
// the pick rule's order, src/search/pick.ts) are trained briefly under the quick protocol
// (presetConfig(dataset, 'quick') with the refine epochs, the search's seed) and the one with the
// best validation AUC is chosen (ties: the earlier in the pick rule's order). Each candidate is one
// plain call of the trainer (no model file is written); the search saves its checkpoint after every
// candidate, so a killed run loses at most the candidate in progress, and a resumed one trains the
// next. A candidate whose loss turns NaN or that runs out of GPU memory is recorded with its failure
// and counts as the worst; any other error stops the run (the candidates done are kept).
// This file holds the record and the rule (plain data, no GPU); src/search/refinement.ts trains.
import { presetConfig, type TrainConfig } from '../train/config.ts';
import type { SearchConfig } from './config.ts';

/** One trained candidate. */
export interface RefineCandidate {
  /** genotypeKey of the candidate. */
  readonly key: string;
  readonly epochs: number;
  /** 0-based epoch of the best validation AUC (-1 when training failed). */
  readonly bestEpoch: number;
  /** Validation AUC and ACC at that epoch: what the choice reads (NaN when training failed). */
  readonly valAuc: number;
  readonly valAcc: number;
  /** Test AUC and ACC of the best-on-validation weights: recorded for information, never read by the choice. */
  readonly testAuc: number;
  readonly testAcc: number;
  /** Wall time of its training and evaluation. */
  readonly seconds: number;
  /** Why it could not be trained (a NaN loss, out of GPU memory); it counts as the worst. */
  readonly failure: string | null;
}

/** The refinement stage as the checkpoint records it. */
export interface RefineRecord {
  /** The training settings every candidate was trained with. */
  readonly train: TrainConfig;
  /** The keys to train, best first in the pick rule's order (at most K; fewer when the front is smaller). */
  readonly planned: readonly string[];
  /** The candidates trained so far, in `planned` order. */
  readonly candidates: readonly RefineCandidate[];
  /** The key chosen once every planned candidate is trained (null before). */
  readonly chosen: string | null;
}

/** The training settings of refinement: the quick protocol with the refine epochs and images, seeded with the search's seed. */
export function refineTrainConfig(config: SearchConfig): TrainConfig {
  if (!config.refine) throw new Error('refineTrainConfig: the search has no refine settings');
  return { ...presetConfig(config.dataset, 'quick'), epochs: config.refine.epochs, seed: config.seed, maxImages: config.refine.maxImages };
}

/** The chosen key: the best validation AUC (ties and failures: the earlier); all failed: the first planned. */
export function refineChoice(planned: readonly string[], candidates: readonly RefineCandidate[]): string | null {
  if (planned.length === 0 || candidates.length < planned.length) return null;
  let best: RefineCandidate | null = null;
  for (const c of candidates) if (Number.isFinite(c.valAuc) && (best === null || c.valAuc > best.valAuc)) best = c;
  return best?.key ?? planned[0];
}
