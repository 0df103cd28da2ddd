// Scoring a split: the network in eval mode (BatchNorm on its running statistics), no tape, the
// task's scores (softmax over the classes, or a sigmoid per label for multi-label), read back once
// per batch, then MedMNIST's ACC and AUC (metrics.ts) over the whole split.
import type { ImageDataset } from '../data/dataset.ts';
import { DataLoader, type LoaderOptions } from '../data/loader.ts';
import type { SplitName } from '../data/registry.ts';
import type { Module } from '../nn/module.ts';
import { sigmoid } from '../ops/elementwise.ts';
import { softmax } from '../ops/loss.ts';
import { tensor } from '../tensor/create.ts';
import { noGrad, tidy } from '../tensor/scope.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { isMultiLabel } from './loss.ts';
import { medMnistMetrics, type Metrics } from './metrics.ts';

export interface EvaluateOptions {
  readonly split: SplitName;
  readonly batchSize: number;
  /** The training run's normalisation (default: the training split's statistics). */
  readonly normalize?: LoaderOptions['normalize'];
  /** Called after each batch with the images scored so far. */
  readonly onBatch?: (done: number, total: number) => void;
}

export interface SplitScores {
  /** N x K scores, row-major. */
  readonly scores: Float32Array;
  /** N class indices, or N x K multi-hot rows. */
  readonly labels: Int32Array | Float32Array;
  readonly classes: number;
}

/** The network's scores on every image of a split, in the split's order. Restores the training mode. */
export async function predictSplit(rt: Runtime, net: Module, dataset: ImageDataset, options: EvaluateOptions): Promise<SplitScores> {
  const loader = new DataLoader(dataset, { split: options.split, batchSize: options.batchSize, shuffle: false, normalize: options.normalize });
  const classes = dataset.classNames.length;
  const n = loader.sampleCount;
  const scores = new Float32Array(n * classes);
  const multiLabel = isMultiLabel(dataset.task);
  const labels = multiLabel ? new Float32Array(n * classes) : new Int32Array(n);
  const wasTraining = net.training;
  net.eval();
  try {
    let at = 0;
    for await (const batch of loader.epoch(0)) {
      const probs = tidy(() =>
        noGrad(() => {
          const x = tensor(batch.images, batch.shape, rt);
          const logits = net.forward(x);
          return multiLabel ? sigmoid(logits) : softmax(logits);
        }),
      );
      const values = await probs.data();
      probs.dispose();
      const rows = batch.indices.length;
      scores.set(values.subarray(0, rows * classes), at * classes);
      labels.set(batch.labels, multiLabel ? at * classes : at);
      at += rows;
      options.onBatch?.(at, n);
    }
  } finally {
    net.train(wasTraining);
  }
  return { scores, labels, classes };
}

/** MedMNIST's ACC and AUC of the network on a split. */
export async function evaluateSplit(rt: Runtime, net: Module, dataset: ImageDataset, options: EvaluateOptions): Promise<Metrics> {
  const s = await predictSplit(rt, net, dataset, options);
  return medMnistMetrics(dataset.task, s.labels, s.scores, s.classes);
}
