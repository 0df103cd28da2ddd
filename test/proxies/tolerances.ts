// How far each proxy's value may be from PyTorch float64 on the golden cases: |ours - float64| <=
// atol + rtol |float64|, one table for the golden tests (golden, naswot-zen, zico-meco, multiscale) and for
// whatever compares scores across adapters (test/demo: a checkpoint written on SwiftShader in
// Chromium, re-scored on lavapipe by `mednas replay --verify`). Worst errors measured on lavapipe in
// brackets.
// - jacob_cov: f32 Jacobians carry ~1e-6 relative error; the score moves by O(1) per unit change of
//   an eigenvalue at these spectra (smallest eigenvalues 0.05-0.5): atol 1e-4 [9.6e-6].
// - jacob_cov_batchstats: as jacob_cov, plus the batch moments computed in f32: atol 5e-4 [9.0e-5].
// - synflow (ln exact to ~1e-7 relative), snip, grad_norm, l2_norm, fisher: sums of non-negative
//   terms, f32 rounding through ~40 layers: rtol 1e-5 [4.2e-7].
// - plain: a signed sum whose terms' absolute sum is snip (50-230): atol 2e-5 [1.5e-6].
// - grasp: finite difference of f32 gradients (grasp.ts): atol 5e-3 [1.7e-3 on values of 1.7-17].
// - naswot (a logarithm): K is assembled from exact integer counts, so f32 enters only through
//   activations within rounding (~1e-7 relative) of 0 whose sign flips; each flip moves a few entries
//   of K by 1 against entries ~1e4-1e5 and eigenvalues >= 1e4 (the golden cases), so log det K by
//   ~1e-4 at most: atol 1e-3 [1.7e-5 on paper-c16; 0 on the other cases, whose K is the float64 one exactly].
// - zen (a logarithm): ln of a sum of |f(x) - f(x + 0.01 eps)|, a difference of two f32 forwards of
//   O(1) values that is ~1e-2 of them, so ~1e-5 relative error per element, averaging down over the
//   sum; plus the BatchNorm term from f32 variances (~1e-6 relative): atol 1e-4 [1.5e-6].
// - zico: its terms are (|g1| + |g2|) / |g1 - g2|, so a layer's sum is dominated by the few entries
//   where the two halves' gradients nearly agree (ratios up to ~3e4 at C = 8). f32 gradients carry
//   ~1e-6 relative error (PyTorch float32 against float64 on these cases: median 3e-7, max 5e-6 per
//   entry), which moves such a term by up to ~5%, a layer's ln by up to 0.04 and the score (300-450)
//   by a few hundredths: PyTorch's own float32 is off by 0.041 on paper-c8 and mixed-c8.
//   atol 0.25 [6.7e-2, mixed-c8; 5.7e-3 to 5.3e-2 on the others].
// - meco: smallest eigenvalues of correlation matrices from f32 Gram matrices (~1e-7 relative per
//   entry, at most 32 x 32 full-rank ones here): ~1e-7 per term over ~180-220 terms (PyTorch's
//   float32: 1.1e-5). atol 1e-4 [1.7e-5].
// - flops: counted, not computed on the GPU: exact.
// - ms_fisher: a mean of ln fisher. Coarse views are piecewise constant, so the max pools behind the
//   stem see exact ties in float64 (and in PyTorch's float32, whose conv sums every position in the
//   same order); mednas's f32 conv kernels sum positions in different orders, so a tie becomes a
//   near-tie that rounding breaks, and the gradient takes another path of equal value. fisher is
//   discontinuous there: PyTorch float64 with the paper-c8 block-4 view perturbed by 1e-7 relative
//   moves fisher by 6e-4 relative in one draw of three (4e-7 in the others). Off ties the error is
//   fisher's (rtol 1e-5). atol 1e-3 [2.0e-4 on paper-c8, one tie flip at block size 4; < 1e-5 elsewhere].
// - ms_consistency: cosines of f32 features of O(1) (~1e-6 relative each): atol 1e-5.

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export const GOLDEN_TOLERANCE: Readonly<Record<string, Tolerance>> = {
  jacob_cov: { atol: 1e-4, rtol: 0 },
  jacob_cov_batchstats: { atol: 5e-4, rtol: 0 },
  synflow: { atol: 0, rtol: 1e-5 },
  snip: { atol: 0, rtol: 1e-5 },
  grad_norm: { atol: 0, rtol: 1e-5 },
  l2_norm: { atol: 0, rtol: 1e-5 },
  fisher: { atol: 0, rtol: 1e-5 },
  plain: { atol: 2e-5, rtol: 0 },
  grasp: { atol: 5e-3, rtol: 0 },
  naswot: { atol: 1e-3, rtol: 0 },
  zen: { atol: 1e-4, rtol: 0 },
  zico: { atol: 0.25, rtol: 0 },
  meco: { atol: 1e-4, rtol: 0 },
  flops: { atol: 0, rtol: 0 },
  ms_fisher: { atol: 1e-3, rtol: 0 },
  ms_consistency: { atol: 1e-5, rtol: 0 },
};

/** Whether `actual` is within `proxy`'s golden tolerance of `expected` (an unknown proxy throws). */
export function withinGoldenTolerance(proxy: string, actual: number, expected: number): boolean {
  const t = GOLDEN_TOLERANCE[proxy];
  if (!t) throw new Error(`no golden tolerance for ${proxy}: add it to test/proxies/tolerances.ts`);
  return Math.abs(actual - expected) <= t.atol + t.rtol * Math.abs(expected);
}
