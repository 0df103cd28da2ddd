// AZ-NAS's expressivity and progressivity (Lee & Ham, "AZ-NAS: Assembling Zero-Cost Proxies for
// Network Architecture Search", CVPR 2024; the authors' code github.com/cvlab-yonsei/AZ-NAS,
// NATSBench/ZeroShotProxy/compute_az_nas_score.py and ImageNet_MBV2/ZeroShotProxy/ of the same name).
// The other two of its four proxies are trainability (az-trainability.ts) and complexity = FLOPs (the
// `flops` proxy); its final score ranks all four over a population (rank-aggregation.ts).
//
// Definition, for each feature map f_l (N x C x H x W) of the list below: X = f_l as N H W rows of C
// (positions of every image), centred by its column means; Sigma = X^T X / (N H W) (C x C);
// s = eigenvalues of Sigma; p = s / sum(s);
//
//     E_l = -sum_k p_k ln(p_k + 1e-8)            (the entropy of the normalised spectrum)
//     az_expressivity  = sum_l E_l
//     az_progressivity = min over l >= 1 of (E_l - E_{l-1})
//
// BatchNorm: train mode, the batch's statistics (the reference calls model.train() and runs one
// forward on the batch; it moves running statistics, mednas does not). The batch cannot be split.
// No gradient is needed: one forward under no_grad.
//
// Where this search space forces a choice:
//  - The feature maps. The reference takes each cell's output after the stem on NATS-Bench (search
//    cells and the ResNet reduction blocks between them) and each ReLU-ended layer on its MobileNet
//    space: the outputs of the network's successive units. Here the units are MstfNetwork's Blocks
//    (a normal cell at one resolution and the reduction cell that halves it, src/space/network.ts),
//    so the maps are the stem's output (after its BatchNorm: C x H x W) and every Block's output (the
//    fuse's BatchNorm: 2C x H/2 x W/2, 4C x H/4, 8C x H/8): 4 maps for 3 blocks, one per resolution
//    (the stage boundaries). The normal cell's output alone is not taken: it is not a stage boundary,
//    and a cell whose output states are identities of its input would give a pair with no change.
//  - Weights: the network's own initialisation (as every mednas proxy); the reference re-initialises
//    conv and linear weights Kaiming-normal (fan_in) before scoring.
//  - Eigenvalues below 0 are set to 0. A covariance is positive semi-definite; the negative ones are
//    rounding, and in f32 they can reach -1e-7 of the trace where the reference's ln(p + 1e-8) would
//    be NaN. Every map here is rank-deficient in exact arithmetic: a block's output is the reduction
//    cell's fuse, a 1x1 conv c -> 2c (then BatchNorm, per channel), so at most c of its 2c
//    eigenvalues are non-zero, and the stem's map has rank <= 9 x in-channels (7 of 16 zero at
//    C = 16 on grey images). The entropy of a rank-c spectrum in 2c dimensions is what AZ-NAS
//    measures here; f32 leaves the zero eigenvalues at ~1e-7 of the trace, which moves E_l by ~1e-6.
//  - Undefined values: a map whose covariance is zero (sum(s) = 0: a dead genotype run anyway) or
//    non-finite gives NaN with a reason; the reference maps NaN to -inf, and rankAggregate ranks NaN
//    as -inf. Dead genotypes get -Infinity without running (see AZ_DEAD_REASON below).
//
// Computation: the C x C sums X^T X on the GPU (centred in f32, one batched matmul over the images
// and a sum), read back once for all maps; the eigenvalues in f64 on the host (eigen.ts).
import type { Module } from '../nn/module.ts';
import { MstfNetwork } from '../space/network.ts';
import { matmul } from '../ops/matmul.ts';
import { mean, sum } from '../ops/reduce.ts';
import { sub } from '../ops/elementwise.ts';
import { permute, reshape } from '../ops/shape.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { setBatchNormMode } from './bn-modes.ts';
import { symmetricEigenvalues } from './eigen.ts';
import { ProxyInputError } from './errors.ts';
import type { ProxyContext, ProxyDefinition, ProxyOutcome } from './types.ts';

/** The reference's 1e-8 inside the logarithm. */
export const AZ_ENTROPY_EPS = 1e-8;

/** A copy of `ctx.net` as an MstfNetwork, or a ProxyInputError: AZ-NAS's maps are the space's stages. */
export function azNetwork(ctx: ProxyContext, proxy: string): MstfNetwork {
  if (!(ctx.net instanceof MstfNetwork)) {
    throw new ProxyInputError(`${proxy} reads the stem's and every block's output: score a network of the search space`);
  }
  return ctx.net;
}

/** The stem and the blocks of an MstfNetwork copy, in order. */
export function stages(net: MstfNetwork): { stem: Module; blocks: Module[] } {
  return { stem: net.stem, blocks: net.blocks.namedChildren().map(([, b]) => b) };
}

/**
 * -sum p ln(p + 1e-8), p = s / sum(s), of a covariance's eigenvalues s (negatives set to 0: rounding).
 * NaN when they sum to 0 (a zero covariance) or are not finite, as the reference's 0 / 0.
 */
export function spectralEntropy(eigenvalues: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < eigenvalues.length; i++) total += Math.max(0, eigenvalues[i]);
  if (!(total > 0) || !Number.isFinite(total)) return NaN;
  let h = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const p = Math.max(0, eigenvalues[i]) / total;
    h -= p * Math.log(p + AZ_ENTROPY_EPS);
  }
  return h;
}

