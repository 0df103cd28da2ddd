// synflow (Tanaka et al. 2020; foresight/pruners/measures/synflow.py of SamsungLabs/zero-cost-nas):
// BatchNorm removed, every parameter replaced by its absolute value, input = ones of shape
// 1 x C x H x W, R = sum of the output, backward; score = sum over conv and linear weights of
// |w * dR/dw|. The reference computes in float64; deep or wide networks overflow f32 (the chains of
// 7x7 separable convs at C = 128 reach ln ~114, past f32's 88.7).
//
// f32-safe by rescaling: in a network of the search space, after the stem and after every cell the activation is divided by its mean
// (a constant to autograd, computed on the GPU). Every path from the input to the output passes
// through each of those points, so every path's product of weights is divided by the same P, and
// then R' = R / P and w * dR'/dw = (w * dR/dw) / P for every weight: the score is the rescaled one
// times P, with ln P = sum of ln(mean) taken on the host in f64 from the values actually applied.
// Inside a cell no rescaling is possible (branches that merge would need the same factor), but one
// cell multiplies a mean-1 input by at most ~e^37 at C = 128 (five chained sep_conv_7x7 at 512
// channels, each ~(3.5 * sqrt(512) / 2)^2), far from f32's limits. The result: ln(synflow) within
// ~1e-7 relative of float64 where f32 alone would overflow (tested at C = 128).
//
// No weight gradient is computed: for a layer y = W x (+ b), sum(W * dR/dW) = sum((y - b) * dR/dy)
// exactly (the layer is linear in W), and every term is >= 0 here (|weights|, non-negative
// activations and gradients), so |w * dR/dw| summed over the layer is sum((y - b) * dR/dy), read at
// the layer's output during backward. That leaves forward and the input-gradient backward, about
// two thirds of the work of the reference's weight-gradient backward.
import { abs, add, affine, full, mul, step, sub } from '../ops/elementwise.ts';
import { unary } from '../ops/primitives/elementwise.ts';
import { mean, sum } from '../ops/reduce.ts';
import { reshape } from '../ops/shape.ts';
import { Conv2d, setBatchNormBypass } from '../nn/layers.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { MstfNetwork } from '../space/network.ts';
import { scoredLayers, type ScoredLayer } from './layers.ts';
import { probeGradient, wrapForward } from './patch.ts';
import { readScalars, sumOf } from './scalars.ts';
import type { ProxyDefinition, ProxyOutcome } from './types.ts';

export const synflow: ProxyDefinition = {
  name: 'synflow',
  summary: 'synaptic flow (Tanaka et al.): sum |w * dR/dw| with |weights|, no BatchNorm and an input of ones; also ln(synflow)',
  higherIsBetter: true,
  input: 'none',
  splittable: true,
  minBatch: 1,
  deadValue: () => ({ value: 0, log: -Infinity, reason: 'dead genotype: the output does not depend on any weight before the dead cell, and every later one sees zeros: synflow is exactly 0' }),
  async run(ctx) {
    const [, c, h, w] = ctx.batch.shape;
    const multipliers: Tensor[] = [];
    const terms: Tensor[] = [];
    const rescale = (y: Tensor): Tensor => {
      // 1 / mean(y), or 1 where the activation is all zeros (a dead cell, when run anyway).
      const inverse = keep(noGrad(() => tidy(() => {
        const m = mean(y);
        return unary(add(m, affine(step(m), -1, 1)), 'reciprocal');
      })));
      multipliers.push(inverse);
      return mul(y, inverse);
    };
    const copy = await ctx.phases.time('setup', () => {
      const net = ctx.copy();
      setBatchNormBypass(net, true);
      // |parameters|: the conv and linear ones (BatchNorm is removed, so its parameters play no part).
      noGrad(() => {
        for (const { module } of scoredLayers(net)) for (const p of module.parameters()) p.assign(abs(p));
      });
      net.freeze(); // only activation gradients are needed (see above); the input requires grad instead
      if (net instanceof MstfNetwork) {
        wrapForward(net.stem, rescale);
        for (const [, block] of net.blocks.namedChildren()) {
          for (const [, cell] of block.namedChildren()) wrapForward(cell, rescale);
        }
      }
      for (const l of scoredLayers(net)) {
        wrapForward(l.module, (y) => probeGradient(y, (out, g) => terms.push(keep(sum(mul(withoutBias(out, l), g))))));
      }
      return net;
    });
    try {
      const ones = full([1, c, h, w], 1, ctx.rt).setRequiresGrad();
      const r = await ctx.phases.time('forward', () => tidy(() => sum(copy.forward(ones))));
      await ctx.phases.time('backward', () => {
        r.backward();
        r.dispose();
      });
      ones.grad?.dispose();
      ones.dispose();
      const values = await ctx.phases.time('readback', () => readScalars([...terms, ...multipliers]));
      return fromRescaled(values.subarray(0, terms.length), values.subarray(terms.length));
    } finally {
      for (const t of [...terms, ...multipliers]) t.dispose();
      copy.dispose();
    }
  },
};

/** W x: the layer's output less its bias. */
function withoutBias(y: Tensor, layer: ScoredLayer): Tensor {
  const b = layer.module.bias;
  if (!b) return y;
  return sub(y, layer.module instanceof Conv2d ? reshape(b, [1, b.size, 1, 1]) : b);
}

/** synflow from the rescaled network's per-layer terms and the multipliers applied. */
function fromRescaled(terms: Float64Array, multipliers: Float64Array): ProxyOutcome {
  const bad = [...multipliers].findIndex((m) => !(m > 0 && Number.isFinite(m)));
  if (bad >= 0 || !terms.every(Number.isFinite)) {
    return { value: NaN, reason: `the rescaled network produced a non-finite value${bad >= 0 ? ` at rescaling point ${bad}` : ''} (non-finite weights?)` };
  }
  const total = sumOf(terms);
  if (total === 0) return { value: 0, log: -Infinity, reason: 'every weight gradient is 0' };
  let logScale = 0;
  for (const m of multipliers) logScale += Math.log(m);
  const log = Math.log(total) - logScale;
  return { value: Math.exp(log), log };
}
