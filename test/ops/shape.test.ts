// Shape ops (src/ops/shape.ts): reshape, expand, permute, transpose, slice and concat along each
// axis. They only move values, so forward results must equal the reference exactly; gradients are
// checked against finite differences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, expand, permute, reshape, slice, transpose } from '../../src/ops/index.ts';
import { ShapeError, type Tensor } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';
import {
  assertClose, checkGradients, cpuConcat, cpuExpand, cpuPermute, cpuSlice, randHost, randomShape, Rng, thrown,
  toGpu, type Host,
} from '../helpers.ts';

await testRuntime();

/** Copies are exact. */
const EXACT = { atol: 0, rtol: 0 };

async function same(t: Tensor, want: Host, what: string): Promise<void> {
  assert.equal([...t.shape], want.shape, `${what}: shape`);
  assertClose(await t.data(), want.data, EXACT, what);
  t.dispose();
}

test('reshape keeps the row-major order; -1 is inferred; bad sizes throw ShapeError', async () => {
  const x = randHost([2, 3, 5], 1);
  const gx = toGpu(x);
  await same(reshape(gx, [5, 6]), { shape: [5, 6], data: x.data }, 'reshape [5, 6]');
  await same(reshape(gx, [-1, 3]), { shape: [10, 3], data: x.data }, 'reshape [-1, 3]');
  await same(reshape(gx, [30, 1, 1]), { shape: [30, 1, 1], data: x.data }, 'reshape [30, 1, 1]');
  assert.instance(thrown(() => reshape(gx, [4, 8]), 'reshape to 32 elements'), ShapeError);
  assert.instance(thrown(() => reshape(gx, [-1, 7]), 'reshape -1 not dividing'), ShapeError);
  gx.dispose();
});

test('expand repeats size-1 and missing leading dims', async () => {
  const cases: [number[], number[]][] = [
    [[1], [7]],
    [[3, 1], [3, 5]],
    [[1, 4], [2, 3, 4]],
    [[2, 1, 3], [4, 2, 5, 3]],
    [[], [2, 3]],
  ];
  for (const [from, to] of cases) {
    const x = randHost(from, 2);
    const gx = toGpu(x);
    await same(expand(gx, to), cpuExpand(x, to), `expand [${from}] to [${to}]`);
    gx.dispose();
  }
  const gx = toGpu(randHost([2, 3], 3));
  assert.instance(thrown(() => expand(gx, [2, 4]), 'expand 3 to 4'), ShapeError);
  assert.instance(thrown(() => expand(gx, [3]), 'expand to a lower rank'), ShapeError);
  gx.dispose();
});

test('permute by random permutations of random shapes; transpose swaps the last two dims', async () => {
  const rng = new Rng(31);
  for (let k = 0; k < 8; k++) {
    const shape = randomShape(rng, 2, 5);
    const x = randHost(shape, 40 + k);
    const gx = toGpu(x);
    const order = rng.permutation(shape.length);
    await same(permute(gx, order), cpuPermute(x, order), `permute [${shape}] by [${order}]`);
    const swap = [...shape.keys()];
    [swap[shape.length - 2], swap[shape.length - 1]] = [swap[shape.length - 1], swap[shape.length - 2]];
    await same(transpose(gx), cpuPermute(x, swap), `transpose [${shape}]`);
    gx.dispose();
  }
  const gx = toGpu(randHost([2, 3], 3));
  assert.instance(thrown(() => permute(gx, [0, 0]), 'permute [0, 0]'), ShapeError);
  assert.instance(thrown(() => permute(gx, [1, 0, 2]), 'permute of the wrong length'), ShapeError);
  gx.dispose();
  const v = toGpu(randHost([4], 3));
  assert.instance(thrown(() => transpose(v), 'transpose of a vector'), ShapeError);
  v.dispose();
});

