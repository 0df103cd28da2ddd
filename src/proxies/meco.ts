// meco (Jiang et al., "MeCo: Zero-Shot NAS with One Data and Single Forward Pass via Minimum
// Eigenvalue of Correlation", NeurIPS 2023; the authors' code: github.com/HamsterMimi/MeCo,
// zero-cost-nas/foresight/pruners/measures/meco.py, get_score): one forward pass with a hook on every
// module; each call takes the first image of the module's output, F = C x (H W) (channels as rows),
// P = corrcoef(F) (the C x C Pearson correlation of the channels over the positions), NaN and inf
// entries set to 0, and its smallest eigenvalue:
//
//     meco = sum over module calls m of lambda_min(P(F_m)).
//
// BatchNorm in train mode (the reference scores a freshly built network, which is in train mode):
// the statistics of the image fed, gradients not needed (no backward at all).
//
// Choices this space forces, and where mednas departs from the reference:
// - Data: one image, the proxy batch's first, alone in the batch ("one data, single forward pass").
//   The authors' copies differ: zero-cost-nas/.../meco.py forwards the whole batch it is given and
//   reads its first image (BatchNorm then uses all N images' statistics), correlation/.../meco.py
//   replaces the input by random noise of 1 x 3 x 64 x 64, and correlation/NAS_Bench_201.py (its
//   benchmark runs) feeds its loader's batch, of 1 image by default. One real image is the paper's
//   setting, deterministic, and costs one image's forward pass, whatever N.
// - Modules: literally every module called, as named_modules() + register_forward_hook do: the network
//   itself, each Sequential, op, cell and block as well as each conv, BatchNorm, ReLU and pooling. A
//   container's output is its last child's (the same tensor), so one feature map can count up to five
//   times (a reduction's fuse BN, fuse.main, fuse, the reduction cell and the block): each distinct
//   output is computed once and counted as often as it was returned. Outputs that are not N x C x H x W
//   (global pooling, the classifier, the network) have one value per channel: corrcoef of one
//   observation is all NaN, hence the zero matrix, lambda_min = 0 (no GPU work here).
// - lambda_min = 0 exactly where H W - 1 < C (the centred rows span at most H W - 1 dimensions, so
//   P is singular and positive semi-definite): the reference's eigensolver returns rounding noise
//   (about +-1e-7 in float32) there; mednas skips the work. In this space that is every map at 3 x 3
//   and every map at 7 x 7 with 49 channels or more (at C = 16: the last normal cell's 64 and the
//   second reduction's fused 64); at C = 128 everything after the first block's fuse conv (256
//   channels at 14 x 14), so only the first block's maps count there.
// - A one-channel map (reduction branches at C = 4): the reference's torch.corrcoef returns a 0-d
//   tensor, torch.linalg.eig raises and compute_meco's try/except makes the whole score NaN; here P
//   is the 1 x 1 matrix it is, [1] (or [0] for a constant channel), lambda_min = 1.
// - A feature map holding NaN or infinity (non-finite weights or inputs): the reference zeroes its
//   NaN correlations and carries on (a NaN network would score 0 for every layer after the NaN);
//   here the score is NaN with a reason.
// - meco_opt (the authors' NAS_Bench_201.py: 8 channels sampled at random, lambda_min x C / 8) is not
//   implemented: it trades exactness for speed at large C, with unseeded randomness; here the
//   full-rank correlation matrices are at most 128 x 128 up to C = 128 (above).
//
// How it is computed: per distinct full-rank map, the Gram matrix of its centred channel rows on the
// GPU (f32, C x C), all read back at once; on the host in f64 P_ij = G_ij / sqrt(G_ii G_jj) (0 for a
// constant channel, as the reference's NaN -> 0; clipped to [-1, 1] as torch.corrcoef) and its
// eigenvalues (eigen.ts's symmetric solver; the reference's general torch.linalg.eig gives the
// same real spectrum for this symmetric matrix).
import { mean } from '../ops/reduce.ts';
import { matmul } from '../ops/matmul.ts';
import { sub } from '../ops/elementwise.ts';
import { reshape, slice, transpose } from '../ops/shape.ts';
import { ModuleList } from '../nn/layers.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { setBatchNormMode } from './bn-modes.ts';
import { symmetricEigenvalues } from './eigen.ts';
import { wrapForward } from './patch.ts';
import type { ProxyContext, ProxyDefinition, ProxyOutcome } from './types.ts';

/** One distinct module output of the pass. */
export interface MecoTerm {
  /** The output's shape. */
  readonly shape: readonly number[];
  /** How many module calls returned it (a container returns its last child's output). */
  readonly calls: number;
  /** lambda_min of its channel correlation (0 where it is singular or the output has no positions), NaN for a non-finite map. */
  readonly minEigenvalue: number;
}

/** The Gram matrix of the centred channel rows of the first image of an N x C x H x W tensor: C x C. */
function channelGram(y: Tensor): Tensor {
  const [n, c, h, w] = y.shape;
  const rows = reshape(n === 1 ? y : slice(y, 0, 0, 1), [c, h * w]);
  const centred = sub(rows, mean(rows, 1, true));
  return matmul(centred, transpose(centred));
}

