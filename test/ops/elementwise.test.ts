// Elementwise ops (src/ops/elementwise.ts): forward against the float64 host reference on random
// shapes with odd and size-1 dimensions and broadcasting, backward against finite differences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, addScalar, affine, div, exp, log, maximum, meanOf, mul, mulScalar, neg, powScalar, relu, sigmoid,
  sqrt, square, sub, sum, tanh,
} from '../../src/ops/index.ts';
import { MEAN_OF_MAX_INPUTS } from '../../src/kernels/elementwise.ts';
import { tensor } from '../../src/tensor/create.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';
import {
  assertClose, broadcastableTo, checkGradients, cpuBinary, cpuUnary, F32_U, randAwayFromZero, randHost,
  randomShape, Rng, toGpu, type Host, type Tolerance,
} from '../helpers.ts';

const rt = await testRuntime();

/** add, sub, mul and max are correctly rounded in IEEE f32, so the GPU must equal fround(exact). */
const EXACT: Tolerance = { atol: 0, rtol: 0 };
/** WGSL allows x / y an error of 2.5 ulp (relative 2.5 * 2^-23). */
const DIV_TOL: Tolerance = { atol: 0, rtol: 2.5 * 2 * F32_U };

const fround = Math.fround;

async function forward(gpuOut: Tensor, expected: Host, tol: Tolerance, what: string): Promise<void> {
  assert.equal([...gpuOut.shape], expected.shape, `${what}: shape`);
  assertClose(await gpuOut.data(), expected.data, tol, what);
  gpuOut.dispose();
}

test('binary ops broadcast size-1 and missing dims like NumPy, on 16 random shape pairs', async () => {
  const rng = new Rng(11);
  const binaries: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number, Tolerance][] = [
    ['add', add, (x, y) => fround(x + y), EXACT],
    ['sub', sub, (x, y) => fround(x - y), EXACT],
    ['mul', mul, (x, y) => fround(x * y), EXACT],
    ['div', div, (x, y) => x / y, DIV_TOL],
    ['maximum', maximum, (x, y) => Math.max(x, y), EXACT],
  ];
  for (let k = 0; k < 16; k++) {
    const outShape = randomShape(rng, 1, 4);
    let sa = broadcastableTo(rng, outShape);
    let sb = k % 4 === 0 ? [...outShape] : broadcastableTo(rng, outShape);
    if (k % 2 === 1) [sa, sb] = [sb, sa];
    const a = randHost(sa, 100 + k, -3, 3);
    // Divisors away from 0 keep the quotients finite and the relative tolerance meaningful.
    const b = randAwayFromZero(sb, 200 + k, 0.25);
    const ga = toGpu(a);
    const gb = toGpu(b);
    for (const [name, op, ref, tol] of binaries) {
      await forward(op(ga, gb), cpuBinary(a, b, ref), tol, `${name} [${sa}] with [${sb}]`);
    }
    ga.dispose();
    gb.dispose();
  }
});

test('binary ops on scalars and a [1] against [N]', async () => {
  const a = randHost([], 1);
  const b = randHost([7], 2);
  const ga = toGpu(a);
  const gb = toGpu(b);
  await forward(add(ga, gb), cpuBinary(a, b, (x, y) => fround(x + y)), EXACT, 'add [] + [7]');
  await forward(mul(gb, ga), cpuBinary(b, a, (x, y) => fround(x * y)), EXACT, 'mul [7] * []');
  await forward(add(ga, ga), cpuBinary(a, a, (x, y) => fround(x + y)), EXACT, 'add [] + []');
  ga.dispose();
  gb.dispose();
});

test('scalar ops: affine, addScalar, mulScalar, neg', async () => {
  const rng = new Rng(12);
  for (let k = 0; k < 4; k++) {
    const shape = randomShape(rng, 1, 4);
    const x = randHost(shape, 300 + k, -4, 4);
    const gx = toGpu(x);
    // alpha * x + beta: at most two roundings of values below ~15, i.e. < 2 * 15 * 2^-24 = 1.8e-6.
    const two: Tolerance = { atol: 2e-6, rtol: 0 };
    await forward(affine(gx, -2.5, 0.75), cpuUnary(x, (v) => -2.5 * v + 0.75), two, `affine [${shape}]`);
    await forward(addScalar(gx, 3.25), cpuUnary(x, (v) => fround(v + 3.25)), EXACT, `addScalar [${shape}]`);
    await forward(mulScalar(gx, -0.5), cpuUnary(x, (v) => -0.5 * v), EXACT, `mulScalar [${shape}]`);
    await forward(neg(gx), cpuUnary(x, (v) => -v), EXACT, `neg [${shape}]`);
    gx.dispose();
  }
});

