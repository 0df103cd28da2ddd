// SWAP: sample-wise activation patterns (Peng, Song, Fayek, Ciesielski & Chang, "SWAP-NAS:
// Sample-Wise Activation Patterns for Ultra-fast NAS", ICLR 2024; the authors' code
// github.com/pym1024/SWAP, src/metrics/swap.py and src/utils/utilities.py).
//
// Definition (the reference's): a forward hook on every nn.ReLU whose input is 4-D keeps its output;
// the outputs of the N images are flattened per image and concatenated into A (N x P, P = every
// ReLU's activation positions together), binarised by sign (ReLU outputs are >= 0, so sign is
// 1 where the ReLU's input x > 0 and 0 elsewhere), and transposed: row j of A^T is position j's
// pattern over the N images. Then
//
//     swap_plain = number of distinct rows of sign(A)^T             (torch.unique(dim=0))
//     swap       = swap_plain * exp(-(params - mu)^2 / sigma)        (cal_regular_factor)
//
// with params the parameter count in thousands (count_parameters divides by 1e3; every parameter
// counts: conv, BatchNorm and classifier). NASWOT (Mellor et al.) looks at the same signs the other
// way round (one binary code per image); SWAP counts distinct codes per activation position, so it
// can grow with the network instead of saturating at N.
//
// BatchNorm: train mode, the batch's statistics (the reference never calls .eval(); its networks are
// in PyTorch's default training mode), under no_grad: nothing moves the running statistics here.
// The images are therefore coupled and the batch cannot be split.
//
// Where this search space forces a choice:
//  - mu and sigma. The reference tunes them by hand per search space. Here they come from this
//    space's parameter distribution at the scored network's configuration (channels, classes, C,
//    blocks): mu = the median of `params` (in thousands) over SWAP_REGULARISER_SAMPLES live random
//    genotypes drawn from a fixed seed, and sigma = 2 s^2 with s = IQR / 1.349, the normal-consistent
//    robust spread, so that the factor is a Gaussian centred on the space's typical size with the
//    space's own standard deviation (1 at the median, 0.61 one spread away, 0.14 two away). At C = 16,
//    1 channel, 2 classes: mu = 100.9k, s = 41.5k, sigma = 3446.5 (the paper genotype, 103.5k, gets
//    0.998; the space spans 34k to 274k, whose ends get 0.27 and 1.8e-4); at C = 128: mu = 5390k,
//    s = 2666k. Both are deterministic and cached per configuration (0.1-0.4 s to compute once).
//    A search that wants another size can rescale swap_plain with swapRegularFactor itself.
//  - Dead genotypes (space/dead.ts) get 0 without running: the count of a network whose output does
//    not depend on its input is still > 0 (the ReLUs before the dead cell vary), so no value is
//    "exact"; 0 is below any live network's count (>= 1) and ranks it last.
//  - The batch size. The reference uses 16 images; with N images there are at most 2^N patterns, so
//    small batches saturate (the golden's N = 8 and 12 give exactly 256 and 4094 <= 4096), and large
//    ones approach the number of activation positions: on the paper genotype 43,666 of 105,712
//    positions at N = 16, C = 8, and 165,044 of 211,424 at mednas's default N = 64, C = 16. The
//    proxy scores the batch it is given, as every mednas proxy does; use --proxy-batch 16 for the
//    reference's setting.
//
// Sizes: the patterns are packed on the GPU, 24 images to an f32 word (a matmul of the 0/1 signs,
// N x P per ReLU, with a K x N matrix of powers of two, K = ceil(N / 24): each word is a sum of
// distinct powers of two below 2^24, exact in f32 in any order of summation). Only the words come
// back: K x P x 4 bytes, at C = 16 and N = 64 on 28 x 28 images 3 x 211,424 x 4 = 2.5 MB for the
// paper genotype (38 ReLUs), against 54 MB for the signs as f32 (the signs of one ReLU, at most
// N x 12,544 x 4 = 3.2 MB, live only until packed). Counting distinct rows is a hash table on the
// host, O(P K) time, 8 bytes a slot, at most half full (4.2 MB here). A NaN or infinity in any hooked
// ReLU's input gives NaN with a reason (the reference would count NaN signs as patterns; on the GPU a
// ReLU of NaN may even give 0).
import { MstfNetwork } from '../space/network.ts';
import type { NetworkConfig } from '../space/plan.ts';
import { architectureCost } from '../space/costs.ts';
import { randomGenotype } from '../space/random.ts';
import { blockCount } from '../space/genotype.ts';
import { ReLU } from '../nn/layers.ts';
import { matmul } from '../ops/matmul.ts';
import { mulScalar, relu, step } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { reshape } from '../ops/shape.ts';
import { tensor } from '../tensor/create.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { setBatchNormMode } from './bn-modes.ts';
import { ProxyInputError } from './errors.ts';
import { readScalars } from './scalars.ts';
import type { ProxyContext, ProxyDefinition, ProxyOutcome, ScorableNetwork } from './types.ts';
import { mix32 } from './hash-random.ts';

