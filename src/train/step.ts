// One supervised SGD step on a batch: forward, cross-entropy, backward, update, gradients dropped.
// Records GPU work and does not wait; the loss tensor is returned for the caller to read (rarely)
// and dispose.
import type { Module } from '../nn/module.ts';
import { crossEntropy } from '../ops/loss.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Sgd } from './sgd.ts';

export function sgdStep(net: Module, sgd: Sgd, x: Tensor, labels: Int32Array): Tensor {
  const loss = tidy(() => crossEntropy(net.forward(x), labels));
  loss.backward();
  sgd.step();
  sgd.zeroGrad();
  return loss;
}
