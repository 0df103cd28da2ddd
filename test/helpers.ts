// The test helpers (one module): plain-TS float64 references of every op ("Host" tensors), host<->GPU
// round trips, tolerance checks that say where and by how much they fail, central finite
// differences, and a gradient check that runs an op forward and backward on the GPU and compares
// both with the host. The shared GPU runtime itself is test/gpu.ts (a file that imports no engine
// code but the Node edge, so that any test may take it without loading the ops).
//
// Why float64 on the host: the inputs are f32 values (made with Float32Array), so the host sees the
// very numbers the GPU sees; computing the reference in float64 makes its own error negligible
// (~1e-16 relative), and every tolerance below then measures the GPU's f32 error alone.
import * as assert from 'uvu/assert';
import { Rng } from '../src/util/rng.ts';
import { mul, sum } from '../src/ops/index.ts';
import type { Runtime } from '../src/gpu/runtime.ts';
import { tensor } from '../src/tensor/create.ts';
import { tidy } from '../src/tensor/scope.ts';
import type { Tensor } from '../src/tensor/tensor.ts';
import { randomArray, testRuntime } from './gpu.ts';

/** f32's unit roundoff (half an ulp at 1): the relative error of one correctly rounded operation. */
export const F32_U = 2 ** -24;

export interface Host {
  shape: number[];
  data: Float64Array;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

export function host(shape: readonly number[], data?: ArrayLike<number>): Host {
  const out = new Float64Array(sizeOf(shape));
  if (data) out.set(data);
  return { shape: [...shape], data: out };
}

/** Random f32-representable values in [lo, hi), deterministic for a seed. */
export function randHost(shape: readonly number[], seed: number, lo = -1, hi = 1): Host {
  return host(shape, randomArray(sizeOf(shape), seed, lo, hi));
}

/** Random values with |v| >= gap (away from the kinks of relu/abs at 0, for finite differences). */
export function randAwayFromZero(shape: readonly number[], seed: number, gap = 0.1): Host {
  const h = randHost(shape, seed);
  h.data = h.data.map((v) => Math.fround(v < 0 ? v - gap : v + gap));
  return h;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Calls fn(flatIndex, coords) for every element of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], fn: (i: number, c: number[]) => void): void {
  const n = sizeOf(shape);
  const c = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    fn(i, c);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++c[d] < shape[d]) break;
      c[d] = 0;
    }
  }
}

// ---- references ------------------------------------------------------------------------------------

export function cpuUnary(a: Host, f: (v: number) => number): Host {
  return { shape: [...a.shape], data: a.data.map(f) };
}

/** NumPy broadcasting, written independently of the engine's broadcastShapes. */
export function cpuBinary(a: Host, b: Host, f: (x: number, y: number) => number): Host {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pa = [...Array(rank - a.shape.length).fill(1), ...a.shape];
  const pb = [...Array(rank - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error(`reference: cannot broadcast ${a.shape} and ${b.shape}`);
    return Math.max(d, pb[i]);
  });
  const sa = stridesOf(pa);
  const sb = stridesOf(pb);
  const out = host(shape);
  forEachIndex(shape, (i, c) => {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      if (pa[d] !== 1) ia += c[d] * sa[d];
      if (pb[d] !== 1) ib += c[d] * sb[d];
    }
    out.data[i] = f(a.data[ia], b.data[ib]);
  });
  return out;
}

export function cpuSum(a: Host, axes: readonly number[] | undefined, keepdim: boolean, scale = 1): Host {
  const rank = a.shape.length;
  const dims = axes === undefined ? [...Array(rank).keys()] : axes.map((x) => (x < 0 ? x + rank : x));
  const kept = a.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const out = host(kept);
  const so = stridesOf(kept);
  forEachIndex(a.shape, (i, c) => {
    let o = 0;
    for (let d = 0; d < rank; d++) if (!dims.includes(d)) o += c[d] * so[d];
    out.data[o] += a.data[i];
  });
  out.data = out.data.map((v) => v * scale);
  if (!keepdim) out.shape = a.shape.filter((_, i) => !dims.includes(i));
  return out;
}

export function cpuPermute(a: Host, order: readonly number[]): Host {
  const shape = order.map((d) => a.shape[d]);
  const sa = stridesOf(a.shape);
  const out = host(shape);
  forEachIndex(shape, (i, c) => {
    let src = 0;
    for (let d = 0; d < order.length; d++) src += c[d] * sa[order[d]];
    out.data[i] = a.data[src];
  });
  return out;
}

