// Multiply-accumulates counted while a network runs, from the shapes its conv and linear layers
// actually see: an independent check of analytic counts (src/space/costs.ts), which never run.
import { noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Conv2d, Linear } from './layers.ts';
import type { Module } from './module.ts';

export interface LayerMacs {
  /** The layer's dotted name. */
  readonly name: string;
  readonly macs: number;
}

/**
 * Runs `net` on `x` once (no tape) and counts each Conv2d's and Linear's multiply-accumulates:
 * conv = output elements x (input channels / groups) x kernel height x width (padded taps included);
 * linear = output elements x input features. Bias adds, BN, pooling and activations are not counted.
 * The totals are for the whole batch: divide by x.shape[0] for one image.
 */
export function countForwardMacs(net: Module, x: Tensor): { macs: number; layers: LayerMacs[] } {
  const layers: LayerMacs[] = [];
  const patched: Module[] = [];
  for (const [name, m] of net.namedModules()) {
    if (!(m instanceof Conv2d) && !(m instanceof Linear)) continue;
    const layer = m;
    const original = Object.getPrototypeOf(layer).forward as (x: Tensor) => Tensor;
    layer.forward = (input: Tensor): Tensor => {
      const y = original.call(layer, input);
      const perOutput = layer instanceof Conv2d ? layer.weight.shape[1] * layer.weight.shape[2] * layer.weight.shape[3] : layer.inFeatures;
      layers.push({ name, macs: y.size * perOutput });
      return y;
    };
    patched.push(layer);
  }
  try {
    tidy(() => {
      noGrad(() => net.forward(x)); // the output and every intermediate are freed by tidy
    });
  } finally {
    // Dropping the own property brings back the class's forward.
    for (const m of patched) delete (m as { forward?: unknown }).forward;
  }
  return { macs: layers.reduce((s, l) => s + l.macs, 0), layers };
}
