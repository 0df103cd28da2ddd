// BatchNorm2d against a plain-TS f64 reference: forward in training and eval mode, gradients to
// input, weight and bias (analytic reference everywhere, central finite differences of the reference
// on a small shape), the running-statistics update rule over several steps, affine off, and a large
// common offset that breaks the E[x^2] - E[x]^2 formula in f32.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchNorm2d } from '../../src/ops/norm.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad } from '../../src/tensor/scope.ts';
import { ShapeError, type Tensor } from '../../src/tensor/tensor.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { assertClose, dot, finiteDifferences, param, takeGrad } from '../helpers.ts';

const rt = await testRuntime();
const EPS = 1e-5;
const MOMENTUM = 0.1;

interface Dims { N: number; C: number; H: number; W: number }

/** Per-channel batch mean and biased variance (f64). */
function batchStats(x: ArrayLike<number>, d: Dims): { mean: Float64Array; variance: Float64Array } {
  const hw = d.H * d.W;
  const count = d.N * hw;
  const mean = new Float64Array(d.C);
  const variance = new Float64Array(d.C);
  for (let c = 0; c < d.C; c++) {
    let s = 0;
    for (let n = 0; n < d.N; n++) for (let i = 0; i < hw; i++) s += x[(n * d.C + c) * hw + i];
    mean[c] = s / count;
    let q = 0;
    for (let n = 0; n < d.N; n++) for (let i = 0; i < hw; i++) q += (x[(n * d.C + c) * hw + i] - mean[c]) ** 2;
    variance[c] = q / count;
  }
  return { mean, variance };
}

/** y = (x - mean) / sqrt(var + eps) * w + b with the given per-channel statistics. */
function normalise(x: ArrayLike<number>, d: Dims, mean: ArrayLike<number>, variance: ArrayLike<number>, w: ArrayLike<number> | null, b: ArrayLike<number> | null): Float64Array {
  const hw = d.H * d.W;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / hw) % d.C;
    y[i] = ((x[i] - mean[c]) / Math.sqrt(variance[c] + EPS)) * (w ? w[c] : 1) + (b ? b[c] : 0);
  }
  return y;
}

/** Analytic gradients of L = sum(y * g). Training: the statistics depend on x; eval: constants. */
function bnGradRef(x: ArrayLike<number>, g: ArrayLike<number>, d: Dims, mean: ArrayLike<number>, variance: ArrayLike<number>, w: ArrayLike<number> | null, training: boolean) {
  const hw = d.H * d.W;
  const count = d.N * hw;
  const dw = new Float64Array(d.C);
  const db = new Float64Array(d.C);
  const dx = new Float64Array(x.length);
  const inv = Array.from(variance, (v) => 1 / Math.sqrt(v + EPS));
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / hw) % d.C;
    db[c] += g[i];
    dw[c] += g[i] * (x[i] - mean[c]) * inv[c];
  }
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / hw) % d.C;
    const a = (w ? w[c] : 1) * inv[c];
    const xhat = (x[i] - mean[c]) * inv[c];
    dx[i] = training ? a * (g[i] - db[c] / count - (xhat * dw[c]) / count) : a * g[i];
  }
  return { dx, dw, db };
}

/** The tolerance for a sum of many f32 terms: the recursive-summation bound (n - 1) u sum|t| for
 * the per-plane pass (n = H*W) plus the per-channel merge (n = N), u = 2^-24. */
function sumTolerance(terms: ArrayLike<number>, d: Dims): number {
  let total = 0;
  for (let i = 0; i < terms.length; i++) total += Math.abs(terms[i]);
  return ((d.H * d.W + d.N) * 2 ** -24 * total) / d.C;
}

async function trainStep(d: Dims, xs: Float32Array, gs: Float32Array, affine: boolean, relu = false) {
  const ws = randomArray(d.C, 3, 0.5, 1.5);
  const bs = randomArray(d.C, 4, -0.5, 0.5);
  const x = param(rt, xs, [d.N, d.C, d.H, d.W]);
  const w = affine ? param(rt, ws, [d.C]) : null;
  const b = affine ? param(rt, bs, [d.C]) : null;
  const rm = tensor(new Float32Array(d.C), [d.C], rt);
  const rv = tensor(new Float32Array(d.C).fill(1), [d.C], rt);
  const y = batchNorm2d(x, rm, rv, w, b, { training: true, relu });
  const r = tensor(gs, y.shape, rt);
  y.backward(r);
  const result = {
    ws, bs,
    y: await y.data(),
    dx: await takeGrad(x),
    dw: w ? await takeGrad(w) : null,
    db: b ? await takeGrad(b) : null,
  };
  for (const t of [x, w, b, rm, rv, y, r]) t?.dispose();
  return result;
}

