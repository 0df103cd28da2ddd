// A reproduction's training unit as a plain function of plain data (an Architecture, the recipe
// with the run's seed, the data), so the local runner and a queue worker call the same code and get
// the same numbers on the same adapter. The run's identity (method, seed, index) and its size
// (params, MACs, computed without a GPU) are the runner's to add.
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import type { Architecture } from '../train/architecture.ts';
import type { TrainConfig } from '../train/config.ts';
import { NonFiniteLossError } from '../train/errors.ts';
import { trainModel, type TrainEvent } from '../train/trainer.ts';
import { adapterLine, trainSubset } from '../truth/unit.ts';
import { MEDNAS_VERSION } from '../version.ts';
import type { ReproductionProtocol } from './protocol.ts';
import type { ReproductionRun } from './results.ts';

/**
 * The seed that chooses a reproduction's training subset (--train-images): one subset for every
 * seed and method, so all networks of a reproduction see the same images.
 */
export const REPRODUCTION_SUBSET_SEED = 0;

/** The data every unit of a reproduction runs on: the protocol's training subset of `dataset` (val and test whole). */
export function reproductionData(dataset: ImageDataset, protocol: ReproductionProtocol): ImageDataset {
  return protocol.trainImages === null ? dataset : trainSubset(dataset, protocol.trainImages, REPRODUCTION_SUBSET_SEED);
}

/** The recipe one run trains under: the protocol's, at ResNet-18's width for ResNet-18, with the run's seed. */
export function reproductionTrainConfig(protocol: ReproductionProtocol, architecture: Architecture, seed: number): TrainConfig {
  const initChannels = architecture.kind === 'resnet18' ? protocol.resnetWidth : protocol.train.initChannels;
  return { ...protocol.train, initChannels, seed };
}

export interface ReproductionTrainInput {
  readonly rt: Runtime;
  /** The data to train on (reproductionData: the training subset already taken). */
  readonly dataset: ImageDataset;
  readonly architecture: Architecture;
  /** reproductionTrainConfig's recipe. */
  readonly config: TrainConfig;
  readonly onProgress?: (event: TrainEvent) => void;
}

/** What one training run gives: a ReproductionRun without its identity and size. */
export type ReproductionTrainResult = Pick<ReproductionRun, 'bestEpoch' | 'val' | 'test' | 'failure' | 'seconds' | 'adapter' | 'mednasVersion'>;

/**
 * Trains the architecture to its last epoch and tests its best-on-validation weights. A NaN loss is
 * a result (the run is recorded as failed, with the reason); every other error is the caller's.
 */
export async function reproductionTrainUnit(input: ReproductionTrainInput): Promise<ReproductionTrainResult> {
  const { rt, dataset, architecture, config } = input;
  const base = { adapter: adapterLine(rt), mednasVersion: MEDNAS_VERSION };
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await trainModel({ rt, dataset, architecture, config, onProgress: input.onProgress });
    return { bestEpoch: result.bestEpoch, val: result.model.best!.val, test: result.test, failure: null, seconds: seconds(), ...base };
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    return { bestEpoch: -1, val: null, test: null, failure: e.message, seconds: seconds(), ...base };
  }
}