/** Whether meco needs the correlation of this output (otherwise lambda_min is 0 exactly). */
function fullRankPossible(shape: readonly number[]): boolean {
  if (shape.length !== 4) return false;
  const [, c, h, w] = shape;
  return h * w - 1 >= c;
}

/**
 * lambda_min of the correlation matrix of c channels from their centred Gram matrix G (c x c,
 * row-major), in f64: P_ij = G_ij / sqrt(G_ii G_jj), 0 in the row and column of a constant channel
 * (G_ii = 0: the reference's NaN -> 0), clipped to [-1, 1]. NaN when G holds NaN or infinity.
 */
export function minCorrelationEigenvalue(gram: ArrayLike<number>, c: number): number {
  const d = new Float64Array(c);
  for (let i = 0; i < c * c; i++) if (!Number.isFinite(gram[i])) return NaN;
  for (let i = 0; i < c; i++) d[i] = gram[i * c + i];
  const p = new Float64Array(c * c);
  for (let i = 0; i < c; i++) {
    if (!(d[i] > 0)) continue;
    for (let j = 0; j <= i; j++) {
      if (!(d[j] > 0)) continue;
      const v = i === j ? 1 : Math.max(-1, Math.min(1, gram[i * c + j] / Math.sqrt(d[i] * d[j])));
      p[i * c + j] = v;
      p[j * c + i] = v;
    }
  }
  return symmetricEigenvalues(p, c)[0];
}

/** Reads many tensors with one readback (buffer-to-buffer copies into one buffer); they are disposed. */
async function readTensors(ts: readonly Tensor[]): Promise<Float32Array[]> {
  if (ts.length === 0) return [];
  const rt = ts[0].rt;
  const total = ts.reduce((s, t) => s + t.size, 0);
  const all = Tensor.empty([total], rt);
  let at = 0;
  for (const t of ts) {
    rt.scheduler.copy(t.buffer, 0, all.buffer, 4 * at, 4 * t.size);
    at += t.size;
  }
  for (const t of ts) t.dispose();
  const values = await all.data();
  all.dispose();
  const out: Float32Array[] = [];
  at = 0;
  for (const t of ts) {
    out.push(values.subarray(at, at + t.size));
    at += t.size;
  }
  return out;
}

/**
 * Every distinct module output of meco's pass on the batch's first image, with its lambda_min and
 * how many module calls returned it (their count is the reference's number of hook calls).
 */
export async function mecoTerms(ctx: ProxyContext): Promise<MecoTerm[]> {
  const outputs = new Map<Tensor, { shape: number[]; calls: number; gram: number }>();
  const grams: Tensor[] = [];
  const see = (y: Tensor): Tensor => {
    const known = outputs.get(y);
    if (known) {
      known.calls++;
      return y;
    }
    const entry = { shape: [...y.shape], calls: 1, gram: -1 };
    outputs.set(y, entry);
    if (fullRankPossible(y.shape)) {
      entry.gram = grams.length;
      grams.push(keep(noGrad(() => tidy(() => channelGram(y)))));
    }
    return y;
  };
  const copy = await ctx.phases.time('setup', () => {
    const net = ctx.copy();
    net.freeze(); // no gradients: forward only
    setBatchNormMode(net, 'batch');
    for (const m of net.modules()) {
      // A ModuleList is never called (its parent calls its items), as torch's.
      if (!(m instanceof ModuleList)) wrapForward(m, see);
    }
    return net;
  });
  try {
    const x = ctx.images(0, 1);
    try {
      await ctx.phases.time('forward', () => noGrad(() => tidy(() => copy.forward(x))).dispose());
    } finally {
      x.dispose();
    }
    const read = await ctx.phases.time('readback', () => readTensors(grams.splice(0)));
    return await ctx.phases.time('host', () =>
      [...outputs.values()].map(({ shape, calls, gram }) => ({
        shape, calls, minEigenvalue: gram < 0 ? 0 : minCorrelationEigenvalue(read[gram], shape[1]),
      })),
    );
  } finally {
    for (const g of grams) g.dispose();
    copy.dispose();
  }
}

/** meco from its terms: the sum of lambda_min over the module calls, NaN for a non-finite map. */
export function mecoFromTerms(terms: readonly MecoTerm[]): ProxyOutcome {
  let total = 0;
  let bad = 0;
  for (const t of terms) {
    if (Number.isNaN(t.minEigenvalue)) bad++;
    else total += t.calls * t.minEigenvalue;
  }
  if (bad > 0) return { value: NaN, reason: `meco: ${bad} of ${terms.length} feature maps hold NaN or infinity (non-finite weights or inputs)` };
  return { value: total };
}

export const meco: ProxyDefinition = {
  name: 'meco',
  summary: 'MeCo (Jiang et al.): sum over module outputs of the smallest eigenvalue of the channel correlation, one image, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'images',
  // It reads one image (the batch's first): there is nothing to split, and chunks would each add theirs.
  splittable: false,
  minBatch: 1,
  // Every term is the smallest eigenvalue of a correlation matrix (positive semi-definite): >= 0.
  deadValue: () => ({
    value: 0,
    reason: "dead genotype: scored 0, meco's lowest value (every term is >= 0); run, the layers before the dead cell would still add theirs and every later one 0",
  }),
  async run(ctx) {
    return mecoFromTerms(await mecoTerms(ctx));
  },
};