test('training forward and gradients on search-space shapes', async () => {
  for (const d of [
    { N: 64, C: 16, H: 28, W: 28 }, { N: 2, C: 3, H: 14, W: 14 }, { N: 1, C: 16, H: 7, W: 7 },
    { N: 64, C: 3, H: 3, W: 3 }, { N: 2, C: 1, H: 13, W: 13 }, { N: 1, C: 3, H: 5, W: 5 },
  ]) {
    const label = `[${d.N},${d.C},${d.H},${d.W}]`;
    const xs = randomArray(d.N * d.C * d.H * d.W, 17 + d.C, -1, 1).map((v, i) => v * 2 + (Math.floor(i / (d.H * d.W)) % d.C) * 0.5);
    const gs = randomArray(xs.length, 18);
    const got = await trainStep(d, xs, gs, true);
    const { mean, variance } = batchStats(xs, d);
    // The per-channel mean carries at most the summation bound (~(HW + N) 2^-24 max|x|, <= 1.5e-4
    // for HW = 784 and |x| <= 3.5); scaled by 1/std (<= 1.8) and w (<= 1.5): 5e-4.
    assertClose(got.y, normalise(xs, d, mean, variance, got.ws, got.bs), { atol: 5e-4, rtol: 1e-5 }, `${label} forward`);
    const ref = bnGradRef(xs, gs, d, mean, variance, got.ws, true);
    const xhatG = gs.map((g, i) => g * (xs[i] - mean[Math.floor(i / (d.H * d.W)) % d.C]) / Math.sqrt(variance[Math.floor(i / (d.H * d.W)) % d.C] + EPS));
    assertClose(got.db!, ref.db, { atol: sumTolerance(gs, d), rtol: 1e-6 }, `${label} grad bias`);
    assertClose(got.dw!, ref.dw, { atol: sumTolerance(xhatG, d), rtol: 1e-6 }, `${label} grad weight`);
    // dx = A (g - mean(g) - xhat mean(g xhat)): the means carry the sum bounds divided by the count,
    // the rest is a few roundings of values <= 10: 5e-4 absolute.
    assertClose(got.dx, ref.dx, { atol: 5e-4, rtol: 1e-5 }, `${label} grad input`);
  }
});

test('relu: relu(batch_norm(x)) in the same passes, forward and gradients', async () => {
  for (const d of [{ N: 64, C: 16, H: 28, W: 28 }, { N: 2, C: 3, H: 7, W: 7 }]) {
    const label = `relu [${d.N},${d.C},${d.H},${d.W}]`;
    const xs = randomArray(d.N * d.C * d.H * d.W, 27 + d.C, -1, 1);
    const gs = randomArray(xs.length, 28);
    const got = await trainStep(d, xs, gs, true, true);
    const { mean, variance } = batchStats(xs, d);
    const pre = normalise(xs, d, mean, variance, got.ws, got.bs);
    assertClose(got.y, pre.map((v) => Math.max(v, 0)), { atol: 5e-4, rtol: 1e-5 }, `${label} forward`);
    assert.ok(got.y.every((v) => v >= 0) && got.y.some((v) => v > 0), `${label}: output clamped at 0`);
    // The gradient passes where the output is positive: the reference masks by the GPU's own output,
    // so that values within rounding of 0 cannot flip the comparison.
    const masked = gs.map((g, i) => (got.y[i] > 0 ? g : 0));
    const ref = bnGradRef(xs, masked, d, mean, variance, got.ws, true);
    const xhatG = masked.map((g, i) => g * (xs[i] - mean[Math.floor(i / (d.H * d.W)) % d.C]) / Math.sqrt(variance[Math.floor(i / (d.H * d.W)) % d.C] + EPS));
    assertClose(got.db!, ref.db, { atol: sumTolerance(masked, d), rtol: 1e-6 }, `${label} grad bias`);
    assertClose(got.dw!, ref.dw, { atol: sumTolerance(xhatG, d), rtol: 1e-6 }, `${label} grad weight`);
    assertClose(got.dx, ref.dx, { atol: 5e-4, rtol: 1e-5 }, `${label} grad input`);
  }
});

