// The layers a proxy score sums over, as the reference does (foresight/pruners/p_utils.py,
// get_layer_metric_array): every Conv2d and Linear, in module order, by their weights only (no
// biases, no BatchNorm parameters).
import { Conv2d, Linear } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface ScoredLayer {
  /** Dotted module name, e.g. `blocks.0.normal.ops.1.main.2`. */
  readonly name: string;
  readonly module: Conv2d | Linear;
  readonly weight: Tensor;
}

export function scoredLayers(net: Module): ScoredLayer[] {
  const out: ScoredLayer[] = [];
  for (const [name, m] of net.namedModules()) {
    if (m instanceof Conv2d || m instanceof Linear) out.push({ name, module: m, weight: m.weight });
  }
  return out;
}

/**
 * Makes backward compute gradients for the scored weights only (BatchNorm parameters and biases are
 * frozen: nothing reads their gradients, so they are not computed).
 */
export function gradientsForScoredWeights(net: Module): ScoredLayer[] {
  net.freeze();
  const layers = scoredLayers(net);
  for (const l of layers) l.weight.setRequiresGrad(true);
  return layers;
}
