// One supervised SGD step on a batch: forward, loss, backward, optional clipping by global norm,
// update, gradients dropped. Records GPU work and does not wait; the loss tensor is returned for
// the caller to read (rarely) and dispose.
import type { Module } from '../nn/module.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { clipGradNorm } from './clip.ts';
import { lossForLabels, type LossFunction } from './loss.ts';
import type { Sgd } from './sgd.ts';

export interface SgdStepOptions {
  /** The loss (lossForTask(task)); by default cross-entropy for class indices, BCE for multi-hot rows. */
  loss?: LossFunction;
  /** Clip the gradients to this global L2 norm first (the public MSTF-NAS reproduction: 2). */
  maxGradNorm?: number;
}

export function sgdStep(net: Module, sgd: Sgd, x: Tensor, labels: Int32Array | Float32Array, options: SgdStepOptions = {}): Tensor {
  const lossFn = options.loss ?? lossForLabels(labels);
  const loss = tidy(() => lossFn(net.forward(x), labels));
  loss.backward();
  if (options.maxGradNorm !== undefined) {
    const gradScale = clipGradNorm(net.parameters(), options.maxGradNorm);
    sgd.step({ gradScale });
    gradScale.dispose();
  } else {
    sgd.step();
  }
  sgd.zeroGrad();
  return loss;
}