test('training gradients match finite differences of the reference', async () => {
  const d = { N: 2, C: 3, H: 5, W: 5 };
  const xs = randomArray(d.N * d.C * d.H * d.W, 23, -1, 1);
  const gs = randomArray(xs.length, 24);
  const got = await trainStep(d, xs, gs, true);
  const loss = (x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>): number => {
    const { mean, variance } = batchStats(x, d);
    return dot(normalise(x, d, mean, variance, w, b), gs);
  };
  // Central differences in f64 with h = 1e-6 are exact to ~1e-8; the GPU values carry f32 rounding
  // of sums of <= 50 terms of magnitude <= 3 (~1e-5).
  assertClose(got.dx, finiteDifferences((x) => loss(x, got.ws, got.bs), xs), { atol: 5e-5, rtol: 1e-5 }, 'dx vs finite differences');
  assertClose(got.dw!, finiteDifferences((w) => loss(xs, w, got.bs), got.ws), { atol: 5e-5, rtol: 1e-5 }, 'dw vs finite differences');
  assertClose(got.db!, finiteDifferences((b) => loss(xs, got.ws, b), got.bs), { atol: 5e-5, rtol: 1e-5 }, 'db vs finite differences');
});

test('affine off (weight and bias null): normalises and differentiates the input', async () => {
  const d = { N: 2, C: 16, H: 7, W: 7 };
  const xs = randomArray(d.N * d.C * d.H * d.W, 25, -2, 2);
  const gs = randomArray(xs.length, 26);
  const got = await trainStep(d, xs, gs, false);
  const { mean, variance } = batchStats(xs, d);
  // |xhat| <= 3 here and sums are short (98 terms): 1e-4 covers f32 rounding.
  assertClose(got.y, normalise(xs, d, mean, variance, null, null), { atol: 1e-4, rtol: 1e-5 }, 'forward');
  assertClose(got.dx, bnGradRef(xs, gs, d, mean, variance, null, true).dx, { atol: 1e-4, rtol: 1e-5 }, 'grad input');
  assert.is(got.dw, null);
});

test('running statistics follow PyTorch\'s rule over several steps; eval mode uses them', async () => {
  // PyTorch: running = (1 - momentum) * running + momentum * batch_stat, with the unbiased batch
  // variance (divided by count - 1) for running_var; momentum 0.1, starting from mean 0 and var 1.
  const d = { N: 2, C: 3, H: 14, W: 14 };
  const count = d.N * d.H * d.W;
  const rm = tensor(new Float32Array(d.C), [d.C], rt);
  const rv = tensor(new Float32Array(d.C).fill(1), [d.C], rt);
  const w = param(rt, [1.5, 0.5, -1], [d.C]);
  const b = param(rt, [0.1, -0.2, 0.3], [d.C]);
  const expectMean = new Float64Array(d.C);
  const expectVar = new Float64Array(d.C).fill(1);
  for (let step = 0; step < 4; step++) {
    const xs = randomArray(d.N * d.C * d.H * d.W, 100 + step, -1, 1).map((v) => v * (step + 1) + step);
    const { mean, variance } = batchStats(xs, d);
    for (let c = 0; c < d.C; c++) {
      expectMean[c] = (1 - MOMENTUM) * expectMean[c] + MOMENTUM * mean[c];
      expectVar[c] = (1 - MOMENTUM) * expectVar[c] + MOMENTUM * variance[c] * (count / (count - 1));
    }
    const x = tensor(xs, [d.N, d.C, d.H, d.W], rt);
    // The update happens whether or not a tape is recorded.
    const y = step % 2 ? noGrad(() => batchNorm2d(x, rm, rv, w, b, { training: true })) : batchNorm2d(x, rm, rv, w, b, { training: true });
    y.dispose();
    x.dispose();
  }
  // Running values are O(1..5); each step's f32 rounding is ~1e-6 relative: 1e-5 relative.
  assertClose(await rm.data(), expectMean, { atol: 1e-6, rtol: 1e-5 }, 'running mean');
  assertClose(await rv.data(), expectVar, { atol: 1e-6, rtol: 1e-5 }, 'running var');

  const xs = randomArray(d.N * d.C * d.H * d.W, 200, -3, 3);
  const gs = randomArray(xs.length, 201);
  const x = param(rt, xs, [d.N, d.C, d.H, d.W]);
  const y = batchNorm2d(x, rm, rv, w, b, { training: false });
  const r = tensor(gs, y.shape, rt);
  y.backward(r);
  const running = { mean: await rm.data(), variance: await rv.data() };
  assertClose(running.mean, expectMean, { atol: 1e-6, rtol: 1e-5 }, 'eval mode leaves the running mean alone');
  const ws = [1.5, 0.5, -1];
  assertClose(await y.data(), normalise(xs, d, running.mean, running.variance, ws, [0.1, -0.2, 0.3]), { atol: 1e-5, rtol: 1e-5 }, 'eval forward');
  const ref = bnGradRef(xs, gs, d, running.mean, running.variance, ws, false);
  assertClose(await takeGrad(x), ref.dx, { atol: 1e-6, rtol: 1e-5 }, 'eval grad input');
  assertClose(await takeGrad(w), ref.dw, { atol: sumTolerance(gs.map((g) => g * 3), d), rtol: 1e-6 }, 'eval grad weight');
  assertClose(await takeGrad(b), ref.db, { atol: sumTolerance(gs, d), rtol: 1e-6 }, 'eval grad bias');
  for (const t of [rm, rv, w, b, x, y, r]) t.dispose();
});

