// sum and mean over axes (src/ops/reduce.ts): every subset of axes incl. negative ones and keepdim,
// reductions longer than 65536 elements (two passes), and their gradients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mean, sum } from '../../src/ops/index.ts';
import { ShapeError } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';
import {
  checkGradients, cpuSum, cpuUnary, F32_U, randHost, randomShape, Rng, sizeOf, thrown, toGpu, type Host,
} from '../helpers.ts';

await testRuntime();

/**
 * Summing n f32 terms in any order errs by at most (n - 1) u sum|x_i| (Higham's bound for recursive
 * summation, which also covers the chunked two-pass order), and mean's final scaling adds one rounding.
 * Checked per output element with that element's own sum of |x|.
 */
function assertReduced(got: Float32Array, x: Host, expected: Host, axes: number[] | undefined, scale: number, what: string): void {
  const absSum = cpuSum(cpuUnary(x, Math.abs), axes, true, scale).data;
  const count = x.data.length / Math.max(1, expected.data.length);
  assert.is(got.length, expected.data.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const bound = count * F32_U * absSum[i] + F32_U * Math.abs(expected.data[i]) + 1e-30;
    const err = Math.abs(got[i] - expected.data[i]);
    if (!(err <= bound)) assert.unreachable(`${what}: element ${i}: got ${got[i]}, want ${expected.data[i]} (|err| ${err} > ${bound})`);
  }
}

/** Every subset of the axes of a rank-r shape, written with a mix of positive and negative axes. */
function axisSubsets(rank: number, rng: Rng): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << rank; mask++) {
    const axes: number[] = [];
    for (let d = 0; d < rank; d++) if (mask & (1 << d)) axes.push(rng.uniform() < 0.5 ? d - rank : d);
    out.push(axes);
  }
  return out;
}

test('sum and mean over every subset of axes, with and without keepdim, on random shapes', async () => {
  const rng = new Rng(21);
  for (let k = 0; k < 6; k++) {
    const shape = randomShape(rng, 1, 4);
    const x = randHost(shape, 1000 + k, -2, 2);
    const gx = toGpu(x);
    for (const axes of [undefined, ...axisSubsets(shape.length, rng)]) {
      const count = axes === undefined ? x.data.length : axes.reduce((p, a) => p * shape[a < 0 ? a + shape.length : a], 1);
      for (const keepdim of [false, true]) {
        const what = `[${shape}] axes ${axes === undefined ? 'all' : `[${axes}]`} keepdim ${keepdim}`;
        const s = sum(gx, axes, keepdim);
        const m = mean(gx, axes, keepdim);
        const want = cpuSum(x, axes, keepdim);
        const wantMean = cpuSum(x, axes, keepdim, 1 / count);
        assert.equal([...s.shape], want.shape, `sum ${what}: shape`);
        assert.equal([...m.shape], want.shape, `mean ${what}: shape`);
        assertReduced(await s.data(), x, want, axes, 1, `sum ${what}`);
        assertReduced(await m.data(), x, wantMean, axes, 1 / count, `mean ${what}`);
        s.dispose();
        m.dispose();
      }
    }
    gx.dispose();
  }
});

test('sum over all axes of a scalar-like [1, 1] and keepdim shapes', async () => {
  const x = randHost([1, 1], 5);
  const gx = toGpu(x);
  const s = sum(gx);
  assert.equal([...s.shape], []);
  assert.is(await s.item(), Math.fround(x.data[0]));
  const k = sum(gx, undefined, true);
  assert.equal([...k.shape], [1, 1]);
  for (const t of [gx, s, k]) t.dispose();
});

test('long reductions (> 65536 elements) in two passes are exact to f32 rounding', async () => {
  // Values in [0.5, 1.5): every term moves the total by >= 0.5, so a dropped or doubled element (or
  // chunk) fails by far more than the rounding bound (<= n u sum|x|, and ~0.01 in practice).
  const cases: [number[], number[] | undefined][] = [
    [[300, 347], undefined], // 104100 elements, all axes
    [[3, 70001], [1]], // long middle axis, little parallelism outside it: two passes
    [[2_000_003], [0]], // > 2048 chunks of 512: the partial sums themselves take two passes
    [[70001, 5], [0]], // long outer-most axis with an inner one
  ];
  for (const [shape, axes] of cases) {
    const x = randHost(shape, sizeOf(shape), 0.5, 1.5);
    const gx = toGpu(x);
    const s = sum(gx, axes);
    const m = mean(gx, axes);
    const count = axes === undefined ? x.data.length : shape[axes[0]];
    assertReduced(await s.data(), x, cpuSum(x, axes, false), axes, 1, `sum [${shape}]`);
    assertReduced(await m.data(), x, cpuSum(x, axes, false, 1 / count), axes, 1 / count, `mean [${shape}]`);
    // A check that does not lean on the bound: the result is within 0.25 of the float64 sum, less
    // than half the smallest term.
    const total = cpuSum(x, axes, false).data;
    const got = await s.data();
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - total[i]) < 0.25, `sum [${shape}] [${i}]: ${got[i]} vs ${total[i]}`);
    for (const t of [gx, s, m]) t.dispose();
  }
});

test('reduce errors: an axis out of range throws ShapeError', () => {
  const gx = toGpu(randHost([2, 3], 1));
  assert.instance(thrown(() => sum(gx, 2), 'sum axis 2'), ShapeError);
  assert.instance(thrown(() => mean(gx, -3), 'mean axis -3'), ShapeError);
  gx.dispose();
});

test('grad: sum and mean over axes, keepdim or not', async () => {
  const cases: [number[], number[] | undefined, boolean][] = [
    [[3, 4], undefined, false],
    [[2, 3, 4], [0, 2], false],
    [[2, 3, 4], [1], true],
    [[2, 1, 5], [-1], false],
    [[4, 1, 3], [-3, -2], true],
  ];
  for (const [k, [shape, axes, keepdim]] of cases.entries()) {
    const x = randHost(shape, 1100 + k, -2, 2);
    const count = axes === undefined ? x.data.length : axes.reduce((p, a) => p * shape[a < 0 ? a + shape.length : a], 1);
    const what = `[${shape}] axes ${axes ?? 'all'} keepdim ${keepdim}`;
    await checkGradients({ name: `sum ${what}`, gpu: ([t]) => sum(t, axes, keepdim), cpu: ([h]) => cpuSum(h, axes, keepdim), inputs: [x] });
    await checkGradients({ name: `mean ${what}`, gpu: ([t]) => mean(t, axes, keepdim), cpu: ([h]) => cpuSum(h, axes, keepdim, 1 / count), inputs: [x] });
  }
});

test('grad: a long mean (two-pass forward) spreads 1/n to every element', async () => {
  const n = 70001;
  const x = toGpu(randHost([n], 3)).setRequiresGrad();
  const y = mean(x);
  y.backward();
  const g = await x.grad!.data();
  const want = Math.fround(1 / n);
  assert.ok(g.every((v) => v === want), 'every element gets exactly 1/n');
  for (const t of [x.grad!, x, y]) t.dispose();
});

test.run();