test('unary functions against Math.* on random shapes', async () => {
  const rng = new Rng(13);
  // Tolerances from WGSL's accuracy rules: exp 3 + 2|x| ulp (|x| <= 3: < 2e-6 relative); log 2^-21
  // absolute near 1, else 3 ulp; sqrt, sigmoid and tanh are built from exp/inverseSqrt/division and stay
  // within a few ulp (plus an absolute floor where the result passes through 0); pow is exp2(p log2 x)
  // and inherits exp2's error scaled by |p log2 x| (<= ~10 here).
  const cases: [string, (t: Tensor) => Tensor, (v: number) => number, Tolerance, [number, number]][] = [
    ['relu', relu, (v) => Math.max(v, 0), EXACT, [-2, 2]],
    ['square', square, (v) => fround(v * v), EXACT, [-3, 3]],
    ['abs', abs, Math.abs, EXACT, [-3, 3]],
    ['exp', exp, Math.exp, { atol: 0, rtol: 2e-6 }, [-3, 3]],
    ['log', log, Math.log, { atol: 1e-6, rtol: 1e-6 }, [0.05, 20]],
    ['sqrt', sqrt, Math.sqrt, { atol: 0, rtol: 1e-6 }, [0, 50]],
    ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v)), { atol: 1e-7, rtol: 2e-6 }, [-8, 8]],
    ['tanh', tanh, Math.tanh, { atol: 1e-6, rtol: 2e-6 }, [-4, 4]],
    ['pow 2', (t) => powScalar(t, 2), (v) => v ** 2, { atol: 1e-7, rtol: 1e-5 }, [-3, 3]],
    ['pow 3 (odd: keeps the sign)', (t) => powScalar(t, 3), (v) => v ** 3, { atol: 1e-7, rtol: 1e-5 }, [-3, 3]],
    ['pow 0.5', (t) => powScalar(t, 0.5), Math.sqrt, { atol: 1e-7, rtol: 1e-5 }, [0.01, 9]],
    ['pow -1.5', (t) => powScalar(t, -1.5), (v) => v ** -1.5, { atol: 0, rtol: 1e-5 }, [0.1, 9]],
  ];
  for (let k = 0; k < 3; k++) {
    const shape = randomShape(rng, 1, 4);
    for (const [name, op, ref, tol, [lo, hi]] of cases) {
      const x = randHost(shape, 400 + k, lo, hi);
      const gx = toGpu(x);
      await forward(op(gx), cpuUnary(x, ref), tol, `${name} [${shape}]`);
      gx.dispose();
    }
  }
});

test('a tensor longer than 65535 workgroups x 256 (the grid folds into y) is covered exactly once', async () => {
  // 2^24 + 1000 elements need 65540 workgroups of 256: more than one dispatch dimension allows.
  const n = 65535 * 256 + 1000;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (i % 4099) - 2049;
  const x = toGpu({ shape: [n], data: Float64Array.from(values) });
  const y = addScalar(x, 0.5);
  const got = await y.data();
  let bad = -1;
  for (let i = 0; i < n && bad < 0; i++) if (got[i] !== values[i] + 0.5) bad = i;
  assert.is(bad, -1, bad >= 0 ? `element ${bad}: got ${got[bad]}, want ${values[bad] + 0.5}` : '');
  x.dispose();
  y.dispose();
});

// ---- backward -------------------------------------------------------------------------------------

