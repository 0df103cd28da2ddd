// jacob_cov's host half on Jacobians whose correlation spectrum is known: orthogonal rows (identity),
// equicorrelated rows (1 + (n - 1) rho once, 1 - rho n - 1 times), groups of identical rows (m per
// group, zeros); numpy.corrcoef's definition; the worst score as a lower bound; constant and
// non-finite rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rowCorrelation } from '../../src/proxies/correlation.ts';
import { JACOB_COV_K, jacobCovFromEigenvalues, jacobCovScore, jacobCovWorst } from '../../src/proxies/jacob-cov.ts';
import { Rng } from '../../src/util/rng.ts';

const k = JACOB_COV_K;
const f = (v: number): number => Math.log(v + k) + 1 / (v + k);

/** r orthonormal rows of length d, each orthogonal to the ones vector (so already centred). */
function centredOrthonormal(r: number, d: number, rng: Rng): Float64Array[] {
  const rows: Float64Array[] = [];
  const ones = new Float64Array(d).fill(1 / Math.sqrt(d));
  const basis = [ones];
  while (rows.length < r) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += v[i] * b[i];
        for (let i = 0; i < d; i++) v[i] -= dot * b[i];
      }
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) v[i] /= norm;
    basis.push(v);
    rows.push(v);
  }
  return rows;
}

/** Rows as an f32 Jacobian, scaled (eval-mode Jacobians are ~1e-8: the score must not care) and offset per row. */
function jacobian(rows: Float64Array[], scale: number, offset = 0): Float32Array {
  const d = rows[0].length;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => r.forEach((v, j) => (out[i * d + j] = scale * v + offset * (i + 1))));
  return out;
}

const rng = new Rng(5);
const d = 64;

test('orthogonal rows: identity correlation, score -n f(1)', () => {
  const n = 12;
  const s = jacobCovScore(jacobian(centredOrthonormal(n, d, rng), 3e-9, 1e-9), n, d);
  assert.ok(Math.abs(s.value - -n * f(1)) < 1e-6, `${s.value} vs ${-n * f(1)}`);
  assert.is(s.reason, undefined);
});

test('equicorrelated rows: eigenvalues 1 + (n - 1) rho and 1 - rho', () => {
  const n = 10;
  const rho = 0.36;
  const [common, ...own] = centredOrthonormal(n + 1, d, rng);
  const rows = own.map((e) => common.map((c, i) => Math.sqrt(rho) * c + Math.sqrt(1 - rho) * e[i]));
  const expected = -(f(1 + (n - 1) * rho) + (n - 1) * f(1 - rho));
  // f32 rows: the correlations carry ~1e-7 errors; f'(v) is O(1) at these eigenvalues.
  const s = jacobCovScore(jacobian(rows, 1e-8), n, d);
  assert.ok(Math.abs(s.value - expected) < 1e-5, `${s.value} vs ${expected}`);
});

test('groups of identical rows: eigenvalues m (per group) and zeros; one group is the worst score', () => {
  const groups = 3;
  const m = 4;
  const basis = centredOrthonormal(groups, d, rng);
  const rows = Array.from({ length: groups * m }, (_, i) => basis[Math.floor(i / m)]);
  const n = rows.length;
  const expected = -(groups * f(m) + (n - groups) * f(0));
  const s = jacobCovScore(jacobian(rows, 1), n, d);
  // Each zero eigenvalue comes out as ~1e-16 and f(0) = 1/k + ln k has slope 1/k^2 = 1e10 there.
  assert.ok(Math.abs(s.value - expected) < 1e-3, `${s.value} vs ${expected}`);
  const one = jacobCovScore(jacobian(new Array(n).fill(basis[0]), 2), n, d);
  assert.ok(Math.abs(one.value - jacobCovWorst(n)) < 1e-3, `${one.value} vs ${jacobCovWorst(n)}`);
});

test('the worst score is below every spectrum a correlation matrix can have', () => {
  const n = 8;
  for (let trial = 0; trial < 200; trial++) {
    // Any non-negative eigenvalues summing to n (the trace of an n x n correlation matrix).
    const raw: number[] = Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 0 : rng.uniform() ** 4));
    if (!raw.some((x) => x > 0)) raw[0] = 1;
    const total = raw.reduce((a, b) => a + b, 0);
    const v = raw.map((x) => (x * n) / total);
    assert.ok(jacobCovFromEigenvalues(v) >= jacobCovWorst(n) - 1e-12 * Math.abs(jacobCovWorst(n)), `spectrum ${v.join(', ')}`);
  }
  const rankOne = jacobCovFromEigenvalues([n, ...new Array<number>(n - 1).fill(0)]);
  assert.ok(Math.abs(rankOne - jacobCovWorst(n)) <= 1e-12 * Math.abs(rankOne), `${rankOne} vs ${jacobCovWorst(n)}`);
});

test('rowCorrelation is numpy.corrcoef; constant rows get the worst score, non-finite ones NaN', () => {
  const n = 5;
  const rows = Float32Array.from({ length: n * d }, () => rng.normal());
  const c = rowCorrelation(rows, n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = Array.from(rows.subarray(i * d, (i + 1) * d));
      const b = Array.from(rows.subarray(j * d, (j + 1) * d));
      const ma = a.reduce((s, v) => s + v, 0) / d;
      const mb = b.reduce((s, v) => s + v, 0) / d;
      const cov = a.reduce((s, v, t) => s + (v - ma) * (b[t] - mb), 0);
      const va = a.reduce((s, v) => s + (v - ma) ** 2, 0);
      const vb = b.reduce((s, v) => s + (v - mb) ** 2, 0);
      assert.ok(Math.abs(c.matrix[i * n + j] - cov / Math.sqrt(va * vb)) < 1e-12);
    }
  }
  rows.fill(0.25, d, 2 * d);
  const constant = jacobCovScore(rows, n, d);
  assert.is(constant.value, jacobCovWorst(n));
  assert.match(constant.reason!, /image 1 is constant/);
  rows[3 * d + 7] = NaN;
  const nan = jacobCovScore(rows, n, d);
  assert.ok(Number.isNaN(nan.value));
  assert.match(nan.reason!, /NaN or infinity/);
});

test.run();