export function cpuSlice(a: Host, axis: number, start: number, end: number): Host {
  const shape = a.shape.map((d, i) => (i === axis ? end - start : d));
  const sa = stridesOf(a.shape);
  const out = host(shape);
  forEachIndex(shape, (i, c) => {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += (d === axis ? c[d] + start : c[d]) * sa[d];
    out.data[i] = a.data[src];
  });
  return out;
}

export function cpuConcat(xs: readonly Host[], axis: number): Host {
  const shape = xs[0].shape.map((d, i) => (i === axis ? xs.reduce((s, x) => s + x.shape[axis], 0) : d));
  const out = host(shape);
  const so = stridesOf(shape);
  let at = 0;
  for (const x of xs) {
    forEachIndex(x.shape, (i, c) => {
      let dst = 0;
      for (let d = 0; d < shape.length; d++) dst += (d === axis ? c[d] + at : c[d]) * so[d];
      out.data[dst] = x.data[i];
    });
    at += x.shape[axis];
  }
  return out;
}

export function cpuExpand(a: Host, shape: readonly number[]): Host {
  return cpuBinary(a, host(shape), (x) => x);
}

/** torch.matmul for 2-D/3-D operands, with a missing batch broadcast. */
export function cpuMatmul(a: Host, b: Host): Host {
  const [M, K] = a.shape.slice(-2);
  const N = b.shape[b.shape.length - 1];
  const batched = a.shape.length === 3 || b.shape.length === 3;
  const batch = Math.max(a.shape.length === 3 ? a.shape[0] : 1, b.shape.length === 3 ? b.shape[0] : 1);
  const out = host(batched ? [batch, M, N] : [M, N]);
  for (let z = 0; z < batch; z++) {
    const ao = a.shape.length === 3 ? z * M * K : 0;
    const bo = b.shape.length === 3 ? z * K * N : 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[ao + m * K + k] * b.data[bo + k * N + n];
        out.data[z * M * N + m * N + n] = s;
      }
    }
  }
  return out;
}

// ---- GPU transfer ----------------------------------------------------------------------------------

export function toGpu(h: Host): Tensor {
  return tensor(Float32Array.from(h.data), h.shape);
}

/** A leaf tensor that records gradients. */
export function param(rt: Runtime, values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return tensor(values, shape, rt).setRequiresGrad();
}

/** Reads a gradient and frees it, so tests do not leak buffers across cases. */
export async function takeGrad(t: Tensor): Promise<Float32Array> {
  if (!t.grad) throw new Error(`${t.toString()} has no gradient`);
  const g = await t.grad.data();
  t.grad.dispose();
  t.grad = null;
  return g;
}

// ---- checks ----------------------------------------------------------------------------------------

export interface Tolerance {
  /** Absolute slack. */
  atol: number;
  /** Slack relative to |expected|. */
  rtol: number;
}

/**
 * Asserts |actual - expected| <= atol + rtol |expected| elementwise (NaN never passes). The failure
 * message names the first offending index and the worst error, so a broken kernel is easy to place.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  let worst = -1;
  let worstErr = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const ok = err <= tol.atol + tol.rtol * Math.abs(expected[i]);
    if (!ok && first < 0) first = i;
    if (!ok && !(err <= worstErr)) {
      worst = i;
      worstErr = err;
    }
  }
  if (first >= 0) {
    assert.unreachable(
      `${what}: ${first === worst ? '' : `first mismatch at [${first}]: got ${actual[first]}, want ${expected[first]}; `}` +
        `worst at [${worst}]: got ${actual[worst]}, want ${expected[worst]} (|err| ${worstErr}, atol ${tol.atol}, rtol ${tol.rtol})`,
    );
  }
}

/** Rejects with a clear message if `p` has not settled within `ms`: a hang fails the test. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` and returns what it threw (fails if it returned normally). */
export function thrown(fn: () => unknown, what: string): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.unreachable(`${what}: expected an exception`);
  return undefined;
}

/**
 * Central finite differences of a scalar host function f: R^n -> R at x, in float64. With step
 * h = 1e-6 the truncation error is ~h^2 |f'''| / 6 (~1e-12 for our smooth functions on inputs of
 * size ~1) and the rounding error ~1e-16 |f| / h (~1e-10): both far below the f32 tolerances they
 * are compared with.
 */
export function finiteDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const at = Float64Array.from(x);
  const out = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const v = at[i];
    at[i] = v + h;
    const up = f(at);
    at[i] = v - h;
    const down = f(at);
    at[i] = v;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

