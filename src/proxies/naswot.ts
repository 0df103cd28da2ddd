// naswot (Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training", ICML
// 2021; the authors' code: github.com/BayesWatch/nas-without-training, score_networks.py, whose
// forward hook on every nn.ReLU builds K, and scores.py `hooklogdet`).
//
//   c_{n,l} = (x_l > 0) for image n at ReLU layer l: the binary code of the ReLU's INPUT, flattened;
//   c_n     = the codes of every ReLU concatenated, D units in all;
//   K       = C C^T + (1 - C)(1 - C)^T         (N x N: K_ij = D - Hamming(c_i, c_j));
//   score   = log|det K|                        (numpy.linalg.slogdet's second value).
//
// BatchNorm: batch statistics (train mode), as the reference runs it. Its networks are fresh modules
// in train mode; it first runs its Jacobian pass (a train-mode forward that moves the running
// statistics once) and then the hooked forward, again in train mode, so the codes come from
// activations normalised with the batch's own mean and variance and the running statistics play no
// part. Here the copy normalises with the batch's statistics and moves nothing (bn-modes.ts 'batch').
// No gradient is taken: the reference's backward only marks which ReLUs count (those on a path to
// the output), and in this space every ReLU is on one (a zero op is x * 0, which backward crosses).
//
// Where this space forces a choice:
// - The ReLUs sit first in every op (ReLU, conv, BN: sep_conv twice, dil_sep_conv, dual_conv, each
//   reduction branch after its pool, the reduction cell's fuse); the stem and classifier have none.
//   Their inputs are BatchNorm outputs, cell inputs, means of states or pooled maps. The engine runs
//   a ReLU fused into its neighbour (Sequential: BN + ReLU, ReLU + conv), so every `ReLU` module's
//   forward is replaced on the copy (as frozen.ts does), which turns the fusion off and lets the
//   codes be read from the ReLU's input.
// - K is not formed from the codes on the host. Since K_ij = D - g_ii - g_jj + 2 g_ij with
//   G = C C^T (c . c = |c| for binary codes), each ReLU layer adds step(x) step(x)^T, one N x N
//   matmul on the GPU (the engine's linear with a transposed operand, no copy). Its entries are
//   integers (at most the layer's units), exact in f32 while below 2^24; layers wider than that are
//   split, and a new accumulator starts whenever the units summed into one would pass 2^24. The
//   accumulators are read back once and K is assembled and factorised in f64, so K is exactly the
//   reference's; only an activation whose sign f32 rounding flips (within ~1e-7 of 0) can differ.
// - log det K by Cholesky in f64: K is a sum of Gram matrices, so positive semidefinite, and det K,
//   an integer, is 0 or at least 1 (log det K >= 0). A singular K (two images with the same code in
//   every ReLU, e.g. duplicate images, or codes that are linearly dependent) gives -Infinity, as
//   slogdet's log|0|, with a reason. A Cholesky pivot below 1024 N eps max(K_ii) counts as 0: that
//   is ~3e-6 at N = 64 and D = 2e5, 1000 times f64's rounding of a zero pivot (~N eps max K_ii) and
//   far below the pivots that distinct codes give (of the order of their Hamming distances, >= ~1).
// - Non-finite activations (NaN or infinite weights or inputs) would silently become code 0
//   ((NaN > 0) is false, which is also what the reference does): the sum of every ReLU input is
//   checked and such a network scores NaN with a reason.
// - A dead genotype (src/space/dead.ts): every ReLU after the dead cell sees the same constant for
//   every image, so those add the same number to every entry of K; run, the score is finite and
//   comes from the ReLUs before the dead cell alone, although the output ignores the input. It is
//   scored -Infinity instead (the value NASWOT gives a network that codes every image alike), the
//   lowest possible, without running the network.
import { add, step } from '../ops/elementwise.ts';
import { linear } from '../ops/linear.ts';
import { sum } from '../ops/reduce.ts';
import { reshape, slice } from '../ops/shape.ts';
import { ReLU } from '../nn/layers.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { setBatchNormMode } from './bn-modes.ts';
import type { ProxyDefinition, ProxyOutcome } from './types.ts';

/** Integers up to this are exact in f32: one accumulator of code products never sums more units. */
export const NASWOT_EXACT_UNITS = 2 ** 24;

/**
 * The N x N Gram matrix G = sum over layers of C_l C_l^T of binary ReLU codes, accumulated on the GPU
 * in f32 accumulators that each hold at most NASWOT_EXACT_UNITS units (so every entry is exact).
 */
class CodeGram {
  /** D: the units (ReLU inputs per image) seen so far. */
  units = 0;
  layers = 0;
  /** Finished accumulators, and the current one (last). */
  readonly parts: Tensor[] = [];
  /** Per ReLU layer, the sum of its input (non-finite when any activation is). */
  readonly sums: Tensor[] = [];
  private partUnits = 0;

  /** Adds the codes of one ReLU input x [N, ...]. Runs inside the forward: no tape, temporaries freed. */
  observe(x: Tensor): void {
    noGrad(() => {
      const n = x.shape[0];
      const d = x.size / n;
      this.sums.push(keep(sum(x)));
      this.units += d;
      this.layers++;
      for (let from = 0; from < d; from += NASWOT_EXACT_UNITS) {
        const to = Math.min(d, from + NASWOT_EXACT_UNITS);
        const product = tidy(() => {
          const flat = reshape(x, [n, d]);
          const codes = step(to - from === d ? flat : slice(flat, 1, from, to));
          return linear(codes, codes);
        });
        const last = this.parts.length - 1;
        if (last >= 0 && this.partUnits + (to - from) <= NASWOT_EXACT_UNITS) {
          const total = add(this.parts[last], product);
          this.parts[last].dispose();
          product.dispose();
          this.parts[last] = keep(total);
          this.partUnits += to - from;
        } else {
          this.parts.push(keep(product));
          this.partUnits = to - from;
        }
      }
    });
  }