/** Images per packed f32 word: every sum of distinct powers of two below 2^24 is exact in f32. */
export const SWAP_BITS_PER_WORD = 24;

/** Random live genotypes the regulariser's mu and sigma are taken from. */
export const SWAP_REGULARISER_SAMPLES = 1000;
/** Seed and stream of those genotypes (fixed: mu and sigma depend only on the configuration). */
const REGULARISER_SEED = 0;
const REGULARISER_STREAM = 0x5a4b;

/** The regulariser's centre and width, in thousands of parameters (the reference's unit). */
export interface SwapRegulariser {
  /** Median parameter count of the space at this configuration, in thousands. */
  readonly mu: number;
  /** 2 s^2, s = IQR / 1.349 of the same sample (thousands squared). */
  readonly sigma: number;
}

const regularisers = new Map<string, SwapRegulariser>();

/** The space's mu and sigma for networks of `config` with `blocks` blocks (cached). */
export function swapRegulariser(config: NetworkConfig, blocks: number): SwapRegulariser {
  const key = JSON.stringify([config.inChannels, config.numClasses, config.initChannels ?? null, blocks]);
  const known = regularisers.get(key);
  if (known) return known;
  const rng = new Rng(REGULARISER_SEED, REGULARISER_STREAM);
  const thousands = Float64Array.from({ length: SWAP_REGULARISER_SAMPLES }, () =>
    architectureCost(randomGenotype(rng, { blocks, avoidDead: true }), { ...config, blocks }).params / 1e3).sort();
  const q = (f: number): number => {
    // Linear interpolation between order statistics (numpy's default percentile).
    const at = f * (thousands.length - 1);
    const lo = Math.floor(at);
    const hi = Math.min(lo + 1, thousands.length - 1);
    return thousands[lo] + (at - lo) * (thousands[hi] - thousands[lo]);
  };
  const spread = (q(0.75) - q(0.25)) / 1.349;
  const reg = { mu: q(0.5), sigma: 2 * spread * spread };
  regularisers.set(key, reg);
  return reg;
}

/** The reference's cal_regular_factor: exp(-(params / 1e3 - mu)^2 / sigma). */
export function swapRegularFactor(params: number, reg: SwapRegulariser): number {
  const d = params / 1e3 - reg.mu;
  return Math.exp(-(d * d) / reg.sigma);
}

/** Where one ReLU's packed words lie in the readback: K rows of `positions` words from `offset`. */
export interface PatternBlock {
  readonly offset: number;
  readonly positions: number;
}

/**
 * The number of distinct patterns: pattern j of block b is the K words
 * words[b.offset + k * b.positions + j], k = 0..K-1 (each an integer below 2^24 held in f32). Equal
 * patterns in different blocks count once, as torch.unique over the concatenation does. Open
 * addressing on a power-of-two table at most half full; equal hashes are checked word by word.
 */
export function countDistinctPatterns(words: Float32Array, blocks: readonly PatternBlock[], wordsPerPattern: number): number {
  const total = blocks.reduce((s, b) => s + b.positions, 0);
  let capacity = 16;
  while (capacity < 2 * total) capacity *= 2;
  const mask = capacity - 1;
  const slotBase = new Int32Array(capacity).fill(-1);
  const slotStride = new Int32Array(capacity);
  let distinct = 0;
  for (const b of blocks) {
    const stride = b.positions;
    for (let j = 0; j < stride; j++) {
      const base = b.offset + j;
      let h = 0x2545f491;
      for (let k = 0; k < wordsPerPattern; k++) h = mix32((h ^ words[base + k * stride]) >>> 0);
      let slot = h & mask;
      for (;;) {
        const other = slotBase[slot];
        if (other < 0) {
          slotBase[slot] = base;
          slotStride[slot] = stride;
          distinct++;
          break;
        }
        const otherStride = slotStride[slot];
        let same = true;
        for (let k = 0; k < wordsPerPattern && same; k++) same = words[base + k * stride] === words[other + k * otherStride];
        if (same) break;
        slot = (slot + 1) & mask;
      }
    }
  }
  return distinct;
}

/** K x N: row k holds 2^(n - 24k) for the images n of word k, 0 elsewhere. */
function packingMatrix(n: number, rt: Tensor['rt']): Tensor {
  const k = Math.ceil(n / SWAP_BITS_PER_WORD);
  const values = new Float32Array(k * n);
  for (let i = 0; i < n; i++) values[Math.floor(i / SWAP_BITS_PER_WORD) * n + i] = 2 ** (i % SWAP_BITS_PER_WORD);
  return tensor(values, [k, n], rt);
}

