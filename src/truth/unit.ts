// The two units of work of a ground-truth table, each a plain function of plain data (a genotype,
// settings, a dataset, a seed) that returns plain data, so the local builder and a queue worker call
// the same code and get the same numbers on the same adapter:
//   trainUnit   trains one architecture with one seed under the protocol's recipe, scoring the test
//               split after every epoch, and returns the epochs and the best-on-validation result;
//   proxyUnit   computes proxies on the initial weights from one seed.
// A NaN loss is a result (the run is recorded as failed, with the reason); every other error is
// the caller's to handle (the builder stops, keeping what is finished).
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import type { ProxyBatch } from '../proxies/batch.ts';
import { scoreArchitecture } from '../proxies/score.ts';
import type { TrainConfig } from '../train/config.ts';
import { NonFiniteLossError } from '../train/errors.ts';
import { evaluateSplit } from '../train/evaluate.ts';
import type { Metrics } from '../train/metrics.ts';
import { trainModel, type TrainEvent } from '../train/trainer.ts';
import { Rng } from '../util/rng.ts';
import { MEDNAS_VERSION } from '../version.ts';
import type { EpochTruth, ProxyRun, TrainingRun } from './table.ts';

/** The adapter in one line, as tables record it. */
export function adapterLine(rt: Runtime): string {
  const a = rt.adapterInfo;
  return [a.vendor, a.architecture, a.description].filter((s) => s !== '').join(' / ') + (a.isCpu ? ' (CPU)' : '');
}

export interface TrainUnitInput {
  readonly rt: Runtime;
  /** The data to train on (the protocol's training subset already taken). */
  readonly dataset: ImageDataset;
  readonly genotype: readonly number[];
  /** The protocol's recipe with this run's seed. */
  readonly config: TrainConfig;
  readonly onProgress?: (event: TrainEvent) => void;
}

export type TrainUnitResult = Omit<TrainingRun, 'arch' | 'key' | 'seed'>;

export async function trainUnit(input: TrainUnitInput): Promise<TrainUnitResult> {
  const { rt, dataset, config } = input;
  const started = performance.now();
  const testByEpoch: Metrics[] = [];
  const epochs: EpochTruth[] = [];
  const base = { adapter: adapterLine(rt), mednasVersion: MEDNAS_VERSION };
  try {
    const result = await trainModel({
      rt, dataset, genotype: [...input.genotype], config,
      onProgress: input.onProgress,
      afterEpoch: async ({ network, data }) => {
        testByEpoch.push(await evaluateSplit(rt, network, data, { split: 'test', batchSize: config.batchSize }));
      },
    });
    result.model.history.forEach((h, i) => epochs.push({ trainLoss: h.trainLoss, val: h.val, test: testByEpoch[i], seconds: h.seconds }));
    return {
      epochs, bestEpoch: result.bestEpoch, val: result.model.best!.val, test: result.test, failure: null,
      seconds: (performance.now() - started) / 1000, ...base,
    };
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    return { epochs, bestEpoch: -1, val: null, test: null, failure: e.message, seconds: (performance.now() - started) / 1000, ...base };
  }
}

export interface ProxyUnitInput {
  readonly rt: Runtime;
  readonly batch: ProxyBatch;
  readonly genotype: readonly number[];
  readonly initSeed: number;
  /** C of the network scored (the protocol's training C). */
  readonly initChannels: number;
  readonly proxies: readonly string[];
}

export type ProxyUnitResult = Omit<ProxyRun, 'arch' | 'key' | 'initSeed'>;

export async function proxyUnit(input: ProxyUnitInput): Promise<ProxyUnitResult> {
  const s = await scoreArchitecture([...input.genotype], input.proxies, input.batch, { rt: input.rt, seed: input.initSeed, initChannels: input.initChannels });
  return { values: s.values, logValues: s.logValues, reasons: s.reasons, timesMs: s.timesMs, adapter: adapterLine(input.rt), mednasVersion: MEDNAS_VERSION };
}

const SUBSET_STREAM = 0x5b5e7;

/**
 * The dataset with its training split cut to `count` images chosen by `seed` (kept in their file
 * order); val and test stay whole. The name stays, so the table says which subset by its protocol.
 */
export function trainSubset(dataset: ImageDataset, count: number, seed: number): ImageDataset {
  const train = dataset.splits.train;
  if (count >= train.count) return dataset;
  const chosen = new Rng(seed, SUBSET_STREAM).permutation(train.count).slice(0, count).sort((a, b) => a - b);
  const pixels = train.images.length / train.count;
  const width = train.labels.length / train.count;
  const images = new Uint8Array(count * pixels);
  const labels = new Int32Array(count * width);
  chosen.forEach((j, i) => {
    images.set(train.images.subarray(j * pixels, (j + 1) * pixels), i * pixels);
    labels.set(train.labels.subarray(j * width, (j + 1) * width), i * width);
  });
  return { ...dataset, release: null, splits: { ...dataset.splits, train: { count, images, labels } } };
}
