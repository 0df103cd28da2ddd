// The loss of the ablation proxies (snip, grad_norm, plain, fisher, grasp): the reference's
// F.cross_entropy on the batch labels (mean over the batch); for multi-label datasets (ChestMNIST)
// BCE-with-logits over every label, the loss mednas trains those with.
import { bceWithLogits, crossEntropy } from '../ops/loss.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ProxyBatch } from './batch.ts';

/** The mean loss of `logits` ([N, K]) against the batch's labels. */
export function proxyLoss(logits: Tensor, batch: ProxyBatch): Tensor {
  if (batch.multiLabel) return bceWithLogits(logits, batch.labels as Float32Array);
  return crossEntropy(logits, batch.labels as Int32Array);
}
