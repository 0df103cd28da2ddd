// Losses and probabilities against f64 references: cross-entropy (mean over the batch, integer
// labels), BCE with logits (mean), softmax; gradients analytic and by finite differences; logits of
// +-1e4 stay finite. Tolerances: each row sums <= 11 exponentials in f32 and takes a log, so the
// loss carries a relative error of a few 2^-24 (1e-6 relative, 1e-6 absolute for O(1) values);
// gradients are single expressions per element (1e-6).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mulScalar } from '../../src/ops/elementwise.ts';
import { bceWithLogits, crossEntropy, softmax } from '../../src/ops/loss.ts';
import { tensor } from '../../src/tensor/create.ts';
import { ShapeError } from '../../src/tensor/tensor.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { assertClose, dot, finiteDifferences, param, takeGrad } from '../helpers.ts';

const rt = await testRuntime();

function logSumExp(row: ArrayLike<number>): number {
  const m = Math.max(...Array.from(row));
  let s = 0;
  for (let j = 0; j < row.length; j++) s += Math.exp(row[j] - m);
  return m + Math.log(s);
}

function crossEntropyRef(x: ArrayLike<number>, labels: ArrayLike<number>, K: number): number {
  const B = labels.length;
  let total = 0;
  for (let i = 0; i < B; i++) {
    const row = Array.from({ length: K }, (_, j) => x[i * K + j]);
    total += logSumExp(row) - row[labels[i]];
  }
  return total / B;
}

function softmaxRef(x: ArrayLike<number>, K: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / K; r++) {
    const row = Array.from({ length: K }, (_, j) => x[r * K + j]);
    const l = logSumExp(row);
    for (let j = 0; j < K; j++) out[r * K + j] = Math.exp(row[j] - l);
  }
  return out;
}

function bceRef(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
  return total / x.length;
}

const labelsFor = (B: number, K: number, seed: number): Int32Array =>
  Int32Array.from(randomArray(B, seed, 0, K), (v) => Math.min(K - 1, Math.floor(v)));

test('cross-entropy: value and gradient for N in {1, 2, 64}, K in {2, 3, 11}', async () => {
  for (const [B, K] of [[1, 2], [2, 3], [64, 11], [64, 2]]) {
    const xs = randomArray(B * K, 50 + K, -4, 4);
    const labels = labelsFor(B, K, 51);
    const x = param(rt, xs, [B, K]);
    const loss = crossEntropy(x, labels);
    assert.equal(loss.shape, []);
    loss.backward();
    const p = softmaxRef(xs, K);
    const grad = p.map((v, t) => (v - (labels[Math.floor(t / K)] === t % K ? 1 : 0)) / B);
    assertClose([await loss.item()], [crossEntropyRef(xs, labels, K)], { atol: 1e-6, rtol: 1e-6 }, `[${B},${K}] loss`);
    assertClose(await takeGrad(x), grad, { atol: 1e-6, rtol: 1e-6 }, `[${B},${K}] gradient`);
    x.dispose();
    loss.dispose();
  }
});

test('cross-entropy: gradient matches finite differences, upstream gradient scales it', async () => {
  const [B, K] = [3, 5];
  const xs = randomArray(B * K, 60, -3, 3);
  const labels = [4, 0, 2];
  const x = param(rt, xs, [B, K]);
  const loss = crossEntropy(x, labels);
  const scaled = mulScalar(loss, 2.5);
  scaled.backward();
  const fd = finiteDifferences((v) => 2.5 * crossEntropyRef(v, labels, K), xs);
  // f64 central differences are exact to ~1e-9; the GPU gradient is one f32 expression per element.
  assertClose(await takeGrad(x), fd, { atol: 1e-6, rtol: 1e-6 }, 'd(2.5 * loss)/dx');
  for (const t of [x, loss, scaled]) t.dispose();
});

test('cross-entropy: logits of +-1e4 give finite loss and gradient', async () => {
  const xs = [1e4, -1e4, 0, -1e4, 1e4, 1e4, 5e3, -1e4, 1e4];
  const labels = [1, 0, 2];
  const x = param(rt, xs, [3, 3]);
  const loss = crossEntropy(x, labels);
  loss.backward();
  const value = await loss.item();
  const grad = await takeGrad(x);
  assert.ok(Number.isFinite(value), `loss ${value}`);
  assert.ok(grad.every(Number.isFinite), 'gradient finite');
  // Row losses: 2e4, 2e4 (log 1 + e^-1e4 vanishes), 1e4 + log 2 - 1e4 = log 2 (up to e^-5000). The
  // f32 loss near 1.3e4 is good to ~1e-3 (2^-24 * 1.3e4).
  assertClose([value], [crossEntropyRef(xs, labels, 3)], { atol: 2e-3, rtol: 1e-6 }, 'huge logits loss');
  assertClose(grad, softmaxRef(xs, 3).map((v, t) => (v - (labels[Math.floor(t / 3)] === t % 3 ? 1 : 0)) / 3), { atol: 1e-6, rtol: 0 }, 'huge logits gradient');
  x.dispose();
  loss.dispose();
});

