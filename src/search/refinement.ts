// Running a refinement (the record and the choice rule are in refine.ts): every planned candidate
// not trained yet, one trainer call each, the record handed to `save` after each.
import type { ImageDataset } from '../data/dataset.ts';
import { GpuOutOfMemoryError } from '../gpu/errors.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { configDifferences, type TrainConfig } from '../train/config.ts';
import { NonFiniteLossError } from '../train/errors.ts';
import type { Metrics } from '../train/metrics.ts';
import { trainModel, type TrainEvent } from '../train/trainer.ts';
import type { SearchConfig } from './config.ts';
import { CheckpointMismatchError } from './errors.ts';
import { refineChoice, refineTrainConfig, type RefineCandidate, type RefineRecord } from './refine.ts';

/** What training one candidate returns (the trainer's library function by default). */
export interface CandidateTraining {
  readonly bestEpoch: number;
  readonly val: Metrics;
  readonly test: Metrics;
}

export type CandidateTrainer = (input: {
  readonly rt: Runtime;
  readonly dataset: ImageDataset;
  readonly genotype: readonly number[];
  readonly config: TrainConfig;
  readonly onProgress: (event: TrainEvent) => void;
}) => Promise<CandidateTraining>;

/** trainModel with no model file: the best-on-validation epoch, its metrics and the test of its weights. */
export const defaultCandidateTrainer: CandidateTrainer = async ({ rt, dataset, genotype, config, onProgress }) => {
  const r = await trainModel({ rt, dataset, genotype: [...genotype], config, onProgress });
  return { bestEpoch: r.bestEpoch, val: r.model.best!.val, test: r.test };
};

export type RefineProgress =
  | {
      readonly type: 'start';
      /** K as asked; `planned` may hold fewer (the front's distinct members). */
      readonly requested: number;
      readonly planned: readonly string[];
      /** Candidates already trained (by an earlier run of a resumed search). */
      readonly done: number;
      readonly train: TrainConfig;
    }
  | { readonly type: 'train'; readonly index: number; readonly total: number; readonly key: string; readonly event: TrainEvent }
  | { readonly type: 'candidate'; readonly index: number; readonly total: number; readonly candidate: RefineCandidate }
  | { readonly type: 'chosen'; readonly record: RefineRecord };

export interface RefineOptions {
  readonly rt: Runtime;
  readonly dataset: ImageDataset;
  readonly config: SearchConfig;
  /** The keys to train, best first, with their genotypes. */
  readonly planned: readonly { readonly key: string; readonly genotype: readonly number[] }[];
  /** What an earlier run of this search recorded (it must have the same plan and settings). */
  readonly done: RefineRecord | null;
  readonly trainer?: CandidateTrainer;
  /** Awaited after every candidate with the record so far (the search writes its checkpoint). */
  readonly save: (record: RefineRecord) => Promise<void>;
  readonly onProgress?: (p: RefineProgress) => void;
}

/** Trains every planned candidate not trained yet, saving after each, and returns the finished record. */
export async function runRefinement(options: RefineOptions): Promise<RefineRecord> {
  const { rt, dataset, config } = options;
  const train = refineTrainConfig(config);
  const planned = options.planned.map((p) => p.key);
  const done = options.done;
  if (done) {
    if (done.planned.join('|') !== planned.join('|')) {
      throw new CheckpointMismatchError(`the checkpoint's refinement planned ${done.planned.join(' | ')}, this search's final front gives ${planned.join(' | ')}: the checkpoint was changed; start the search again with --force`);
    }
    const changed = configDifferences(done.train, train);
    if (changed.length) {
      throw new CheckpointMismatchError(`the checkpoint's refinement was trained with other settings (${changed.join(', ')}) than this mednas gives for its config: finish it with the mednas that started it, or start again with --force`);
    }
    if (done.chosen !== null) return done;
  }
  const candidates: RefineCandidate[] = [...(done?.candidates ?? [])];
  const total = planned.length;
  const emit = options.onProgress ?? (() => undefined);
  emit({ type: 'start', requested: config.refine!.candidates, planned, done: candidates.length, train });
  const trainer = options.trainer ?? defaultCandidateTrainer;
  let record: RefineRecord = { train, planned, candidates: [...candidates], chosen: null };
  for (let index = candidates.length; index < total; index++) {
    const { key, genotype } = options.planned[index];
    const started = performance.now();
    let candidate: RefineCandidate;
    try {
      const r = await trainer({ rt, dataset, genotype, config: train, onProgress: (event) => emit({ type: 'train', index, total, key, event }) });
      candidate = {
        key, epochs: train.epochs, bestEpoch: r.bestEpoch, valAuc: r.val.auc, valAcc: r.val.acc, testAuc: r.test.auc, testAcc: r.test.acc,
        seconds: (performance.now() - started) / 1000, failure: null,
      };
    } catch (e) {
      if (!(e instanceof NonFiniteLossError || e instanceof GpuOutOfMemoryError)) throw e;
      candidate = {
        key, epochs: train.epochs, bestEpoch: -1, valAuc: NaN, valAcc: NaN, testAuc: NaN, testAcc: NaN,
        seconds: (performance.now() - started) / 1000, failure: `${e.name}: ${e.message}`,
      };
    }
    candidates.push(candidate);
    record = { train, planned, candidates: [...candidates], chosen: refineChoice(planned, candidates) };
    await options.save(record);
    emit({ type: 'candidate', index, total, candidate });
  }
  emit({ type: 'chosen', record });
  return record;
}