test('eval mode with frozen parameters: one pass each way (relu, affine off, planes of 49 and 1600, a large mean)', async () => {
  for (const [i, { d, affine, relu, offset }] of [
    { d: { N: 3, C: 5, H: 7, W: 7 }, affine: true, relu: false, offset: 0 },
    { d: { N: 2, C: 3, H: 40, W: 40 }, affine: true, relu: true, offset: 0 },
    { d: { N: 2, C: 4, H: 5, W: 3 }, affine: false, relu: true, offset: 0 },
    { d: { N: 2, C: 2, H: 6, W: 6 }, affine: true, relu: false, offset: 1000 },
  ].entries()) {
    const size = d.N * d.C * d.H * d.W;
    const xs = randomArray(size, 300 + i, -2, 2).map((v) => v + offset);
    const gs = randomArray(size, 310 + i);
    const means = randomArray(d.C, 320 + i, -0.5, 0.5).map((v) => v + offset);
    const vars = randomArray(d.C, 330 + i, 0.2, 3);
    const ws = affine ? randomArray(d.C, 340 + i, -1.5, 1.5) : null;
    const bs = affine ? randomArray(d.C, 350 + i, -0.5, 0.5) : null;
    const x = param(rt, xs, [d.N, d.C, d.H, d.W]);
    // Parameters that do not require grad: the one-pass backward (jacob_cov's frozen copy).
    const w = ws ? tensor(ws, [d.C], rt) : null;
    const b = bs ? tensor(bs, [d.C], rt) : null;
    const rm = tensor(means, [d.C], rt);
    const rv = tensor(vars, [d.C], rt);
    await rt.sync();
    const before = rt.scheduler.stats.dispatches;
    const y = batchNorm2d(x, rm, rv, w, b, { training: false, relu });
    assert.is(rt.scheduler.stats.dispatches - before, 1, 'one forward dispatch');
    const r = tensor(gs, y.shape, rt);
    const between = rt.scheduler.stats.dispatches;
    y.backward(r);
    assert.is(rt.scheduler.stats.dispatches - between, 1, 'one backward dispatch');
    const plain = normalise(xs, d, means, vars, ws, bs);
    const expected = relu ? plain.map((v) => Math.max(v, 0)) : plain;
    const ref = bnGradRef(xs, gs, d, means, vars, ws, false);
    const dx = relu ? ref.dx.map((v, k) => (plain[k] > 0 ? v : 0)) : ref.dx;
    // f32 rounding of (x - mean) * scale + b: x - mean is exact even at the offset of 1000 (two f32
    // within a factor of 2 of each other), so the same tolerance holds there.
    assertClose(await y.data(), expected, { atol: 1e-5, rtol: 1e-5 }, `${i}: eval forward`);
    assertClose(await takeGrad(x), dx, { atol: 1e-6, rtol: 1e-5 }, `${i}: eval grad input`);
    for (const t of [x, w, b, rm, rv, y, r]) t?.dispose();
  }
});

