// The symmetric eigensolver on matrices with known spectra: Q diag(lambda) Q^T with a random
// orthogonal Q, repeated, zero, near-zero and negative eigenvalues, and the shapes it must not trip
// over (1 x 1, diagonal, already tridiagonal, all zeros, rank one).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { symmetricEigenvalues } from '../../src/proxies/eigen.ts';
import { Rng } from '../../src/util/rng.ts';

/** A random orthogonal n x n matrix: Gram-Schmidt of a Gaussian matrix, in f64. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += v[k] * q[j * n + k];
        for (let k = 0; k < n; k++) v[k] -= dot * q[j * n + k];
      }
    }
    const norm = Math.hypot(...v);
    for (let k = 0; k < n; k++) q[i * n + k] = v[k] / norm;
  }
  return q;
}

/** Q^T diag(lambda) Q (rows of Q are the eigenvectors), symmetrised. */
function withSpectrum(lambda: readonly number[], rng: Rng): Float64Array {
  const n = lambda.length;
  const q = randomOrthogonal(n, rng);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[k * n + i] * lambda[k] * q[k * n + j];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

function assertSpectrum(actual: Float64Array, expected: readonly number[], tol: number, what: string): void {
  const sorted = [...expected].sort((x, y) => x - y);
  assert.is(actual.length, sorted.length, `${what}: count`);
  sorted.forEach((e, i) => {
    assert.ok(Math.abs(actual[i] - e) <= tol, `${what}: eigenvalue ${i} is ${actual[i]}, expected ${e} (tolerance ${tol})`);
  });
}

const rng = new Rng(11);

test('known spectra with repeated, zero, near-zero and negative eigenvalues (n = 2 .. 64)', () => {
  const spectra: number[][] = [
    [3, 1],
    [5, 5, 5, 1, 1, 0, 0, 0],
    [1e-12, 1e-10, 1e-8, 1, 2, 3],
    [-4, -4, 0, 2.5, 2.5, 2.5, 7],
    Array.from({ length: 64 }, (_, i) => (i % 4 === 0 ? 0 : i / 8)),
    Array.from({ length: 40 }, (_, i) => Math.exp(-i)), // spread over 17 orders of magnitude
  ];
  for (const lambda of spectra) {
    const a = withSpectrum(lambda, rng);
    const scale = Math.max(...lambda.map(Math.abs));
    // Backward stable: errors of a few ulps of the largest eigenvalue, times a small factor of n.
    assertSpectrum(symmetricEigenvalues(a, lambda.length), lambda, 1e-13 * scale * lambda.length, `spectrum of ${lambda.length}`);
  }
});

test('1 x 1, 0 x 0, diagonal, tridiagonal, zero and rank-one matrices', () => {
  assertSpectrum(symmetricEigenvalues([7], 1), [7], 0, '1 x 1');
  assert.is(symmetricEigenvalues([], 0).length, 0);
  assertSpectrum(symmetricEigenvalues([3, 0, 0, 0, -1, 0, 0, 0, 2], 3), [3, -1, 2], 0, 'diagonal');
  // Tridiagonal 2 on the diagonal, -1 beside it: eigenvalues 2 - 2 cos(k pi / (n + 1)).
  const n = 10;
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    t[i * n + i] = 2;
    if (i > 0) t[i * n + i - 1] = t[(i - 1) * n + i] = -1;
  }
  assertSpectrum(symmetricEigenvalues(t, n), Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))), 1e-14, 'tridiagonal');
  assertSpectrum(symmetricEigenvalues(new Float64Array(25), 5), [0, 0, 0, 0, 0], 0, 'zeros');
  // All ones: the correlation matrix of perfectly correlated rows (eigenvalues n and n - 1 zeros).
  const m = 48;
  assertSpectrum(symmetricEigenvalues(new Float64Array(m * m).fill(1), m), [m, ...new Array<number>(m - 1).fill(0)], 1e-12, 'ones');
});

test('only the lower triangle is read, the input is left alone, bad input throws', () => {
  const a = Float64Array.from([2, 99, 1, 2]); // the upper 99 is ignored: [[2, 1], [1, 2]]
  assertSpectrum(symmetricEigenvalues(a, 2), [1, 3], 1e-15, 'lower triangle');
  assert.equal(Array.from(a), [2, 99, 1, 2]);
  assert.throws(() => symmetricEigenvalues([1, NaN, NaN, 1], 2), /entry \(1, 0\) is NaN/);
  assert.throws(() => symmetricEigenvalues([1, 2, 3], 2), /need an n x n matrix/);
});

test.run();