/** E_l of each map from its X^T X (c x c, f32, row-major) and its N H W. */
export function mapEntropies(grams: readonly Float32Array[], channels: readonly number[], positions: readonly number[]): { entropies: Float64Array; reason?: string } {
  const entropies = new Float64Array(grams.length);
  for (let l = 0; l < grams.length; l++) {
    const c = channels[l];
    const cov = Float64Array.from(grams[l], (v) => v / positions[l]);
    if (!cov.every(Number.isFinite)) {
      return { entropies: entropies.fill(NaN), reason: `feature map ${l} (${l === 0 ? 'the stem' : `block ${l}`}) holds NaN or infinity (non-finite weights or inputs)` };
    }
    entropies[l] = spectralEntropy(symmetricEigenvalues(cov, c));
    if (Number.isNaN(entropies[l])) {
      return { entropies, reason: `feature map ${l} (${l === 0 ? 'the stem' : `block ${l}`}) is constant over the batch (zero covariance): its spectrum is undefined` };
    }
  }
  return { entropies };
}

/** X^T X of an N x C x H x W map over its N H W positions, centred per channel: C x C. */
function centredGram(f: Tensor): Tensor {
  const [n, c, h, w] = f.shape;
  const centred = sub(f, reshape(mean(f, [0, 2, 3]), [1, c, 1, 1]));
  const rows = reshape(centred, [n, c, h * w]);
  return sum(matmul(rows, permute(rows, [0, 2, 1])), 0);
}

interface MapSpectra {
  readonly entropies: Float64Array;
  readonly reason?: string;
}

// expressivity and progressivity read the same forward: the first to run computes it for both.
const shared = new WeakMap<ProxyContext, Promise<MapSpectra>>();

/** E_l for the stem's and every block's output, on the whole batch with train-mode BatchNorm. */
export function azMapEntropies(ctx: ProxyContext, proxy: string): Promise<MapSpectra> {
  let pending = shared.get(ctx);
  if (!pending) {
    pending = computeEntropies(ctx, proxy);
    shared.set(ctx, pending);
  }
  return pending;
}

async function computeEntropies(ctx: ProxyContext, proxy: string): Promise<MapSpectra> {
  azNetwork(ctx, proxy);
  ctx.requireWholeBatch(proxy);
  const grams: Tensor[] = [];
  const channels: number[] = [];
  const positions: number[] = [];
  const copy = await ctx.phases.time('setup', () => {
    const net = ctx.copy() as MstfNetwork;
    net.freeze();
    setBatchNormMode(net, 'batch');
    return net;
  });
  try {
    const x = ctx.images();
    await ctx.phases.time('forward', () =>
      noGrad(() =>
        tidy(() => {
          const { stem, blocks } = stages(copy);
          let f = stem.forward(x);
          const take = (t: Tensor): void => {
            grams.push(keep(tidy(() => centredGram(t))));
            channels.push(t.shape[1]);
            positions.push(t.shape[0] * t.shape[2] * t.shape[3]);
          };
          take(f);
          for (const block of blocks) {
            f = block.forward(f);
            take(f);
          }
        }),
      ),
    );
    x.dispose();
    const values = await ctx.phases.time('readback', async () => {
      const total = grams.reduce((s, g) => s + g.size, 0);
      const all = Tensor.empty([total], ctx.rt);
      let at = 0;
      for (const g of grams) {
        ctx.rt.scheduler.copy(g.buffer, 0, all.buffer, at * 4, g.size * 4);
        at += g.size;
      }
      const data = await all.data();
      all.dispose();
      return data;
    });
    return ctx.phases.time('host', () => {
      let at = 0;
      const split = grams.map((g) => values.subarray(at, (at += g.size)));
      return mapEntropies(split, channels, positions);
    });
  } finally {
    for (const g of grams) g.dispose();
    copy.dispose();
  }
}

/** sum_l E_l. */
export function expressivityOf(entropies: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < entropies.length; i++) s += entropies[i];
  return s;
}

/** min_l (E_l - E_{l-1}); NaN for fewer than two maps. */
export function progressivityOf(entropies: ArrayLike<number>): number {
  if (entropies.length < 2) return NaN;
  let m = Infinity;
  for (let i = 1; i < entropies.length; i++) {
    const d = entropies[i] - entropies[i - 1];
    if (Number.isNaN(d)) return NaN;
    m = Math.min(m, d);
  }
  return m;
}

function outcome(spectra: MapSpectra, value: number): ProxyOutcome {
  return spectra.reason === undefined ? { value } : { value: NaN, reason: spectra.reason };
}

/**
 * Dead genotypes: every map after the dead cell is exactly zero (the reduction cell's train-mode
 * BatchNorms map a constant 0 to their bias, 0), so its spectrum is 0 / 0: the reference gets NaN for
 * expressivity and progressivity and turns it into -inf. -Infinity is that value, without running.
 */
export const AZ_DEAD_REASON =
  'dead genotype: the feature maps after the dead cell are exactly zero, so their spectra are undefined (the reference gets NaN and scores it -inf): scored -Infinity';

export const azExpressivity: ProxyDefinition = {
  name: 'az_expressivity',
  summary: "AZ-NAS expressivity (Lee & Ham): sum over the stem's and every block's output of the entropy of the channel covariance spectrum, train-mode BatchNorm",
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: -Infinity, reason: AZ_DEAD_REASON }),
  async run(ctx) {
    const spectra = await azMapEntropies(ctx, 'az_expressivity');
    return outcome(spectra, expressivityOf(spectra.entropies));
  },
};

export const azProgressivity: ProxyDefinition = {
  name: 'az_progressivity',
  summary: 'AZ-NAS progressivity (Lee & Ham): the smallest increase of that spectral entropy from one stage to the next',
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: -Infinity, reason: AZ_DEAD_REASON }),
  async run(ctx) {
    const spectra = await azMapEntropies(ctx, 'az_progressivity');
    return outcome(spectra, progressivityOf(spectra.entropies));
  },
};
