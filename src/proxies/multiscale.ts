// Multi-scale proxies of mednas's own (issue 20: "a proxy made for lesions of varied size", the
// MedNAS paper's future work). Both look at the proxy batch through an input pyramid: each image
// block-averaged over s x s pixels and put back at full size (nearest), for s in MULTISCALE_FACTORS,
// which keeps only the structure coarser than s pixels, as a small lesion vanishes from a coarse view
// and a large one survives it.
// - ms_fisher: the mean over scales of ln fisher (fisher.ts, Turner et al.) on each view. On the
//   BreastMNIST design table fisher ranks trained AUC *inversely* (networks whose loss is most
//   sensitive to their activations at initialisation train worse in the quick protocol), so this
//   proxy is lower-is-better: docs/proxy-quality.md has the figures it was designed on.
// - ms_consistency: how alike a network's pooled features are for an image and its coarse views,
//   the mean over images and scales of the cosine between the two feature vectors (train-mode
//   BatchNorm, as every proxy here): a network that sees the same thing at every scale scores high.
// Designed on the BreastMNIST and RetinaMNIST tables only; PneumoniaMNIST is held out.
import { fisher } from './fisher.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { setBatchNormMode } from './bn-modes.ts';
import type { ProxyBatch } from './batch.ts';
import { MstfNetwork } from '../space/network.ts';
import type { ProxyContext, ProxyDefinition, ProxyOutcome } from './types.ts';

/** The pyramid's block sizes in pixels (1: the images as they are). */
export const MULTISCALE_FACTORS: readonly number[] = [1, 2, 4];

/**
 * NCHW images block-averaged over s x s pixels (blocks cut at the right and bottom edges where the
 * size is not a multiple of s average what they hold) and expanded back to H x W.
 */
export function coarseView(images: Float32Array, shape: readonly [number, number, number, number], s: number): Float32Array {
  const [n, c, h, w] = shape;
  if (s === 1) return images.slice();
  const out = new Float32Array(images.length);
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let by = 0; by < h; by += s) {
      for (let bx = 0; bx < w; bx += s) {
        const y1 = Math.min(h, by + s);
        const x1 = Math.min(w, bx + s);
        let total = 0;
        for (let y = by; y < y1; y++) for (let x = bx; x < x1; x++) total += images[base + y * w + x];
        const m = total / ((y1 - by) * (x1 - bx));
        for (let y = by; y < y1; y++) for (let x = bx; x < x1; x++) out[base + y * w + x] = m;
      }
    }
  }
  return out;
}

/** Per row i of two N x F matrices, the cosine of a_i and b_i (NaN where either row is 0). */
export function cosineRows(a: Float32Array, b: Float32Array, n: number, f: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = i * f; j < (i + 1) * f; j++) {
      ab += a[j] * b[j];
      aa += a[j] * a[j];
      bb += b[j] * b[j];
    }
    out[i] = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
  }
  return out;
}

/** The batch with its images replaced by their coarse view at block size s (the id says so); s = 1: the batch itself. */
export function coarseBatch(batch: ProxyBatch, s: number): ProxyBatch {
  if (s === 1) return batch;
  return { ...batch, id: `${batch.id}/coarse${s}`, images: coarseView(batch.images, batch.shape, s) };
}

/** `ctx` seen through another batch: the same network, runtime, copies and clock. */
function withBatch(ctx: ProxyContext, batch: ProxyBatch): ProxyContext {
  return Object.create(ctx, { batch: { value: batch } }) as ProxyContext;
}

export const msFisher: ProxyDefinition = {
  name: 'ms_fisher',
  summary: 'multi-scale Fisher (mednas): mean over coarse views (1, 2, 4 px blocks) of ln fisher; lower is better',
  higherIsBetter: false,
  input: 'labels',
  splittable: false,
  minBatch: 2,
  // fisher scores a dead network 0 (ln: -Infinity, the best a lower-is-better score can be); a dead
  // network must rank last, so it gets +Infinity instead.
  deadValue: () => ({ value: Infinity, reason: 'dead genotype: fisher is 0 at every scale; scored +Infinity, ms_fisher\'s worst value' }),
  async run(ctx) {
    ctx.requireWholeBatch('ms_fisher');
    let total = 0;
    for (const s of MULTISCALE_FACTORS) {
      const outcome = await fisher.run(withBatch(ctx, coarseBatch(ctx.batch, s)));
      if (!(outcome.value > 0) || !Number.isFinite(outcome.value)) {
        return { value: NaN, reason: `fisher at block size ${s} is ${outcome.value}${outcome.reason ? ` (${outcome.reason})` : ''}: its logarithm is undefined` };
      }
      total += Math.log(outcome.value);
    }
    return { value: total / MULTISCALE_FACTORS.length };
  },
};

/** The pooled features (the classifier's input, N x F) of `copy` for `x`, off the tape. */
function pooledFeatures(copy: MstfNetwork, x: Tensor): Tensor {
  let seen: Tensor | null = null;
  const classify = copy.classifier.forward.bind(copy.classifier);
  copy.classifier.forward = (features: Tensor) => {
    seen = keep(features.alias());
    return classify(features);
  };
  try {
    // The logits are not needed: a tidy that returns nothing frees them with the rest.
    tidy(() => {
      copy.forward(x);
    });
  } finally {
    copy.classifier.forward = classify;
  }
  return seen!;
}

export const msConsistency: ProxyDefinition = {
  name: 'ms_consistency',
  summary: 'multi-scale consistency (mednas): mean cosine between pooled features of each image and of its 2 and 4 px coarse views',
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: NaN, reason: 'dead genotype: the pooled features are 0 for every view, so their cosine is undefined' }),
  async run(ctx): Promise<ProxyOutcome> {
    if (!(ctx.net instanceof MstfNetwork)) throw new TypeError('ms_consistency scores networks of the search space (it reads their pooled features)');
    ctx.requireWholeBatch('ms_consistency');
    const copy = ctx.copy() as MstfNetwork;
    try {
      setBatchNormMode(copy, 'batch');
      const views: Float32Array[] = [];
      await ctx.phases.time('forward', async () => {
        for (const s of MULTISCALE_FACTORS) {
          const x = withBatch(ctx, coarseBatch(ctx.batch, s)).images();
          const features = noGrad(() => pooledFeatures(copy, x));
          x.dispose();
          views.push(await features.data());
          features.dispose();
        }
      });
      const n = ctx.batch.shape[0];
      const f = views[0].length / n;
      let total = 0;
      for (let k = 1; k < views.length; k++) {
        const cos = cosineRows(views[0], views[k], n, f);
        if (cos.some((v) => !Number.isFinite(v))) {
          return { value: NaN, reason: `an image's pooled features are 0 or not finite at block size ${MULTISCALE_FACTORS[k]}: the cosine is undefined` };
        }
        total += cos.reduce((a, b) => a + b, 0) / n;
      }
      return { value: total / (views.length - 1) };
    } finally {
      copy.dispose();
    }
  },
};
