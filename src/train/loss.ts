// The training loss of each MedMNIST task, as MedMNIST's own training code chooses it:
// cross-entropy over the classes for multi-class, binary (two outputs) and ordinal-regression
// (RetinaMNIST is trained as 5-class classification), BCE-with-logits per label for multi-label
// (ChestMNIST). Scores for the metrics follow the same split: softmax or sigmoid.
import type { MedMnistTask } from '../data/registry.ts';
import { bceWithLogits, crossEntropy } from '../ops/loss.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { ShapeError } from '../tensor/tensor.ts';

/** logits [N, K] and the loader's labels (N class indices, or N x K multi-hot) -> a scalar loss. */
export type LossFunction = (logits: Tensor, labels: Int32Array | Float32Array) => Tensor;

export const crossEntropyLoss: LossFunction = (logits, labels) => {
  if (!(labels instanceof Int32Array)) throw new ShapeError('cross-entropy takes class indices (an Int32Array), got multi-hot rows: a multi-label task needs BCE');
  return crossEntropy(logits, labels);
};

export const bceLoss: LossFunction = (logits, labels) => {
  if (!(labels instanceof Float32Array)) throw new ShapeError('BCE-with-logits takes multi-hot rows (a Float32Array), got class indices: a single-label task needs cross-entropy');
  return bceWithLogits(logits, labels);
};

export const isMultiLabel = (task: MedMnistTask): boolean => task === 'multi-label, binary-class';

/** The loss a task trains with. */
export function lossForTask(task: MedMnistTask): LossFunction {
  return isMultiLabel(task) ? bceLoss : crossEntropyLoss;
}

/** The loss for a batch's labels when no task is at hand: indices -> cross-entropy, multi-hot -> BCE. */
export function lossForLabels(labels: Int32Array | Float32Array): LossFunction {
  return labels instanceof Float32Array ? bceLoss : crossEntropyLoss;
}
