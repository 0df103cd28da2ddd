// Pooling against plain-TS references (f64): forward values, gradients (analytic scatter for max
// pooling, including ties; central finite differences of the reference for average pooling), on the
// search space's shapes. Tolerances: max pooling selects an input value, so its forward is exact.
// Gradients sum at most ceil(k/s)^2 = 16 terms of magnitude <= 1 in f32; the classic bound for
// recursive summation is (n - 1) * 2^-24 * sum|g_i| <= 15 * 6e-8 * 16 ~ 1.5e-5. Average pooling
// forward sums <= 16 values of |x| <= 1 and divides: the same bound gives 1.5e-5.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../../src/ops/pool.ts';
import { tensor } from '../../src/tensor/create.ts';
import { ShapeError } from '../../src/tensor/tensor.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { assertClose, dot, finiteDifferences, param, takeGrad } from '../helpers.ts';

const rt = await testRuntime();

/** k, s, p apply to both axes unless kw, sw, pw give the width's own (non-square windows). */
interface Case { N: number; C: number; H: number; W: number; k: number; s: number; p: number; kw?: number; sw?: number; pw?: number; countPad?: boolean }

/** The window geometry along each axis. */
const axes = (c: Case) => ({ kh: c.k, sh: c.s, ph: c.p, kw: c.kw ?? c.k, sw: c.sw ?? c.s, pw: c.pw ?? c.p });

const outSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** PyTorch's max_pool2d / avg_pool2d on the host (f64), with the argmax for max pooling. */
function poolRef(x: ArrayLike<number>, c: Case, mode: 'max' | 'avg'): { out: Float64Array; argmax: Int32Array } {
  const { kh, sh, ph, kw, sw, pw } = axes(c);
  const Ho = outSize(c.H, kh, sh, ph);
  const Wo = outSize(c.W, kw, sw, pw);
  const out = new Float64Array(c.N * c.C * Ho * Wo);
  const argmax = new Int32Array(out.length);
  for (let pl = 0; pl < c.N * c.C; pl++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const h0 = oh * sh - ph;
        const w0 = ow * sw - pw;
        let best = -Infinity;
        let at = -1;
        let sum = 0;
        let count = 0;
        for (let h = h0; h < h0 + kh; h++) {
          for (let w = w0; w < w0 + kw; w++) {
            if (h < 0 || h >= c.H || w < 0 || w >= c.W) continue;
            const v = x[pl * c.H * c.W + h * c.W + w];
            if (v > best) { best = v; at = h * c.W + w; } // strict: the first maximum wins ties
            sum += v;
            count++;
          }
        }
        const o = (pl * Ho + oh) * Wo + ow;
        const padCount = (Math.min(h0 + kh, c.H + ph) - h0) * (Math.min(w0 + kw, c.W + pw) - w0);
        out[o] = mode === 'max' ? best : sum / ((c.countPad ?? true) ? padCount : count);
        argmax[o] = at;
      }
    }
  }
  return { out, argmax };
}

/** Max pooling's gradient: each output gradient lands on its window's argmax. */
function maxPoolGradRef(g: ArrayLike<number>, argmax: Int32Array, c: Case): Float64Array {
  const gin = new Float64Array(c.N * c.C * c.H * c.W);
  const per = argmax.length / (c.N * c.C);
  for (let o = 0; o < argmax.length; o++) gin[Math.floor(o / per) * c.H * c.W + argmax[o]] += g[o];
  return gin;
}

/** Average pooling's gradient: each output gradient spread over its window, divided as forward. */
function avgPoolGradRef(g: ArrayLike<number>, c: Case): Float64Array {
  const { kh, sh, ph, kw, sw, pw } = axes(c);
  const Ho = outSize(c.H, kh, sh, ph);
  const Wo = outSize(c.W, kw, sw, pw);
  const gin = new Float64Array(c.N * c.C * c.H * c.W);
  for (let pl = 0; pl < c.N * c.C; pl++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const h0 = oh * sh - ph;
        const w0 = ow * sw - pw;
        const inside: number[] = [];
        for (let h = Math.max(h0, 0); h < Math.min(h0 + kh, c.H); h++) {
          for (let w = Math.max(w0, 0); w < Math.min(w0 + kw, c.W); w++) inside.push(pl * c.H * c.W + h * c.W + w);
        }
        const padCount = (Math.min(h0 + kh, c.H + ph) - h0) * (Math.min(w0 + kw, c.W + pw) - w0);
        const div = (c.countPad ?? true) ? padCount : inside.length;
        for (const i of inside) gin[i] += g[(pl * Ho + oh) * Wo + ow] / div;
      }
    }
  }
  return gin;
}