test('slice along each axis, incl. negative axes, empty and full ranges', async () => {
  const shape = [5, 7, 3, 2];
  const x = randHost(shape, 50);
  const gx = toGpu(x);
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis];
    for (const [start, end] of [[0, n], [1, n], [0, 1], [n - 1, n], [Math.floor(n / 2), n - 1 || n]]) {
      const want = cpuSlice(x, axis, start, end);
      await same(slice(gx, axis, start, end), want, `slice axis ${axis} [${start}, ${end})`);
      await same(slice(gx, axis - shape.length, start, end), want, `slice axis ${axis - shape.length} [${start}, ${end})`);
    }
  }
  const empty = slice(gx, 1, 3, 3);
  assert.equal([...empty.shape], [5, 0, 3, 2]);
  empty.dispose();
  assert.instance(thrown(() => slice(gx, 1, 2, 8), 'slice past the end'), ShapeError);
  assert.instance(thrown(() => slice(gx, 4, 0, 1), 'slice axis 4'), ShapeError);
  gx.dispose();
});

test('concat along each axis of tensors with different sizes on that axis', async () => {
  const base = [3, 4, 2];
  for (let axis = 0; axis < base.length; axis++) {
    const parts = [1, 3, 2].map((len, i) => randHost(base.map((d, a) => (a === axis ? len : d)), 60 + axis * 3 + i));
    const gs = parts.map(toGpu);
    await same(concat(gs, axis), cpuConcat(parts, axis), `concat along ${axis}`);
    await same(concat(gs, axis - 3), cpuConcat(parts, axis), `concat along ${axis - 3}`);
    await same(concat([gs[1]], axis), parts[1], `concat of one tensor along ${axis}`);
    gs.forEach((g) => g.dispose());
  }
  const a = toGpu(randHost([2, 3], 1));
  const b = toGpu(randHost([2, 4], 2));
  assert.instance(thrown(() => concat([a, b], 0), 'concat [2,3] and [2,4] along 0'), ShapeError);
  assert.instance(thrown(() => concat([], 0), 'concat of nothing'), ShapeError);
  a.dispose();
  b.dispose();
});

// ---- backward -------------------------------------------------------------------------------------

test('grad: reshape, expand, permute, transpose', async () => {
  const x = randHost([2, 3, 4], 70);
  await checkGradients({ name: 'reshape', gpu: ([t]) => reshape(t, [4, -1]), cpu: ([h]) => ({ shape: [4, 6], data: h.data }), inputs: [x] });
  await checkGradients({ name: 'permute [2,0,1]', gpu: ([t]) => permute(t, [2, 0, 1]), cpu: ([h]) => cpuPermute(h, [2, 0, 1]), inputs: [x] });
  await checkGradients({ name: 'transpose', gpu: ([t]) => transpose(t), cpu: ([h]) => cpuPermute(h, [0, 2, 1]), inputs: [x] });
  const y = randHost([3, 1], 71);
  await checkGradients({ name: 'expand [3,1] to [2,3,5]', gpu: ([t]) => expand(t, [2, 3, 5]), cpu: ([h]) => cpuExpand(h, [2, 3, 5]), inputs: [y] });
});

test('grad: slice and concat along each axis', async () => {
  const x = randHost([4, 3, 5], 80);
  for (let axis = 0; axis < 3; axis++) {
    const n = x.shape[axis];
    await checkGradients({
      name: `slice axis ${axis} [1, ${n - 1})`,
      gpu: ([t]) => slice(t, axis, 1, n - 1),
      cpu: ([h]) => cpuSlice(h, axis, 1, n - 1),
      inputs: [x],
    });
    const parts = [2, 1].map((len, i) => randHost([3, 2, 2].map((d, a) => (a === axis ? len : d)), 90 + axis * 2 + i));
    await checkGradients({ name: `concat axis ${axis}`, gpu: (ts) => concat(ts, axis), cpu: (hs) => cpuConcat(hs, axis), inputs: parts });
    await checkGradients({
      name: `concat axis ${axis}, first part constant`,
      gpu: (ts) => concat(ts, axis),
      cpu: (hs) => cpuConcat(hs, axis),
      inputs: parts,
      requiresGrad: [false, true],
    });
  }
});

test.run();
