// jacob_cov (Mellor et al. 2021, as foresight/pruners/measures/jacob_cov.py of the zero-cost-proxies
// code, SamsungLabs/zero-cost-nas): the input x requires grad, y = net(x), backward with ones as the
// upstream gradient, J = x.grad as N x (C H W); the correlation matrix of J's rows
// (numpy.corrcoef); its eigenvalues v; score = -sum(log(v + k) + 1 / (v + k)), k = 1e-5.
// Three versions that differ only in how BatchNorm normalises (bn-modes.ts; docs/proxies.md proves
// why the literal one is rounding noise in this space):
//   jacob_cov             running statistics (eval mode): each sample's gradient is its own;
//   jacob_cov_batchstats  the batch's statistics, constants in backward (the reference's forward);
//   jacob_cov_reference   train mode, gradients through the statistics (the reference, literally).
// Only the first lets the batch be split into chunks: the others couple the samples.
import { onesLike } from '../ops/elementwise.ts';
import { tidy } from '../tensor/scope.ts';
import type { BatchNormMode } from './bn-modes.ts';
import { setBatchNormMode } from './bn-modes.ts';
import { rowCorrelation } from './correlation.ts';
import { symmetricEigenvalues } from './eigen.ts';
import type { ProxyContext, ProxyDefinition, ProxyOutcome } from './types.ts';

export const JACOB_COV_K = 1e-5;

/** -sum(log(v + k) + 1 / (v + k)) over the eigenvalues v. */
export function jacobCovFromEigenvalues(v: ArrayLike<number>, k = JACOB_COV_K): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.log(v[i] + k) + 1 / (v[i] + k);
  return -s;
}

/**
 * The lowest score N samples can get: a correlation matrix of rank one (every row perfectly
 * correlated: eigenvalues N and N - 1 zeros). The eigenvalues of an N x N correlation matrix are
 * >= 0 and sum to N, and each zero costs log(k) + 1/k (~1e5) while any other eigenvalue costs at most
 * log(N + k) + 1/(N + k), so no spectrum scores lower. Dead genotypes and undefined Jacobians get it.
 */
export function jacobCovWorst(n: number, k = JACOB_COV_K): number {
  return -((n - 1) * (Math.log(k) + 1 / k) + Math.log(n + k) + 1 / (n + k));
}

/** The score of a Jacobian (n rows of d), with the worst score for a constant row and NaN for a non-finite one. */
export function jacobCovScore(jacobian: ArrayLike<number>, n: number, d: number): ProxyOutcome {
  const corr = rowCorrelation(jacobian, n, d);
  if (corr.nonFiniteRows.length > 0) {
    return { value: NaN, reason: `the input gradient of ${corr.nonFiniteRows.length} of ${n} images holds NaN or infinity (non-finite weights or inputs)` };
  }
  if (corr.constantRows.length > 0) {
    // The reference divides by the row's zero standard deviation and returns NaN.
    return {
      value: jacobCovWorst(n),
      reason: `the input gradient of image ${corr.constantRows[0]} is constant (${corr.constantRows.length} of ${n} such), so its correlation is undefined: scored as the worst possible value for N = ${n}`,
    };
  }
  const value = jacobCovFromEigenvalues(symmetricEigenvalues(corr.matrix, n));
  return Number.isFinite(value) ? { value } : { value: NaN, reason: 'the correlation matrix has an eigenvalue below -k (rounding cannot do that)' };
}

/** J = d sum(net(x)) / dx for every image of the batch, N x (C H W), with BatchNorm in `mode`. */
export async function batchJacobian(ctx: ProxyContext, mode: BatchNormMode, proxy: string): Promise<Float32Array> {
  const [n, c, h, w] = ctx.batch.shape;
  const d = c * h * w;
  const copy = await ctx.phases.time('setup', () => {
    const net = ctx.copy();
    net.freeze(); // only the input gradient is wanted: no weight gradients are computed
    setBatchNormMode(net, mode);
    return net;
  });
  try {
    let step = n;
    if (mode === 'running') step = ctx.chunkSize();
    else ctx.requireWholeBatch(proxy);
    const jacobian = new Float32Array(n * d);
    for (let from = 0; from < n; from += step) {
      const to = Math.min(n, from + step);
      const x = ctx.images(from, to).setRequiresGrad();
      const y = await ctx.phases.time('forward', () => tidy(() => copy.forward(x)));
      await ctx.phases.time('backward', () => {
        const ones = onesLike(y);
        y.backward(ones);
        ones.dispose();
        y.dispose();
      });
      jacobian.set(await ctx.phases.time('readback', () => x.grad!.data()), from * d);
      x.grad?.dispose();
      x.dispose();
    }
    return jacobian;
  } finally {
    copy.dispose();
  }
}

function jacobCov(name: string, mode: BatchNormMode, summary: string): ProxyDefinition {
  return {
    name,
    summary,
    higherIsBetter: true,
    input: 'images',
    splittable: mode === 'running',
    minBatch: 2,
    deadValue: (n) => ({
      value: jacobCovWorst(n),
      reason: `dead genotype: the output does not depend on the input, so the Jacobian is zero and its correlation undefined: scored as the worst possible value for N = ${n}`,
    }),
    async run(ctx) {
      const [n, c, h, w] = ctx.batch.shape;
      const jacobian = await batchJacobian(ctx, mode, name);
      return ctx.phases.time('host', () => jacobCovScore(jacobian, n, c * h * w));
    },
  };
}

export const jacobCovEval = jacobCov('jacob_cov', 'running', 'Jacobian covariance (Mellor et al.), BatchNorm in eval mode (running statistics): the default');
export const jacobCovBatchStats = jacobCov(
  'jacob_cov_batchstats', 'batch-constant', 'Jacobian covariance, BatchNorm with the batch statistics taken as constants in backward',
);
export const jacobCovReference = jacobCov(
  'jacob_cov_reference', 'batch', "Jacobian covariance exactly as the reference code (train-mode BatchNorm): rounding noise in this space",
);