async function runPool(c: Case, mode: 'max' | 'avg', xs: Float32Array, gs?: Float32Array) {
  const { kh, sh, ph, kw, sw, pw } = axes(c);
  const x = param(rt, xs, [c.N, c.C, c.H, c.W]);
  const opts = { stride: [sh, sw] as const, padding: [ph, pw] as const };
  const y = mode === 'max' ? maxPool2d(x, [kh, kw], opts) : avgPool2d(x, [kh, kw], { ...opts, countIncludePad: c.countPad ?? true });
  const r = tensor(gs ?? randomArray(y.size, 99), y.shape, rt);
  y.backward(r);
  const out = await y.data();
  const grad = await takeGrad(x);
  const shape = y.shape;
  for (const t of [x, y, r]) t.dispose();
  return { out, grad, shape };
}

// Every window / stride / padding the search space uses, each on a different search-space shape
// (N in {1, 2, 64}, C in {1, 3, 16}, H = W in {28, 14, 7, 3, 5, 13}).
const shapes = [[2, 3, 28], [1, 16, 14], [64, 3, 7], [2, 1, 13], [1, 3, 5], [2, 16, 3], [64, 1, 28], [2, 3, 14]];
const cases: Case[] = [];
let si = 0;
for (const k of [2, 3, 4]) {
  for (const s of [1, 2]) {
    for (const p of [0, 1]) {
      const [N, C, H] = shapes[si++ % shapes.length];
      if (k > H + 2 * p) continue;
      cases.push({ N, C, H, W: H, k, s, p });
    }
  }
}

test('max pooling: forward and argmax gradient on the search-space shapes', async () => {
  for (const c of cases) {
    const xs = randomArray(c.N * c.C * c.H * c.W, 7 + c.k * 10 + c.s, -1, 1);
    const ref = poolRef(xs, c, 'max');
    const gs = randomArray(ref.out.length, 11);
    const { out, grad, shape } = await runPool(c, 'max', xs, gs);
    const label = `max k${c.k} s${c.s} p${c.p} [${c.N},${c.C},${c.H},${c.W}]`;
    assert.equal(shape, [c.N, c.C, outSize(c.H, c.k, c.s, c.p), outSize(c.W, c.k, c.s, c.p)], `${label} shape`);
    assertClose(out, ref.out, { atol: 0, rtol: 0 }, `${label} forward`);
    assertClose(grad, maxPoolGradRef(gs, ref.argmax, c), { atol: 1.5e-5, rtol: 0 }, `${label} backward`);
  }
});