test('grad: add, sub, mul, div, maximum with broadcasting on both sides', async () => {
  const pairs: [number[], number[]][] = [
    [[3, 4], [3, 4]],
    [[2, 3, 4], [3, 1]],
    [[1, 4], [3, 1]],
    [[5], [2, 3, 5]],
    [[2, 1, 3], []],
  ];
  for (const [k, [sa, sb]] of pairs.entries()) {
    const a = randHost(sa, 500 + k, -2, 2);
    const b = randAwayFromZero(sb, 600 + k, 0.5);
    const where = `[${sa}] and [${sb}]`;
    await checkGradients({ name: `add ${where}`, gpu: ([x, y]) => add(x, y), cpu: ([x, y]) => cpuBinary(x, y, (p, q) => p + q), inputs: [a, b] });
    await checkGradients({ name: `sub ${where}`, gpu: ([x, y]) => sub(x, y), cpu: ([x, y]) => cpuBinary(x, y, (p, q) => p - q), inputs: [a, b] });
    await checkGradients({ name: `mul ${where}`, gpu: ([x, y]) => mul(x, y), cpu: ([x, y]) => cpuBinary(x, y, (p, q) => p * q), inputs: [a, b] });
    await checkGradients({ name: `div ${where}`, gpu: ([x, y]) => div(x, y), cpu: ([x, y]) => cpuBinary(x, y, (p, q) => p / q), inputs: [a, b] });
    // Random a and b never tie (finite differences would straddle the kink of max at a == b).
    await checkGradients({ name: `maximum ${where}`, gpu: ([x, y]) => maximum(x, y), cpu: ([x, y]) => cpuBinary(x, y, Math.max), inputs: [a, b] });
  }
});

test('grad: maximum splits the gradient evenly on ties (PyTorch rule)', async () => {
  const a = tensor([1, 2, 3, 4], [4], rt).setRequiresGrad();
  const b = tensor([1, 5, 3, 0], [4], rt).setRequiresGrad();
  sum(maximum(a, b)).backward();
  assert.equal(Array.from(await a.grad!.data()), [0.5, 0, 0.5, 1]);
  assert.equal(Array.from(await b.grad!.data()), [0.5, 1, 0.5, 0]);
  for (const t of [a, b, a.grad!, b.grad!]) t.dispose();
});

test('grad: only the inputs that require grad get one', async () => {
  const a = randHost([3, 4], 700);
  const b = randAwayFromZero([4], 701);
  const ref = ([x, y]: Host[]): Host => cpuBinary(x, y, (p, q) => p / q);
  await checkGradients({ name: 'div, b constant', gpu: ([x, y]) => div(x, y), cpu: ref, inputs: [a, b], requiresGrad: [true, false] });
  await checkGradients({ name: 'div, a constant', gpu: ([x, y]) => div(x, y), cpu: ref, inputs: [a, b], requiresGrad: [false, true] });
});

test('grad: scalar ops and unary functions', async () => {
  const shape = [3, 5];
  const mixed = randHost(shape, 800, -2, 2);
  const positive = randHost(shape, 801, 0.3, 3);
  const apart = randAwayFromZero(shape, 802); // relu and abs have a kink at 0
  const cases: [string, (t: Tensor) => Tensor, (v: number) => number, Host][] = [
    ['affine', (t) => affine(t, -1.5, 2), (v) => -1.5 * v + 2, mixed],
    ['addScalar', (t) => addScalar(t, 4), (v) => v + 4, mixed],
    ['mulScalar', (t) => mulScalar(t, 3), (v) => 3 * v, mixed],
    ['neg', neg, (v) => -v, mixed],
    ['relu', relu, (v) => Math.max(v, 0), apart],
    ['abs', abs, Math.abs, apart],
    ['exp', exp, Math.exp, mixed],
    ['log', log, Math.log, positive],
    ['sqrt', sqrt, Math.sqrt, positive],
    ['square', square, (v) => v * v, mixed],
    ['pow 3', (t) => powScalar(t, 3), (v) => v ** 3, mixed],
    ['pow 2.5', (t) => powScalar(t, 2.5), (v) => v ** 2.5, positive],
    ['pow -0.5', (t) => powScalar(t, -0.5), (v) => v ** -0.5, positive],
    ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v)), mixed],
    ['tanh', tanh, Math.tanh, mixed],
  ];
  for (const [name, op, ref, x] of cases) {
    await checkGradients({
      name,
      gpu: ([t]) => op(t),
      cpu: ([h]) => cpuUnary(h, ref),
      inputs: [x],
      // exp/pow outputs reach ~20 here: the forward's few-ulp error is relative.
      forwardTol: { atol: 1e-6, rtol: 1e-5 },
    });
  }
});

