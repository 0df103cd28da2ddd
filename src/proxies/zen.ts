// zen (Lin, Wang, Sun, Chen, Sun, Qian, Li & Jin, "Zen-NAS: A Zero-Shot NAS for High-Performance
// Image Recognition", ICCV 2021; the authors' code: github.com/idstcv/ZenNAS,
// ZeroShotProxy/compute_zen_score.py, `compute_nas_score`, one repeat).
//
//   f(x)   = the feature map just before global average pooling (N x C x H x W);
//   delta  = mean over images n of sum over (c, h, w) of |f(x) - f(x + alpha eps)|_{n,c,h,w};
//   score  = ln(delta) + sum over every BatchNorm2d of ln(sqrt(mean_c running_var_c)),
//
// alpha = 0.01 (the reference's mixup_gamma), eps standard Gaussian of the batch's shape, the two
// forwards in this order, without gradients, BatchNorm in TRAIN mode: each forward normalises with
// its own batch's statistics and moves the running statistics by the layer's momentum (0.1) towards
// them (unbiased variance), and the running variances read after both forwards are the
// reference's: rv = (1 - m)^2 rv0 + m (1 - m) var(x) + m var(x + alpha eps), rv0 the network's own
// (1 for a fresh network). It all happens on a copy: the network scored does not change.
//
// Where mednas deviates from the reference, and why:
// - Weights: the reference first re-initialises every conv and linear weight with N(0, 1) (biases 0,
//   BatchNorm weight 1, bias 0: `network_weight_gaussian_init`). mednas scores the network as given,
//   like every other proxy here (the seeded PyTorch-default initialisation, or whatever weights it
//   has), so that all proxies describe the same network. This changes the BatchNorm term, which
//   measures the variance reaching each BatchNorm: a conv after a ReLU multiplies it by about
//   fan_in / 2 with N(0, 1) weights, but by about 1/6 with PyTorch's default (variance
//   1 / (3 fan_in)). Here each BatchNorm adds ln(0.81 + 0.19 var) / 2 ~ -0.1 (see Repeats; the
//   golden cases' term is -3.0 to -3.9 in all), so ln(delta) dominates the score, while under the
//   reference's initialisation the term grows with every layer's width. Rankings between the two
//   can differ; a Gaussian-init variant would be a second proxy.
// - Input: the reference feeds Gaussian noise as x; mednas feeds the proxy batch (the images are
//   normalised per channel to mean 0 and std 1 by the loader, the scale of the reference's noise),
//   as every other proxy here. eps is fixed, not drawn per call: standard Gaussians by Box-Muller
//   from a 32-bit hash (ZEN_NOISE_SEED and two streams, `zenNoise`), identical for every network of
//   a search so that scores are comparable, and easy to reproduce in Python (the golden computes the
//   same numbers). The perturbed batch x + alpha eps is formed in f64 and rounded to f32, the
//   engine's type, and the golden uses those same f32 values.
// - Repeats: the reference's command line averages 32 repeats with fresh weights and noise each;
//   the authors' own search (evolution_search.py) calls it with repeat = 1 on a fresh network, which
//   is what is reproduced here (the weights are given, so one repeat is the whole definition). With
//   one repeat from rv0 = 1 the BatchNorm term is damped: rv = 0.81 + 0.09 var(x) + 0.1 var(x').
//
// Where this space forces a choice: the pre-pooling feature is the input of the network's
// GlobalAvgPool2d (in MstfNetwork the last block's output: the last reduction cell's fuse, ReLU,
// conv 1x1, train-mode BN), captured by patching the pool's forward on the copy. Every BatchNorm of
// the space runs in this forward (stem, ops, reduction branches and fuses), so the BatchNorm term
// covers them all, as the reference's loop over `model.modules()`. The classifier is not part of
// the score (non-finite classifier weights leave it finite, as in the reference).
//
// A dead genotype (src/space/dead.ts): the feature map does not depend on the input, so the two
// forwards give the same features bit for bit, delta = 0 and the score is ln 0 = -Infinity: exactly
// its value, returned without running. A live network whose features do not move (delta = 0) gets
// -Infinity too, with a reason; NaN or infinite features or running variances give NaN.
import { abs, sub } from '../ops/elementwise.ts';
import { hashUniform } from './hash-random.ts';
import { mean, sum } from '../ops/reduce.ts';
import { BatchNorm2d, GlobalAvgPool2d, setBatchNormStatistics } from '../nn/layers.ts';
import { tensor } from '../tensor/create.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { readScalars } from './scalars.ts';
import type { ProxyDefinition } from './types.ts';

/** The reference's mixup_gamma: the perturbation's scale. */
export const ZEN_ALPHA = 0.01;
/** eps comes from hashUniform(ZEN_NOISE_SEED, ZEN_NOISE_STREAM) and (.., ZEN_NOISE_STREAM + 1). */
export const ZEN_NOISE_SEED = 0;
export const ZEN_NOISE_STREAM = 2_000_000;

