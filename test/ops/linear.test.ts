// linear(x, W, b) = x W^T + b against an f64 reference, with gradients to x, W and b (analytic
// and by finite differences), and the channel concat/slice gradients the network's cells rely on.
// Tolerances: products sum K <= 128 terms of magnitude <= 1 in f32, bound (K - 1) 2^-24 sum|t|
// ~ 1e-6 * K: 2e-4 for K = 128 (gradients sum over the batch of 64 likewise).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linear } from '../../src/ops/linear.ts';
import { concat, slice } from '../../src/ops/shape.ts';
import { tensor } from '../../src/tensor/create.ts';
import { ShapeError } from '../../src/tensor/tensor.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { assertClose, dot, finiteDifferences, param, takeGrad } from '../helpers.ts';

const rt = await testRuntime();

function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, rows: number, inF: number, outF: number): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let k = 0; k < inF; k++) s += x[r * inF + k] * w[o * inF + k];
      y[r * outF + o] = s;
    }
  }
  return y;
}

test('linear: forward and gradients for the classifier shapes', async () => {
  for (const [rows, inF, outF, withBias] of [[64, 128, 11, true], [1, 16, 2, true], [2, 3, 5, false], [64, 16, 9, true]] as const) {
    const xs = randomArray(rows * inF, 90 + inF);
    const ws = randomArray(outF * inF, 91);
    const bs = randomArray(outF, 92);
    const gs = randomArray(rows * outF, 93);
    const x = param(rt, xs, [rows, inF]);
    const w = param(rt, ws, [outF, inF]);
    const b = withBias ? param(rt, bs, [outF]) : null;
    const y = linear(x, w, b);
    assert.equal(y.shape, [rows, outF]);
    const r = tensor(gs, y.shape, rt);
    y.backward(r);
    const label = `[${rows},${inF}] -> ${outF}${withBias ? ' + bias' : ''}`;
    const tol = 2e-6 * Math.max(inF, rows);
    assertClose(await y.data(), linearRef(xs, ws, withBias ? bs : null, rows, inF, outF), { atol: tol, rtol: 1e-6 }, `${label} forward`);
    // dx = g W, dW = g^T x, db = column sums of g.
    const dx = new Float64Array(rows * inF);
    const dw = new Float64Array(outF * inF);
    const db = new Float64Array(outF);
    for (let rr = 0; rr < rows; rr++) {
      for (let o = 0; o < outF; o++) {
        const g = gs[rr * outF + o];
        db[o] += g;
        for (let k = 0; k < inF; k++) {
          dx[rr * inF + k] += g * ws[o * inF + k];
          dw[o * inF + k] += g * xs[rr * inF + k];
        }
      }
    }
    assertClose(await takeGrad(x), dx, { atol: tol, rtol: 1e-6 }, `${label} grad x`);
    assertClose(await takeGrad(w), dw, { atol: tol, rtol: 1e-6 }, `${label} grad W`);
    if (b) assertClose(await takeGrad(b), db, { atol: tol, rtol: 1e-6 }, `${label} grad b`);
    for (const t of [x, w, b, y, r]) t?.dispose();
  }
});

test('linear: finite differences and a rank-3 input', async () => {
  const xs = randomArray(2 * 3 * 4, 94);
  const ws = randomArray(5 * 4, 95);
  const bs = randomArray(5, 96);
  const gs = randomArray(2 * 3 * 5, 97);
  const x = param(rt, xs, [2, 3, 4]);
  const w = param(rt, ws, [5, 4]);
  const b = param(rt, bs, [5]);
  const y = linear(x, w, b);
  assert.equal(y.shape, [2, 3, 5]);
  const r = tensor(gs, y.shape, rt);
  y.backward(r);
  const L = (xv: ArrayLike<number>, wv: ArrayLike<number>, bv: ArrayLike<number>) => dot(linearRef(xv, wv, bv, 6, 4, 5), gs);
  assertClose(await takeGrad(x), finiteDifferences((v) => L(v, ws, bs), xs), { atol: 1e-6, rtol: 1e-5 }, 'grad x');
  assertClose(await takeGrad(w), finiteDifferences((v) => L(xs, v, bs), ws), { atol: 1e-6, rtol: 1e-5 }, 'grad W');
  assertClose(await takeGrad(b), finiteDifferences((v) => L(xs, ws, v), bs), { atol: 1e-6, rtol: 1e-5 }, 'grad b');
  for (const t of [x, w, b, y, r]) t.dispose();
  const bad = tensor(new Float32Array(6), [2, 3], rt);
  const wt = tensor(new Float32Array(8), [2, 4], rt);
  assert.throws(() => linear(bad, wt), (e: Error) => e instanceof ShapeError && /does not end in 4 features/.test(e.message));
  assert.throws(() => linear(tensor(new Float32Array(8), [2, 4], rt), wt, tensor(new Float32Array(3), [3], rt)), (e: Error) => e instanceof ShapeError && /bias/.test(e.message));
  bad.dispose();
  wt.dispose();
});

test('channel concat and slice (axis 1 of NCHW) carry gradients to every part', async () => {
  const [N, H] = [2, 5];
  const parts = [1, 3, 16].map((C, i) => param(rt, randomArray(N * C * H * H, 110 + i), [N, C, H, H]));
  const joined = concat(parts, 1);
  assert.equal(joined.shape, [N, 20, H, H]);
  const cut = slice(joined, 1, 2, 12); // straddles the first two parts' boundary and the third
  const gs = randomArray(cut.size, 120);
  const r = tensor(gs, cut.shape, rt);
  cut.backward(r);
  const hosts = await Promise.all(parts.map((p) => p.data()));
  const starts = [0, 1, 4];
  const expectJoined = new Float32Array(joined.size);
  const expectGrads = parts.map((p) => new Float64Array(p.size));
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < 20; c++) {
      const k = starts.findLastIndex((s) => s <= c);
      const C = parts[k].shape[1];
      for (let i = 0; i < H * H; i++) {
        const src = (n * C + (c - starts[k])) * H * H + i;
        expectJoined[(n * 20 + c) * H * H + i] = hosts[k][src];
        if (c >= 2 && c < 12) expectGrads[k][src] = gs[(n * 10 + (c - 2)) * H * H + i];
      }
    }
  }
  // Pure copies: exact.
  assertClose(await joined.data(), expectJoined, { atol: 0, rtol: 0 }, 'concat values');
  for (let k = 0; k < parts.length; k++) assertClose(await takeGrad(parts[k]), expectGrads[k], { atol: 0, rtol: 0 }, `grad of part ${k}`);
  for (const t of [...parts, joined, cut, r]) t.dispose();
});

test.run();