/** sum_i a_i b_i (the scalar loss L = sum(y * r) whose gradient wrt y is r). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export interface GradCheck {
  name: string;
  gpu: (xs: Tensor[]) => Tensor;
  cpu: (xs: Host[]) => Host;
  inputs: Host[];
  /** Which inputs require grad (all by default). */
  requiresGrad?: boolean[];
  /** Tolerance of the forward value. */
  forwardTol?: Tolerance;
  /** Tolerance of each gradient against finite differences. */
  gradTol?: Tolerance;
  seed?: number;
}

/**
 * The gradient check used for every op: L = sum(op(xs) * W) with a random W (so every output element
 * gets its own weight and a wrong index in a backward rule shows up), backward() on the GPU, and the
 * gradients compared with central differences of the float64 host reference of L.
 *
 * Default gradient tolerance atol 1e-4 + rtol 1e-4: a backward rule is a chain of a few f32
 * operations (each ~1 ulp = 6e-8 relative; WGSL allows a few ulp for exp/log/pow) and sums of at most a
 * few dozen terms when a broadcast is undone, so the GPU's error stays below ~1e-5 for gradients of
 * size ~1, while a wrong rule (a missing factor, a sign, an unsummed broadcast dimension) is off by
 * O(0.1-1). The graph is built inside tidy(), so its intermediates are already disposed when
 * backward() runs; afterwards the pool must hold exactly what it held before (no leaked buffers).
 */
export async function checkGradients(c: GradCheck): Promise<void> {
  const rt = await testRuntime();
  const baseline = rt.pool.counters.inUseCount;
  const needs = c.requiresGrad ?? c.inputs.map(() => true);
  const xs = c.inputs.map((h, i) => toGpu(h).setRequiresGrad(needs[i]));
  const expected = c.cpu(c.inputs);
  const w = randHost(expected.shape, c.seed ?? 99, -1, 1);
  const wt = toGpu(w);
  const [out, loss] = tidy(() => {
    const y = c.gpu(xs);
    return [y, sum(mul(y, wt))];
  });
  assert.equal([...out.shape], expected.shape, `${c.name}: output shape`);
  loss.backward();
  assertClose(await out.data(), expected.data, c.forwardTol ?? { atol: 1e-5, rtol: 1e-5 }, `${c.name} forward`);

  // L as a function of input k alone, the others held at their values.
  const objective = (k: number) => (data: Float64Array): number =>
    dot(c.cpu(c.inputs.map((h, i) => (i === k ? { shape: h.shape, data } : h))).data, w.data);
  const numeric = c.inputs.map((h, k) => finiteDifferences(objective(k), h.data));
  for (let i = 0; i < xs.length; i++) {
    const g = xs[i].grad;
    if (!needs[i]) {
      assert.is(g, null, `${c.name}: input ${i} does not require grad and must get none`);
      continue;
    }
    assert.ok(g, `${c.name}: input ${i} got no gradient`);
    assert.equal([...g.shape], c.inputs[i].shape, `${c.name}: gradient ${i} shape`);
    assertClose(await g.data(), numeric[i], c.gradTol ?? { atol: 1e-4, rtol: 1e-4 }, `${c.name} d/dx${i}`);
  }
  for (const t of [out, loss, wt, ...xs]) {
    t.grad?.dispose();
    t.dispose();
  }
  assert.is(rt.pool.counters.inUseCount, baseline, `${c.name}: buffers still in use after backward and dispose`);
}

// ---- random shapes ---------------------------------------------------------------------------------

/** Dimension sizes that are not multiples of anything a kernel tiles by, plus 1 (broadcast) dims. */
const ODD_DIMS = [1, 1, 2, 3, 5, 7, 13, 17];

/** A random shape of the given rank range, including size-1 and odd dimensions. */
export function randomShape(rng: Rng, minRank = 1, maxRank = 4): number[] {
  const rank = rng.integer(minRank, maxRank);
  return Array.from({ length: rank }, () => ODD_DIMS[rng.integer(0, ODD_DIMS.length - 1)]);
}

/** A shape that broadcasts to `shape`: some dims set to 1, maybe some leading dims dropped. */
export function broadcastableTo(rng: Rng, shape: readonly number[]): number[] {
  const drop = rng.integer(0, shape.length - 1);
  return shape.slice(drop).map((d) => (rng.uniform() < 0.4 ? 1 : d));
}

export { Rng };