test('grad: a chain of ops (tanh(a * b + exp(a)) / b) matches finite differences', async () => {
  const a = randHost([4, 3], 900, -1, 1);
  const b = randAwayFromZero([3], 901, 0.5);
  await checkGradients({
    name: 'chain',
    gpu: ([x, y]) => div(tanh(add(mul(x, y), exp(x))), y),
    cpu: ([x, y]) => {
      const inner = cpuBinary(cpuBinary(x, y, (p, q) => p * q), cpuUnary(x, Math.exp), (p, q) => p + q);
      return cpuBinary(cpuUnary(inner, Math.tanh), y, (p, q) => p / q);
    },
    inputs: [a, b],
  });
});

// ---- meanOf: the normal cell's output ---------------------------------------------------------------

/** The float64 mean of same-shaped host tensors. */
const cpuMean = (xs: readonly Host[]): Host => ({
  shape: [...xs[0].shape],
  data: Float64Array.from(xs[0].data, (_, i) => xs.reduce((s, x) => s + x.data[i], 0) / xs.length),
});

test('meanOf: 1 to 9 inputs (one kernel up to its slots, the add chain beyond) against float64, and bit for bit the add chain', async () => {
  const shape = [2, 3, 5, 7]; // 210 elements: not a multiple of 4, so the last vec4 is partial
  for (let k = 1; k <= MEAN_OF_MAX_INPUTS + 2; k++) {
    const hosts = Array.from({ length: k }, (_, i) => randHost(shape, 1000 + 10 * k + i, -3, 3));
    const xs = hosts.map(toGpu);
    const got = meanOf(xs);
    // f32 sums of k terms of size <= 3: a few ulp of 3k, relative to the mean's size.
    assertClose(await got.data(), cpuMean(hosts).data, { atol: 4 * k * 3 * F32_U, rtol: 0 }, `meanOf of ${k}`);
    // What the cell computed before: adds left to right, then times f32(1 / k).
    const sums = [xs[0]];
    for (let i = 1; i < k; i++) sums.push(add(sums[i - 1], xs[i]));
    const scaled = mulScalar(sums[k - 1], 1 / k);
    assert.equal(Array.from(await got.data()), Array.from(await scaled.data()), `meanOf of ${k}: the add chain's values`);
    for (const t of new Set([got, scaled, ...sums, ...xs])) t.dispose();
  }
});

test('meanOf: several workgroups and a partial last vec4 are covered exactly once', async () => {
  const n = 256 * 4 * 3 + 5;
  const a = tensor(Float32Array.from({ length: n }, (_, i) => i), [n]);
  const b = tensor(new Float32Array(n).fill(2), [n]);
  const mean = meanOf([a, b, b]);
  const data = await mean.data();
  mean.dispose();
  let bad = -1;
  for (let i = 0; i < n && bad < 0; i++) if (data[i] !== Math.fround(Math.fround(i + 4) * Math.fround(1 / 3))) bad = i;
  assert.is(bad, -1, `element ${bad}: got ${data[bad]}`);
  a.dispose();
  b.dispose();
});

test('meanOf: shapes must match; an empty list is refused', () => {
  const a = toGpu(randHost([2, 3], 1));
  const b = toGpu(randHost([3, 2], 2));
  assert.throws(() => meanOf([a, b]), /meanOf: shapes \[2, 3\] and \[3, 2\] differ/);
  assert.throws(() => meanOf([]), /no tensors/);
  a.dispose();
  b.dispose();
});

test('grad: meanOf gives every input g / k (2, 5 and 9 inputs), and none to constants', async () => {
  for (const k of [2, 5, MEAN_OF_MAX_INPUTS + 2]) {
    const inputs = Array.from({ length: k }, (_, i) => randHost([3, 5], 1100 + 10 * k + i));
    await checkGradients({ name: `meanOf of ${k}`, gpu: (xs) => meanOf(xs), cpu: cpuMean, inputs, forwardTol: { atol: 1e-6, rtol: 1e-6 } });
  }
  const inputs = Array.from({ length: 3 }, (_, i) => randHost([4, 2], 1200 + i));
  await checkGradients({ name: 'meanOf, one constant', gpu: (xs) => meanOf(xs), cpu: cpuMean, inputs, requiresGrad: [true, false, true] });
});

test('grad: meanOf of one tensor used twice accumulates both shares', async () => {
  const a = randHost([2, 3], 1300);
  const b = randHost([2, 3], 1301);
  await checkGradients({
    name: 'meanOf(a, b, a)', gpu: ([x, y]) => meanOf([x, y, x]), cpu: ([x, y]) => cpuMean([x, y, x]), inputs: [a, b],
  });
});

test.run();
