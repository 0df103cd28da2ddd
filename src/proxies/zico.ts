// zico (Li et al., "ZiCo: Zero-shot NAS via Inverse Coefficient of Variation on Gradients", ICLR
// 2023; the authors' code: github.com/SLDGroup/ZiCo, ZeroShotProxy/compute_zico.py, getzico and
// caculate_zico): the batch is split into S = 2 parts; for each part, on a train-mode copy (BatchNorm
// normalises with that part's statistics, gradients through them), the part's loss (loss.ts: mean
// cross-entropy, BCE-with-logits for multi-label datasets) and its gradient g_s of every conv and
// linear weight. Per layer l, per weight entry j, over the parts: mean_s |g_sj| and the standard
// deviation std_s g_sj (numpy's, ddof 0); entries with std exactly 0 are left out, and
//
//     zico = sum over layers l with T_l != 0 of ln T_l,   T_l = sum_{j: std_j != 0} mean_s |g_sj| / std_s g_sj.
//
// A layer with T_l = 0 (every entry has std 0: e.g. all its gradients are 0) adds nothing, as the
// reference's `if tmpsum == 0: pass`. Since mean|g| >= std for every entry, each kept term is >= 1, so
// a layer adds ln T_l >= 0 and zico >= 0.
//
// Choices this space forces (the reference takes its data loader's batches as the parts):
// - Parts: the proxy batch is split into S = 2 halves, images [s N / 2, (s + 1) N / 2) (floor), as
//   MeCo's port of zico (github.com/HamsterMimi/MeCo, measures/zico.py) splits its one batch; each part
//   is its own forward and backward with fresh gradients (the authors' zero_grad per batch; the port
//   forgets it and accumulates, which we do not follow). N >= 2 (a part needs an image).
// - For S = 2, mean|g| / std = (|g1| + |g2|) / |g1 - g2| exactly, and std = 0 exactly when g1 = g2:
//   that is what the GPU computes (no square and square root, so tiny gradients neither underflow nor
//   lose their difference), summed per layer on the GPU, one readback for all layers.
// - Layers: every Conv2d and Linear weight (layers.ts), as the reference's named_modules() loop; a
//   weight that gets no gradient counts as zeros (all std 0: skipped, as MeCo's port skips it).
// - NaN or infinite gradients (non-finite weights or inputs): the reference's log(NaN) makes the
//   score NaN; here too, with a reason.
//
// Sensitivity: each term is 1 / |g1 - g2| up to a factor, so a layer's sum is dominated by the few
// entries where the halves nearly agree (ratios up to ~3e4 at C = 8); f32 gradients (~1e-6 relative)
// move those terms by a few per cent and the score by up to 0.07 on values of 290-440 (against
// float64, test/proxies/zico-meco.test.ts; PyTorch's own float32 is off by 0.04 there). Against the
// spread between architectures (tens to hundreds) that is small, but it is not snip's 1e-7.
import { abs, add, affine, div, mul, step, sub, zerosLike } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { bceWithLogits, crossEntropy } from '../ops/loss.ts';
import { noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ProxyBatch } from './batch.ts';
import { ProxyBatchTooLargeError } from './errors.ts';
import { trainModeCopy } from './gradients.ts';
import { readScalars } from './scalars.ts';
import type { ProxyDefinition, ProxyOutcome } from './types.ts';

/** The number of parts the batch is split into (the reference's split_data = 2). */
export const ZICO_SPLITS = 2;

/** The parts [from, to) of a batch of n: [s n / S, (s + 1) n / S) with floor division, as the reference. */
export function zicoParts(n: number, splits = ZICO_SPLITS): [number, number][] {
  return Array.from({ length: splits }, (_, s) => [Math.floor((s * n) / splits), Math.floor(((s + 1) * n) / splits)]);
}