test('wider and non-square windows: the register-walk kernels at their limit, the fallback beyond', async () => {
  // k5 s1 holds 5 output rows x 8 columns (the most the *_grad_rows kernels take); k7 s1 needs 10
  // columns and takes the plain gathers; k3 s3 has gaps between windows.
  for (const c of [
    { N: 2, C: 3, H: 13, W: 13, k: 5, s: 1, p: 2 },
    { N: 1, C: 3, H: 13, W: 13, k: 7, s: 1, p: 3 },
    { N: 2, C: 1, H: 14, W: 14, k: 3, s: 3, p: 1 },
    // Non-square windows, strides and padding, on a non-square input.
    { N: 2, C: 3, H: 13, W: 10, k: 2, s: 1, p: 1, kw: 3, sw: 2, pw: 0 },
    { N: 1, C: 3, H: 7, W: 12, k: 4, s: 2, p: 2, kw: 1, sw: 1, pw: 0 },
  ]) {
    const xs = randomArray(c.N * c.C * c.H * c.W, 13 + c.k, -1, 1);
    const label = `k${c.k}${c.kw ? `x${c.kw}` : ''} s${c.s}${c.sw ? `x${c.sw}` : ''} p${c.p}${c.pw !== undefined ? `x${c.pw}` : ''}`;
    const ref = poolRef(xs, c, 'max');
    const gs = randomArray(ref.out.length, 14);
    const max = await runPool(c, 'max', xs, gs);
    assertClose(max.out, ref.out, { atol: 0, rtol: 0 }, `${label} max forward`);
    // Up to 49 summands for k7 s1: 48 * 6e-8 * 49 ~ 1.5e-4.
    assertClose(max.grad, maxPoolGradRef(gs, ref.argmax, c), { atol: 1.5e-4, rtol: 0 }, `${label} max backward`);
    const avg = await runPool(c, 'avg', xs, gs);
    assertClose(avg.out, poolRef(xs, c, 'avg').out, { atol: 1.5e-4, rtol: 0 }, `${label} avg forward`);
    assertClose(avg.grad, avgPoolGradRef(gs, c), { atol: 1.5e-4, rtol: 0 }, `${label} avg backward`);
  }
});

test("the 'gpu' kernel profile (plain gathers, one element per invocation) gives the same gradients", async () => {
  await rt.withPolicy({ profile: 'gpu' }, async () => {
    for (const c of [{ N: 2, C: 3, H: 14, W: 14, k: 3, s: 1, p: 1 }, { N: 1, C: 16, H: 7, W: 7, k: 2, s: 2, p: 0 }]) {
      const xs = randomArray(c.N * c.C * c.H * c.W, 15 + c.k, -1, 1);
      const ref = poolRef(xs, c, 'max');
      const gs = randomArray(ref.out.length, 16);
      const max = await runPool(c, 'max', xs, gs);
      assertClose(max.out, ref.out, { atol: 0, rtol: 0 }, `gpu profile k${c.k} max forward`);
      assertClose(max.grad, maxPoolGradRef(gs, ref.argmax, c), { atol: 1.5e-5, rtol: 0 }, `gpu profile k${c.k} max backward`);
      const avg = await runPool(c, 'avg', xs, gs);
      assertClose(avg.grad, avgPoolGradRef(gs, c), { atol: 1.5e-5, rtol: 0 }, `gpu profile k${c.k} avg backward`);
    }
  });
});

test('max pooling: ties send the gradient to the first maximum in the window', async () => {
  // Values from {0, 1, 2} make most windows hold several equal maxima; an all-equal plane too.
  for (const c of [
    { N: 2, C: 3, H: 13, W: 13, k: 3, s: 1, p: 1 },
    { N: 1, C: 16, H: 14, W: 14, k: 2, s: 2, p: 0 },
    { N: 2, C: 1, H: 7, W: 7, k: 4, s: 2, p: 1 },
  ]) {
    const xs = randomArray(c.N * c.C * c.H * c.W, 5).map((v) => Math.floor((v + 1) * 1.5));
    xs.fill(1, 0, c.H * c.W);
    const ref = poolRef(xs, c, 'max');
    const gs = randomArray(ref.out.length, 12);
    const { out, grad } = await runPool(c, 'max', xs, gs);
    assertClose(out, ref.out, { atol: 0, rtol: 0 }, `ties k${c.k} forward`);
    assertClose(grad, maxPoolGradRef(gs, ref.argmax, c), { atol: 1.5e-5, rtol: 0 }, `ties k${c.k} backward`);
  }
});

test('max pooling: gradient matches finite differences of the reference', async () => {
  const c = { N: 2, C: 3, H: 5, W: 5, k: 3, s: 2, p: 1 };
  const xs = randomArray(c.N * c.C * c.H * c.W, 21);
  const gs = randomArray(poolRef(xs, c, 'max').out.length, 22);
  const fd = finiteDifferences((x) => dot(poolRef(x, c, 'max').out, gs), xs);
  const { grad } = await runPool(c, 'max', xs, gs);
  // Distinct random values: no window maximum changes within h = 1e-6, so the f64 differences are
  // exact to ~1e-9; the GPU sums at most 4 windows here (k3 s2): 3 * 6e-8 * 4 < 1e-6.
  assertClose(grad, fd, { atol: 1e-6, rtol: 0 }, 'max pool vs finite differences');
});