test('eval mode with relu and parameter gradients: the mask is the output', async () => {
  // The general backward (parameters that want gradients) in eval mode, where there are no forward
  // coefficients to work the ReLU's mask out from: grad_out is masked by the output first.
  const d = { N: 2, C: 3, H: 6, W: 6 };
  const size = d.N * d.C * d.H * d.W;
  const xs = randomArray(size, 400, -2, 2);
  const gs = randomArray(size, 401);
  const means = randomArray(d.C, 402, -0.5, 0.5);
  const vars = randomArray(d.C, 403, 0.2, 3);
  const ws = randomArray(d.C, 404, -1.5, 1.5);
  const bs = randomArray(d.C, 405, -0.5, 0.5);
  const x = param(rt, xs, [d.N, d.C, d.H, d.W]);
  const w = param(rt, ws, [d.C]);
  const b = param(rt, bs, [d.C]);
  const rm = tensor(means, [d.C], rt);
  const rv = tensor(vars, [d.C], rt);
  const y = batchNorm2d(x, rm, rv, w, b, { training: false, relu: true });
  const r = tensor(gs, y.shape, rt);
  y.backward(r);
  const out = await y.data();
  const masked = gs.map((g, i) => (out[i] > 0 ? g : 0));
  assert.ok(masked.some((g, i) => g === 0 && gs[i] !== 0) && masked.some((g) => g !== 0), 'the mask cuts some gradients, not all');
  const ref = bnGradRef(xs, masked, d, means, vars, ws, false);
  assertClose(await takeGrad(x), ref.dx, { atol: 1e-6, rtol: 1e-5 }, 'eval relu grad input');
  assertClose(await takeGrad(w), ref.dw, { atol: sumTolerance(masked.map((g) => g * 3), d), rtol: 1e-6 }, 'eval relu grad weight');
  assertClose(await takeGrad(b), ref.db, { atol: sumTolerance(masked, d), rtol: 1e-6 }, 'eval relu grad bias');
  for (const t of [x, w, b, rm, rv, y, r]) t.dispose();
});

test('a large common offset keeps its precision (no E[x^2] - E[x]^2 cancellation)', async () => {
  const d = { N: 64, C: 3, H: 7, W: 7 };
  const xs = randomArray(d.N * d.C * d.H * d.W, 300, -1, 1).map((v) => 1000 + v);
  const x = tensor(xs, [d.N, d.C, d.H, d.W], rt);
  const y = batchNorm2d(x, null, null, null, null, { training: true });
  const { mean, variance } = batchStats(xs, d);
  // An f32 mean near 1000 is itself only good to 1000 * 2^-24 ~ 6e-5; times 1/std (~1.7): 1e-4,
  // and a few more roundings: 3e-4. E[x^2] - E[x]^2 would be off by ~1e6 * 2^-24 ~ 0.06 in the variance.
  assertClose(await y.data(), normalise(xs, d, mean, variance, null, null), { atol: 3e-4, rtol: 0 }, 'offset forward');
  x.dispose();
  y.dispose();
});

test('batchNorm2d rejects bad input with a message', () => {
  const x = tensor(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4], rt);
  const one = tensor(new Float32Array(3), [1, 3, 1, 1], rt);
  const c3 = tensor(new Float32Array(3), [3], rt);
  const c4 = tensor(new Float32Array(4), [4], rt);
  const flat = tensor(new Float32Array(6), [2, 3], rt);
  const throwsShape = (f: () => Tensor, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ShapeError && re.test(e.message));
  throwsShape(() => batchNorm2d(flat, null, null, null, null, { training: true }), /rank 4/);
  throwsShape(() => batchNorm2d(x, c4, c4, null, null, { training: true }), /shape \[3\]/);
  throwsShape(() => batchNorm2d(x, null, null, null, null, { training: false }), /eval mode needs/);
  throwsShape(() => batchNorm2d(x, null, null, c3, null, { training: true }), /both weight and bias/);
  throwsShape(() => batchNorm2d(one, null, null, null, null, { training: true }), /more than one value/);
  for (const t of [x, one, c3, c4, flat]) t.dispose();
});

test.run();
