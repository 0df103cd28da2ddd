// AZ-NAS's trainability (Lee & Ham, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture
// Search", CVPR 2024; the authors' code github.com/cvlab-yonsei/AZ-NAS,
// NATSBench/ZeroShotProxy/compute_az_nas_score.py, the "trainability score" part).
//
// Definition, for each pair of consecutive feature maps (f_in, f_out) of the list in az-nas.ts (the
// stem's output and every block's output): a random backward g_out of f_out's shape with entries
// +-1 (probability 1/2 each), and g_in = (d f_out / d f_in)^T g_out, the vector-Jacobian product
// through the block (autograd.grad). Where f_out is smaller (a stride), g_in is regrouped by
// PixelUnshuffle(r), r = int(H_in / H_out): N x C_in r^2 x H_out x W_out. With both as rows of
// positions (N H_out W_out rows), M = g_in^T g_out / (N H_out W_out) (C_in r^2 x C_out), and with
// sigma its largest singular value
//
//     t = -sigma - 1 / (sigma + 1e-6) + 2,     az_trainability = mean over the pairs of t
//
// (t = 0 at sigma = 1, the spectral norm of a block that neither amplifies nor damps gradients, and
// negative otherwise). The reference scores -inf for a pair whose g_in equals g_out (an identity
// block); every block here halves the size, so that cannot occur.
//
// BatchNorm: train mode, the batch's statistics, with gradients through them (the reference's
// model.train() and autograd); running statistics do not move. The batch cannot be split.
//
// Where this search space forces a choice:
//  - The pairs: stem -> block 1 -> block 2 -> block 3 (az-nas.ts says why these maps).
//  - The last block takes 7 x 7 to 3 x 3 on 28 x 28 images: int(7 / 3) = 2, and PyTorch's
//    PixelUnshuffle(2) refuses a 7 x 7 input (not divisible). Here g_in is cropped to its first
//    r H_out x r W_out positions (6 x 6: the last row and column are dropped), which is what
//    PixelUnshuffle would group if it accepted the input; r is taken per dimension,
//    int(H_in / H_out) and int(W_in / W_out) (the same for square images). The golden does the same
//    crop in PyTorch.
//  - The random signs: the reference draws them with torch.bernoulli. Here they come from a 32-bit
//    hash (hash-random.ts) of (AZ_TRAINABILITY_SEED, AZ_TRAINABILITY_STREAM + block index), fixed:
//    every architecture at the same C and batch gets the same signs (common random numbers, so that
//    scores differ by architecture only), and the PyTorch golden reproduces them exactly.
//  - The crop and the regrouping order do not change M's singular values beyond which positions are
//    used (the order of M's rows does not matter).
//  - Dead genotypes get -Infinity without running: run, the dead block's Jacobian is zero, sigma = 0
//    and its pair scores 2 - 1e6, which dominates the mean; -Infinity is below any value.
//  - Precision: the backward reads every ReLU's mask (and max pool's choice), so the term is piecewise
//    smooth: an activation within f32 rounding of 0 that takes the other sign in f32 reroutes the
//    gradient and moves the value by a jump (1.6e-4 on one golden case, where PyTorch's own float32
//    does the same), not by a rounding error (~1e-7 elsewhere).
//  - A non-finite map or g_in (NaN weights) gives NaN with a reason; the reference maps NaN to -inf.
//    The maps are checked, not only the gradients: on the GPU a ReLU of NaN can give 0 (WGSL's max),
//    and its backward then 0, so NaN weights would otherwise look like a zero Jacobian.
//
// Computation: each block runs forward from a detached copy of the previous map (exactly the
// reference's vector-Jacobian product: train-mode BatchNorm reads only its own block's input),
// backward with g_out, then M on the GPU (crop, regroup by reshape and permute, one batched matmul
// and a sum over the images), read back once; sigma^2 = the largest eigenvalue of M^T M (or M M^T,
// whichever is smaller) in f64 on the host.
import { mulScalar, zerosLike } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { sum } from '../ops/reduce.ts';
import { permute, reshape, slice } from '../ops/shape.ts';
import { tensor } from '../tensor/create.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { MstfNetwork } from '../space/network.ts';
import { azNetwork, stages } from './az-nas.ts';
import { setBatchNormMode } from './bn-modes.ts';
import { symmetricEigenvalues } from './eigen.ts';
import { hashRademacher } from './hash-random.ts';
import { readScalars } from './scalars.ts';
import type { ProxyDefinition, ProxyOutcome } from './types.ts';

export const AZ_TRAINABILITY_SEED = 0;
/** Block b's signs are stream AZ_TRAINABILITY_STREAM + b (0-based: the block whose output is f_out). */
export const AZ_TRAINABILITY_STREAM = 2_000_000;
/** The reference's 1e-6 in 1 / (sigma + 1e-6). */
export const AZ_TRAINABILITY_EPS = 1e-6;

/** The random backward of block b's output: +-1, from the hash (the golden draws the same). */
export function azRandomBackward(block: number, size: number): Float32Array {
  return hashRademacher(AZ_TRAINABILITY_SEED, AZ_TRAINABILITY_STREAM + block, size);
}

/** One pair's term from its largest singular value. */
export function trainabilityTerm(sigma: number): number {
  return -sigma - 1 / (sigma + AZ_TRAINABILITY_EPS) + 2;
}

/** The largest singular value of the rows x cols matrix m (row-major, f64). */
export function largestSingularValue(m: ArrayLike<number>, rows: number, cols: number): number {
  // The Gram matrix of the smaller side: its largest eigenvalue is sigma^2.
  const byColumns = cols <= rows;
  const k = byColumns ? cols : rows;
  const inner = byColumns ? rows : cols;
  const at = (i: number, j: number): number => (byColumns ? m[j * cols + i] : m[i * cols + j]); // row i of the side, entry j
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < inner; t++) s += at(i, t) * at(j, t);
      gram[i * k + j] = s;
      gram[j * k + i] = s;
    }
  }
  const v = symmetricEigenvalues(gram, k);
  return Math.sqrt(Math.max(0, v[k - 1]));
}