test('average pooling: forward and gradient, count_include_pad true and false', async () => {
  for (const c of cases) {
    for (const countPad of [true, false]) {
      const cc = { ...c, countPad };
      const xs = randomArray(c.N * c.C * c.H * c.W, 31 + c.k, -1, 1);
      const ref = poolRef(xs, cc, 'avg');
      const gs = randomArray(ref.out.length, 32);
      const { out, grad } = await runPool(cc, 'avg', xs, gs);
      const label = `avg k${c.k} s${c.s} p${c.p} countPad=${countPad} [${c.N},${c.C},${c.H},${c.W}]`;
      assertClose(out, ref.out, { atol: 1.5e-5, rtol: 0 }, `${label} forward`);
      assertClose(grad, avgPoolGradRef(gs, cc), { atol: 1.5e-5, rtol: 0 }, `${label} backward`);
      if (xs.length <= 2000) {
        // Each input gathers <= 16 terms g / divisor with |g| <= 1: the bound above, 1.5e-5.
        const fd = finiteDifferences((x) => dot(poolRef(x, cc, 'avg').out, gs), xs);
        assertClose(grad, fd, { atol: 1.5e-5, rtol: 0 }, `${label} backward vs finite differences`);
      }
    }
  }
});

test('global average pooling: [N, C, H, W] -> [N, C] and its gradient', async () => {
  for (const [N, C, H] of [[64, 16, 7], [1, 3, 28], [2, 1, 3]]) {
    const xs = randomArray(N * C * H * H, 41);
    const x = param(rt, xs, [N, C, H, H]);
    const y = globalAvgPool2d(x);
    assert.equal(y.shape, [N, C]);
    const gs = randomArray(N * C, 42);
    const r = tensor(gs, [N, C], rt);
    y.backward(r);
    const ref = new Float64Array(N * C);
    const gref = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const pl = Math.floor(i / (H * H));
      ref[pl] += xs[i] / (H * H);
      gref[i] = gs[pl] / (H * H);
    }
    // A mean of <= 784 values in f32: relative error <= 784 * 2^-24 ~ 5e-5 of the |x| <= 1 values.
    assertClose(await y.data(), ref, { atol: 5e-5, rtol: 0 }, `gap [${N},${C},${H}] forward`);
    assertClose(await takeGrad(x), gref, { atol: 1e-7, rtol: 1e-6 }, `gap [${N},${C},${H}] backward`);
    for (const t of [x, y, r]) t.dispose();
  }
});

test('pooling rejects bad input with a message', () => {
  const x = tensor(new Float32Array(2 * 3 * 5 * 5), [2, 3, 5, 5], rt);
  const flat = tensor(new Float32Array(75), [3, 5, 5], rt);
  assert.throws(() => maxPool2d(flat, 2), (e: Error) => e instanceof ShapeError && /rank 4/.test(e.message));
  assert.throws(() => avgPool2d(x, 8, { padding: 1 }), (e: Error) => e instanceof ShapeError && /larger than the padded input/.test(e.message));
  assert.throws(() => maxPool2d(x, 2, { padding: 2 }), (e: Error) => e instanceof RangeError && /more than half the window/.test(e.message));
  assert.throws(() => maxPool2d(x, 2, { stride: 0 }), (e: Error) => e instanceof RangeError && /positive integers/.test(e.message));
  assert.throws(() => globalAvgPool2d(flat), (e: Error) => e instanceof ShapeError);
  const big = tensor(new Float32Array(28 * 28), [1, 1, 28, 28], rt);
  assert.throws(() => maxPool2d(big, 9, { stride: 1 }), (e: Error) => e instanceof RangeError && /at most 8/.test(e.message));
  big.dispose();
  x.dispose();
  flat.dispose();
});

test.run();