/**
 * The distinct activation patterns of `ctx`'s network on the whole batch (train-mode BatchNorm), or
 * NaN with a reason when a hooked ReLU's input holds NaN or infinity.
 */
async function countPatterns(ctx: ProxyContext, proxy: string): Promise<ProxyOutcome> {
  ctx.requireWholeBatch(proxy);
  const n = ctx.batch.shape[0];
  const wordsPerPattern = Math.ceil(n / SWAP_BITS_PER_WORD);
  const layers: Tensor[] = [];
  const checks: Tensor[] = [];
  let packer: Tensor | null = null;
  let copy: ScorableNetwork | null = null;
  try {
    copy = await ctx.phases.time('setup', () => {
      const net = ctx.copy();
      net.freeze();
      setBatchNormMode(net, 'batch');
      packer = keep(packingMatrix(n, ctx.rt));
      const pack = packer;
      for (const m of net.modules()) {
        if (!(m instanceof ReLU)) continue;
        // Replaced on the instance: Sequential then runs it on its own (no BN+ReLU or ReLU+conv fusion).
        m.forward = (x: Tensor): Tensor => {
          if (x.rank === 4) {
            // The reference hooks ReLUs with 4-D inputs; sign(relu(x)) = step(x) = [x > 0].
            // Own scope: the 0/1 signs (N x P floats) are freed as soon as they are packed.
            layers.push(keep(tidy(() => matmul(pack, reshape(step(x), [n, x.size / n])))));
            checks.push(keep(tidy(() => sum(mulScalar(x, 0))))); // NaN iff x holds a NaN or an infinity
          }
          return relu(x);
        };
      }
      return net;
    });
    const net = copy;
    const x = ctx.images();
    await ctx.phases.time('forward', () => noGrad(() => tidy(() => void net.forward(x))));
    x.dispose();
    const blocks: PatternBlock[] = [];
    let at = 0;
    for (const t of layers) {
      blocks.push({ offset: at, positions: t.shape[1] });
      at += t.size;
    }
    const { words, finite } = await ctx.phases.time('readback', async () => {
      const all = Tensor.empty([Math.max(1, at)], ctx.rt);
      let offset = 0;
      for (const t of layers) {
        ctx.rt.scheduler.copy(t.buffer, 0, all.buffer, offset * 4, t.size * 4);
        offset += t.size;
      }
      const finiteChecks = await readScalars(checks.splice(0));
      const values = at > 0 ? await all.data() : new Float32Array(0);
      all.dispose();
      return { words: values, finite: finiteChecks };
    });
    const bad = finite.reduce((c, v) => c + (Number.isFinite(v) ? 0 : 1), 0);
    if (bad > 0) return { value: NaN, reason: `${proxy}: the input of ${bad} of ${finite.length} ReLUs holds NaN or infinity (non-finite weights or inputs)` };
    if (layers.length === 0) return { value: NaN, reason: `${proxy}: the network has no ReLU with a 4-D input, so it has no activation patterns` };
    return ctx.phases.time('host', () => ({ value: countDistinctPatterns(words, blocks, wordsPerPattern) }));
  } finally {
    for (const t of [...layers, ...checks]) t.dispose();
    (packer as Tensor | null)?.dispose();
    copy?.dispose();
  }
}

const DEAD_REASON = 'dead genotype: the output does not depend on the input; scored 0, below the count of any live network (>= 1)';

export const swapPlain: ProxyDefinition = {
  name: 'swap_plain',
  summary: 'SWAP without its regulariser (Peng et al.): distinct sample-wise ReLU sign patterns over the batch, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: 0, reason: DEAD_REASON }),
  run: (ctx) => countPatterns(ctx, 'swap_plain'),
};

export const swap: ProxyDefinition = {
  name: 'swap',
  summary: "SWAP (Peng et al.): distinct sample-wise ReLU sign patterns times exp(-(params - mu)^2 / sigma), mu and sigma from the space's parameter distribution",
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: 0, reason: DEAD_REASON }),
  async run(ctx) {
    const net = ctx.net;
    if (!(net instanceof MstfNetwork)) {
      throw new ProxyInputError("swap's regulariser comes from the search space's parameter distribution: score a network of the space (or use swap_plain)");
    }
    const outcome = await countPatterns(ctx, 'swap');
    if (Number.isNaN(outcome.value)) return outcome;
    const [, , h, w] = ctx.batch.shape;
    const config = { ...net.config, inputSize: [h, w] as [number, number] };
    const params = architectureCost(net.genotype, config).params;
    return { value: outcome.value * swapRegularFactor(params, swapRegulariser(config, blockCount(net.genotype))) };
  },
};