  dispose(): void {
    for (const t of [...this.parts, ...this.sums]) t.dispose();
  }
}

/** Reads several tensors with one readback (buffer-to-buffer copies into one buffer). */
async function readAll(tensors: readonly Tensor[]): Promise<Float32Array[]> {
  const rt = tensors[0].rt;
  const total = tensors.reduce((s, t) => s + t.size, 0);
  const all = Tensor.empty([total], rt);
  let offset = 0;
  for (const t of tensors) {
    rt.scheduler.copy(t.buffer, 0, all.buffer, 4 * offset, 4 * t.size);
    offset += t.size;
  }
  const values = await all.data();
  all.dispose();
  offset = 0;
  return tensors.map((t) => values.subarray(offset, (offset += t.size)));
}

/** K_ij = D - g_ii - g_jj + 2 g_ij (in f64) from the code Gram matrix G (N x N) over D units. */
export function naswotKernel(gram: ArrayLike<number>, n: number, units: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) k[i * n + j] = units - gram[i * n + i] - gram[j * n + j] + 2 * gram[i * n + j];
  }
  return k;
}

/**
 * log det K of a symmetric positive semidefinite N x N matrix by Cholesky in f64; -Infinity with a
 * reason when it is singular (two identical rows with K_ij = K_ii, or a pivot below
 * 1024 N eps max(K_ii)); NaN with a reason for non-finite entries.
 */
export function naswotLogDet(kernel: ArrayLike<number>, n: number): ProxyOutcome {
  let maxDiag = 0;
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(kernel[i])) return { value: NaN, reason: 'naswot: the kernel K holds NaN or infinity' };
  }
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, kernel[i * n + i]);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (kernel[i * n + j] === kernel[i * n + i] && kernel[i * n + j] === kernel[j * n + j]) {
        return {
          value: -Infinity,
          reason: `naswot: images ${i} and ${j} have the same code at every ReLU (duplicate images?), so K is singular: log|det K| = -Infinity`,
        };
      }
    }
  }
  const tol = 1024 * n * Number.EPSILON * maxDiag;
  const l = Float64Array.from(kernel);
  let logDet = 0;
  // In place, lower triangle: l[j][j] holds the pivot's square root, l[i][j] (i > j) the factor.
  for (let j = 0; j < n; j++) {
    let pivot = l[j * n + j];
    for (let k = 0; k < j; k++) pivot -= l[j * n + k] * l[j * n + k];
    if (!(pivot > tol)) {
      return {
        value: -Infinity,
        reason: `naswot: K is singular (Cholesky pivot ${pivot.toExponential(2)} at image ${j}: its code is a combination of the others'), log|det K| = -Infinity`,
      };
    }
    const r = Math.sqrt(pivot);
    l[j * n + j] = r;
    logDet += Math.log(pivot);
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / r;
    }
  }
  return { value: logDet };
}

export const naswot: ProxyDefinition = {
  name: 'naswot',
  summary: 'log|det K| of the Hamming-similarity kernel of ReLU activation codes (Mellor et al.), train-mode BatchNorm',
  higherIsBetter: true,
  input: 'images',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({
    value: -Infinity,
    reason: 'dead genotype: the output does not depend on the input (every ReLU after the dead cell codes every image alike); scored -Infinity, the lowest value',
  }),
  async run(ctx) {
    ctx.requireWholeBatch('naswot');
    const gram = new CodeGram();
    const copy = await ctx.phases.time('setup', () => {
      const net = ctx.copy();
      net.freeze();
      setBatchNormMode(net, 'batch');
      for (const m of net.modules()) {
        if (m instanceof ReLU) {
          m.forward = (x: Tensor): Tensor => {
            gram.observe(x);
            return ReLU.prototype.forward.call(m, x);
          };
        }
      }
      return net;
    });
    try {
      const x = ctx.images();
      try {
        await ctx.phases.time('forward', () => noGrad(() => tidy(() => copy.forward(x))).dispose());
      } finally {
        x.dispose();
      }
      const n = ctx.batch.shape[0];
      if (gram.layers === 0) return { value: NaN, reason: 'naswot: the network has no ReLU, so there are no activation codes' };
      const values = await ctx.phases.time('readback', () => readAll([...gram.sums, ...gram.parts]));
      const sums = values.slice(0, gram.sums.length).map((v) => v[0]);
      const parts = values.slice(gram.sums.length);
      return ctx.phases.time('host', () => {
        const bad = sums.filter((v) => !Number.isFinite(v)).length;
        if (bad > 0) {
          return { value: NaN, reason: `naswot: the input of ${bad} of ${sums.length} ReLU layers holds NaN or infinity (non-finite weights or inputs)` };
        }
        const g = new Float64Array(n * n);
        for (const p of parts) for (let i = 0; i < n * n; i++) g[i] += p[i];
        return naswotLogDet(naswotKernel(g, n, gram.units), n);
      });
    } finally {
      gram.dispose();
      copy.dispose();
    }
  },
};