/** The loss (loss.ts's) of images [from, to) of the batch: their labels only, mean over the part. */
export function partLoss(logits: Tensor, batch: ProxyBatch, from: number, to: number): Tensor {
  if (batch.multiLabel) {
    const k = batch.numClasses;
    return bceWithLogits(logits, (batch.labels as Float32Array).subarray(from * k, to * k));
  }
  return crossEntropy(logits, (batch.labels as Int32Array).subarray(from, to));
}

/**
 * T_l for one layer from the two parts' gradients, on the GPU: the sum of (|g1| + |g2|) / |g1 - g2|
 * over the entries where g1 != g2 (= mean|g| / std over two parts). NaN anywhere gives NaN.
 */
export function zicoLayerSum(g1: Tensor, g2: Tensor): Tensor {
  const d = abs(sub(g1, g2));
  const kept = step(d); // 1 where g1 != g2; 0 where equal, and for NaN (which the numerator keeps)
  const ratio = div(mul(add(abs(g1), abs(g2)), kept), add(d, affine(kept, -1, 1)));
  return sum(ratio);
}

/** zico from the per-layer sums T_l: sum of ln T_l over the layers with T_l != 0. */
export function zicoFromLayerSums(sums: ArrayLike<number>): ProxyOutcome {
  let total = 0;
  let bad = 0;
  for (let i = 0; i < sums.length; i++) {
    const t = sums[i];
    if (!Number.isFinite(t)) bad++;
    else if (t !== 0) total += Math.log(t);
  }
  if (bad > 0) return { value: NaN, reason: `zico: ${bad} of ${sums.length} layers gave NaN or infinity (non-finite weights, inputs or loss)` };
  return { value: total };
}

export const zico: ProxyDefinition = {
  name: 'zico',
  summary: 'ZiCo (Li et al.): sum over layers of ln sum(mean|g| / std g) over two half-batches, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'labels',
  // The two halves are fixed by the definition (and each half's statistics couple its images).
  splittable: false,
  minBatch: ZICO_SPLITS,
  // Every weight gradient of a dead network is 0 (docs/proxies.md), so every layer has std 0 and is
  // skipped: zico is exactly 0, its lowest value (each layer adds ln T_l >= 0).
  deadValue: () => ({ value: 0, reason: 'dead genotype: every weight gradient is 0 in both halves, so every layer is skipped (std 0): zico is exactly 0, its lowest value' }),
  async run(ctx) {
    const n = ctx.batch.shape[0];
    const parts = zicoParts(n);
    const largest = Math.max(...parts.map(([from, to]) => to - from));
    const fits = ctx.chunkSize();
    if (largest > fits) {
      throw new ProxyBatchTooLargeError(
        `zico needs each half of the proxy batch (${largest} of ${n} images) in one pass (BatchNorm's batch statistics couple them), ` +
          `but only ${fits} images fit in the memory budget: use a proxy batch of at most ${ZICO_SPLITS * fits} (--proxy-batch ${ZICO_SPLITS * fits}), fewer channels, or a larger memoryBudgetBytes`,
        ZICO_SPLITS * fits,
      );
    }
    const pass = await trainModeCopy(ctx);
    const grads: Tensor[][] = [];
    try {
      for (const [from, to] of parts) {
        const x = ctx.images(from, to);
        try {
          const loss = await ctx.phases.time('forward', () => tidy(() => partLoss(pass.copy.forward(x), ctx.batch, from, to)));
          await ctx.phases.time('backward', () => {
            loss.backward();
            loss.dispose();
          });
        } finally {
          x.dispose();
        }
        // Take each part's gradients off the weights, so the next part's start from nothing.
        grads.push(pass.layers.map((l) => {
          const g = l.weight.grad ?? zerosLike(l.weight);
          l.weight.grad = null;
          return g;
        }));
      }
      const sums = pass.layers.map((_, i) => noGrad(() => tidy(() => zicoLayerSum(grads[0][i], grads[1][i]))));
      const values = await ctx.phases.time('readback', () => readScalars(sums));
      return await ctx.phases.time('host', () => zicoFromLayerSums(values));
    } finally {
      for (const part of grads) for (const g of part) g.dispose();
      pass.copy.dispose();
    }
  },
};