/**
 * g_in regrouped as PixelUnshuffle (after cropping to r H_out x r W_out) and multiplied by g_out
 * over the positions: (C_in rh rw) x C_out, summed over the images (not yet divided by N H_out W_out).
 */
function pairProduct(gIn: Tensor, gOut: Tensor): Tensor {
  const [n, ci, hi, wi] = gIn.shape;
  const [, co, ho, wo] = gOut.shape;
  const rh = Math.floor(hi / ho);
  const rw = Math.floor(wi / wo);
  let g = gIn;
  if (rh * ho !== hi) g = slice(g, 2, 0, rh * ho);
  if (rw * wo !== wi) g = slice(g, 3, 0, rw * wo);
  // [n, ci, ho, rh, wo, rw] -> [n, ci, rh, rw, ho, wo]: PixelUnshuffle's channel order ci * r^2 + i * r + j.
  const grouped = reshape(permute(reshape(g, [n, ci, ho, rh, wo, rw]), [0, 1, 3, 5, 2, 4]), [n, ci * rh * rw, ho * wo]);
  const outRows = permute(reshape(gOut, [n, co, ho * wo]), [0, 2, 1]);
  return sum(matmul(grouped, outRows), 0);
}

export const azTrainability: ProxyDefinition = {
  name: 'az_trainability',
  summary: 'AZ-NAS trainability (Lee & Ham): mean over consecutive stages of -s - 1/s + 2, s the spectral norm of the block Jacobian seen through a random +-1 backward',
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({
    value: -Infinity,
    reason: "dead genotype: the dead block's output does not depend on its input, so its Jacobian is zero (the reference's term for it is 2 - 1e6): scored -Infinity",
  }),
  async run(ctx): Promise<ProxyOutcome> {
    azNetwork(ctx, 'az_trainability');
    ctx.requireWholeBatch('az_trainability');
    const products: Tensor[] = [];
    // sum(f * 0) of every map: NaN iff the map holds NaN or infinity. The gradients alone can miss it:
    // a ReLU of NaN may give 0 on the GPU (WGSL's max), and then so does its backward.
    const checks: Tensor[] = [];
    const finiteCheck = (t: Tensor): void => void checks.push(keep(noGrad(() => tidy(() => sum(mulScalar(t, 0))))));
    const shapes: { rows: number; cols: number; positions: number }[] = [];
    const copy = await ctx.phases.time('setup', () => {
      const net = ctx.copy() as MstfNetwork;
      net.freeze(); // only the maps' gradients are needed
      setBatchNormMode(net, 'batch');
      return net;
    });
    let f: Tensor | null = null;
    try {
      const { stem, blocks } = stages(copy);
      const x = ctx.images();
      f = await ctx.phases.time('forward', () => noGrad(() => tidy(() => stem.forward(x))));
      x.dispose();
      finiteCheck(f);
      for (let b = 0; b < blocks.length; b++) {
        const input: Tensor = f.detach().setRequiresGrad();
        f.dispose();
        f = null;
        const y = await ctx.phases.time('forward', () => tidy(() => blocks[b].forward(input)));
        const gOut = tensor(azRandomBackward(b, y.size), y.shape, ctx.rt);
        await ctx.phases.time('backward', () => y.backward(gOut));
        f = y.detach();
        y.dispose();
        finiteCheck(f);
        // No gradient at all would mean the block ignores its input: a zero Jacobian.
        const gIn = input.grad ?? zerosLike(input);
        products.push(keep(noGrad(() => tidy(() => pairProduct(gIn, gOut)))));
        const [n, ci] = input.shape;
        const [, co, ho, wo] = gOut.shape;
        shapes.push({ rows: ci * Math.floor(input.shape[2] / ho) * Math.floor(input.shape[3] / wo), cols: co, positions: n * ho * wo });
        gIn.dispose();
        input.grad = null;
        input.dispose();
        gOut.dispose();
      }
      const { values, finite } = await ctx.phases.time('readback', async () => {
        const total = products.reduce((s, p) => s + p.size, 0);
        const all = Tensor.empty([total], ctx.rt);
        let at = 0;
        for (const p of products) {
          ctx.rt.scheduler.copy(p.buffer, 0, all.buffer, at * 4, p.size * 4);
          at += p.size;
        }
        const finiteMaps = await readScalars(checks.splice(0));
        const data = await all.data();
        all.dispose();
        return { values: data, finite: finiteMaps };
      });
      const bad = finite.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        return { value: NaN, reason: `az_trainability: ${bad === 0 ? "the stem's output" : `block ${bad}'s output`} holds NaN or infinity (non-finite weights or inputs)` };
      }
      return ctx.phases.time('host', () => {
        let at = 0;
        let total = 0;
        for (let i = 0; i < shapes.length; i++) {
          const { rows, cols, positions } = shapes[i];
          const m = Float64Array.from(values.subarray(at, (at += rows * cols)), (v) => v / positions);
          if (!m.every(Number.isFinite)) {
            return { value: NaN, reason: `az_trainability: the gradient through block ${i + 1} holds NaN or infinity (non-finite weights or inputs)` };
          }
          total += trainabilityTerm(largestSingularValue(m, rows, cols));
        }
        return { value: total / shapes.length };
      });
    } finally {
      f?.dispose();
      for (const t of [...products, ...checks]) t.dispose();
      copy.dispose();
    }
  },
};