test('cross-entropy rejects bad labels with a message', () => {
  const x = tensor(new Float32Array(6), [2, 3], rt);
  assert.throws(() => crossEntropy(x, [0, 3]), (e: Error) => e instanceof RangeError && /label 3 at index 1/.test(e.message));
  assert.throws(() => crossEntropy(x, [0, -1]), (e: Error) => e instanceof RangeError);
  assert.throws(() => crossEntropy(x, [0.5, 1]), (e: Error) => e instanceof RangeError);
  assert.throws(() => crossEntropy(x, [0]), (e: Error) => e instanceof ShapeError && /1 labels for a batch of 2/.test(e.message));
  const flat = tensor(new Float32Array(6), [6], rt);
  assert.throws(() => crossEntropy(flat, [0]), (e: Error) => e instanceof ShapeError && /\[batch, classes\]/.test(e.message));
  x.dispose();
  flat.dispose();
});

test('BCE with logits: value and gradients (targets as host array and as tensor), huge logits', async () => {
  const [B, K] = [64, 14];
  const xs = randomArray(B * K, 70, -6, 6);
  xs[0] = 1e4;
  xs[1] = -1e4;
  const ys = randomArray(B * K, 71).map((v) => (v > 0 ? 1 : 0));
  const x = param(rt, xs, [B, K]);
  const y = param(rt, ys, [B, K]);
  const loss = bceWithLogits(x, y);
  loss.backward();
  const n = B * K;
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  // The mean of 896 terms of size <= 1e4 / 896 in f32: ~1e-6 relative plus 1e4 * 2^-24 for the huge ones.
  assertClose([await loss.item()], [bceRef(xs, ys)], { atol: 1e-3, rtol: 1e-5 }, 'loss');
  assertClose(await takeGrad(x), Array.from(xs, (v, i) => (sig(v) - ys[i]) / n), { atol: 1e-8, rtol: 1e-6 }, 'grad logits');
  assertClose(await takeGrad(y), Array.from(xs, (v) => -v / n), { atol: 1e-6, rtol: 1e-6 }, 'grad targets');
  for (const t of [x, y, loss]) t.dispose();

  const small = randomArray(6, 72, -2, 2);
  const targets = Float32Array.from([1, 0, 0, 1, 1, 0]);
  const xs2 = param(rt, small, [2, 3]);
  const loss2 = bceWithLogits(xs2, targets);
  loss2.backward();
  assertClose(await takeGrad(xs2), finiteDifferences((v) => bceRef(v, targets), small), { atol: 1e-6, rtol: 1e-6 }, 'finite differences');
  assert.throws(() => bceWithLogits(xs2, Float32Array.from([1])), (e: Error) => e instanceof ShapeError);
  xs2.dispose();
  loss2.dispose();
});

test('softmax: rows sum to one, huge logits finite, gradient matches finite differences', async () => {
  for (const [rows, K] of [[64, 11], [1, 2], [3, 7]]) {
    const xs = randomArray(rows * K, 80 + K, -5, 5);
    if (rows === 1) xs.set([1e4, -1e4]);
    const gs = randomArray(rows * K, 81);
    const x = param(rt, xs, [rows, K]);
    const p = softmax(x);
    const r = tensor(gs, p.shape, rt);
    p.backward(r);
    const probs = await p.data();
    assert.ok(probs.every(Number.isFinite));
    assertClose(probs, softmaxRef(xs, K), { atol: 1e-7, rtol: 1e-5 }, `[${rows},${K}] probabilities`);
    const fd = finiteDifferences((v) => dot(softmaxRef(v, K), gs), xs);
    // dx = y (g - sum(g y)): a few roundings of O(1) values.
    assertClose(await takeGrad(x), fd, { atol: 1e-6, rtol: 1e-5 }, `[${rows},${K}] gradient`);
    for (const t of [x, p, r]) t.dispose();
  }
});

test.run();
