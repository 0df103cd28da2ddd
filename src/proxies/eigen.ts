// Eigenvalues of a real symmetric matrix in f64 on the host: Householder reduction to tridiagonal
// form, then the implicit QL algorithm with Wilkinson-type shifts (EISPACK's tred1 + tql1, as in
// Numerical Recipes' tred2/tqli without the eigenvectors). 4/3 n^3 flops for the reduction and O(n^2)
// for QL: a 480 x 480 correlation matrix (the paper's proxy batch) takes well under a second.
// jacob_cov needs only the eigenvalues; the reference calls numpy.linalg.eig, a general (non-symmetric)
// solver that can return complex values for a symmetric matrix with close eigenvalues, while this
// one is for symmetric matrices and always returns real ones.

/** QL sweeps allowed per eigenvalue before giving up (typical: 1-3; 30 is EISPACK's limit). */
const MAX_SWEEPS = 60;

/**
 * The eigenvalues of the symmetric n x n matrix `a` (row-major; only the lower triangle is read),
 * ascending. `a` is not modified. Throws a RangeError for a non-finite entry or when QL does not
 * converge (which needs a pathological matrix: it has not been seen).
 */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0 || a.length < n * n) {
    throw new RangeError(`symmetricEigenvalues: need an n x n matrix, got ${a.length} values for n = ${n}`);
  }
  const m = Float64Array.from({ length: n * n }, (_, i) => a[i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(m[i * n + j])) throw new RangeError(`symmetricEigenvalues: entry (${i}, ${j}) is ${m[i * n + j]}`);
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(m, n, d, e);
  tridiagonalQl(d, e, n);
  return d.sort();
}

/**
 * Householder reduction of the lower triangle of `a` (destroyed) to a tridiagonal matrix with
 * diagonal d and sub-diagonal e (e[i] couples rows i - 1 and i; e[0] = 0).
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const ri = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k]);
      if (scale === 0) {
        e[i] = a[ri + l];
      } else {
        // Scaled for the squares' sake (no overflow or underflow in h).
        for (let k = 0; k <= l; k++) {
          a[ri + k] /= scale;
          h += a[ri + k] * a[ri + k];
        }
        let f = a[ri + l];
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[ri + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          // p = A u / h, using the lower triangle of A (row j up to the diagonal, then column j).
          const rj = j * n;
          g = 0;
          for (let k = 0; k <= j; k++) g += a[rj + k] * a[ri + k];
          for (let k = j + 1; k <= l; k++) g += a[k * n + j] * a[ri + k];
          e[j] = g / h;
          f += e[j] * a[ri + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          // A -= u q^T + q u^T with q = p - (u^T p / 2h) u, lower triangle only.
          f = a[ri + j];
          g = e[j] - hh * f;
          e[j] = g;
          const rj = j * n;
          for (let k = 0; k <= j; k++) a[rj + k] -= f * e[k] + g * a[ri + k];
        }
      }
    } else {
      e[i] = a[ri + l];
    }
    d[i] = h;
  }
  e[0] = 0;
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
}

/** sqrt(a^2 + b^2) without destructive overflow or underflow. */
function pythag(a: number, b: number): number {
  const absa = Math.abs(a);
  const absb = Math.abs(b);
  if (absa > absb) return absa * Math.sqrt(1 + (absb / absa) ** 2);
  return absb === 0 ? 0 : absb * Math.sqrt(1 + (absa / absb) ** 2);
}

/** Implicit QL on the tridiagonal (d, e) of tridiagonalize: d becomes the eigenvalues (unsorted). */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    let m: number;
    do {
      // Look for a negligible sub-diagonal element that splits the matrix.
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) + dd === dd) break;
      }
      if (m === l) break;
      if (sweeps++ === MAX_SWEEPS) throw new RangeError(`symmetricEigenvalues: QL did not converge for eigenvalue ${l} of ${n}`);
      // Shift from the leading 2 x 2 block, then one chase of the bulge from m up to l.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = pythag(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i: number;
      let underflow = false;
      for (i = m - 1; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = pythag(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Recover from underflow: deflate and start this eigenvalue's sweep again.
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (m !== l);
  }
}