/**
 * n standard Gaussians, fixed: z = sqrt(-2 ln(u1 + 2^-25)) cos(2 pi u2), u1 and u2 from two hash
 * streams (the half-step keeps u1 + 2^-25 in (0, 1), so the logarithm is finite).
 * scripts/golden/proxy_naswot_zen_torch.py computes the same numbers.
 */
export function zenNoise(n: number): Float64Array {
  const u1 = hashUniform(ZEN_NOISE_SEED, ZEN_NOISE_STREAM, n);
  const u2 = hashUniform(ZEN_NOISE_SEED, ZEN_NOISE_STREAM + 1, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u1[i] + 2 ** -25)) * Math.cos(2 * Math.PI * u2[i]);
  return out;
}

/** The perturbed images x + alpha eps, formed in f64 and rounded to f32. */
export function zenPerturbed(images: ArrayLike<number>): Float32Array {
  const eps = zenNoise(images.length);
  return Float32Array.from(eps, (e, i) => images[i] + ZEN_ALPHA * e);
}

/** ln(delta) + sum of ln(sqrt(mean running_var)), in f64, from the values read back. */
export function zenFromParts(delta: number, bnMeanVars: ArrayLike<number>): { value: number; reason?: string } {
  let bnTerm = 0;
  let bad = 0;
  for (let i = 0; i < bnMeanVars.length; i++) {
    if (!Number.isFinite(bnMeanVars[i])) bad++;
    bnTerm += 0.5 * Math.log(bnMeanVars[i]);
  }
  if (bad > 0 || !Number.isFinite(delta)) {
    const what = bad > 0 ? `the running variance of ${bad} of ${bnMeanVars.length} BatchNorms` : 'the feature difference';
    return { value: NaN, reason: `zen: ${what} is NaN or infinite (non-finite weights or inputs)` };
  }
  if (delta === 0) {
    return { value: -Infinity, reason: 'zen: the features before global pooling do not move when the input does (difference 0): ln 0 = -Infinity' };
  }
  const value = Math.log(delta) + bnTerm;
  return Number.isNaN(value) ? { value, reason: 'zen: a running variance is negative or its logarithm undefined' } : { value };
}

export const zen: ProxyDefinition = {
  name: 'zen',
  summary: 'Zen-score (Lin et al.): ln of the pre-pooling features\' response to a small Gaussian perturbation plus the BatchNorm scaling, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({
    value: -Infinity,
    reason: 'dead genotype: the features before global pooling do not depend on the input, so their difference is 0: ln 0 = -Infinity',
  }),
  async run(ctx) {
    ctx.requireWholeBatch('zen');
    const captured: Tensor[] = [];
    let hasPool = false;
    const copy = await ctx.phases.time('setup', () => {
      const net = ctx.copy();
      net.freeze();
      net.train();
      setBatchNormStatistics(net, 'mode'); // batch statistics, and the running ones move (momentum)
      const pools = [...net.modules()].filter((m): m is GlobalAvgPool2d => m instanceof GlobalAvgPool2d);
      const pool = pools[pools.length - 1];
      if (pool) {
        hasPool = true;
        const original = pool.forward.bind(pool);
        pool.forward = (x: Tensor): Tensor => {
          captured.push(keep(x.alias()));
          return original(x);
        };
      }
      return net;
    });
    const scalars: Tensor[] = [];
    try {
      if (!hasPool) {
        return { value: NaN, reason: 'zen: the network has no global average pooling, so there is no pre-pooling feature map' };
      }
      const [n, c, h, w] = ctx.batch.shape;
      const x = ctx.images();
      const perturbed = tensor(zenPerturbed(ctx.batch.images), [n, c, h, w], ctx.rt);
      try {
        await ctx.phases.time('forward', () => {
          noGrad(() => tidy(() => copy.forward(x))).dispose();
          noGrad(() => tidy(() => copy.forward(perturbed))).dispose();
        });
      } finally {
        x.dispose();
        perturbed.dispose();
      }
      if (captured.length !== 2) return { value: NaN, reason: `zen: the global pooling ran ${captured.length} times in two forwards` };
      noGrad(() => {
        const [a, b] = captured;
        scalars.push(keep(tidy(() => mean(sum(abs(sub(a, b)), a.rank === 4 ? [1, 2, 3] : [1])))));
        for (const m of copy.modules()) if (m instanceof BatchNorm2d) scalars.push(keep(mean(m.runningVar)));
      });
      const values = await ctx.phases.time('readback', () => readScalars(scalars.splice(0)));
      return ctx.phases.time('host', () => zenFromParts(values[0], values.subarray(1)));
    } finally {
      for (const t of [...captured, ...scalars]) t.dispose();
      copy.dispose();
    }
  },
};
