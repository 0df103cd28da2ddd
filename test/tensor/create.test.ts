// Tensor creation (src/tensor/create.ts, fills in src/ops/elementwise.ts): host values, constant
// fills, and seeded random tensors whose generator state can be saved and restored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { full, ones, onesLike, zeros, zerosLike } from '../../src/ops/index.ts';
import { randNormal, randUniform, tensor } from '../../src/tensor/create.ts';
import { ShapeError, type Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';
import { thrown } from '../helpers.ts';

await testRuntime();

/** Reads a tensor back and frees it. */
async function take(t: Tensor): Promise<Float32Array> {
  const d = await t.data();
  t.dispose();
  return d;
}

test('tensor(values, shape) round-trips exactly, from number[] and Float32Array', async () => {
  const values = [0, -1.5, 3.25, 1e-20, -7e30, 0.1, 2, 3, 4, 5, 6, 7];
  const t = tensor(values, [3, 1, 4]);
  assert.equal([...t.shape], [3, 1, 4]);
  assert.is(t.size, 12);
  assert.equal(Array.from(await t.data()), Array.from(Float32Array.from(values)));
  const f = Float32Array.from({ length: 1031 }, (_, i) => Math.sin(i) * 100);
  const u = tensor(f);
  assert.equal([...u.shape], [1031], 'the default shape is 1-D');
  assert.equal(await u.data(), f);
  const s = tensor([42], []);
  assert.equal([...s.shape], []);
  assert.is(await s.item(), 42);
  assert.instance(thrown(() => tensor([1, 2, 3], [2, 2]), '3 values for [2, 2]'), ShapeError);
  // item() is async: the error arrives as a rejection.
  const e = await u.item().then(() => null, (err: unknown) => err);
  assert.instance(e, ShapeError, 'item of 1031 elements');
  for (const x of [t, u, s]) x.dispose();
});

test('zeros, ones, full and the *Like variants on odd and size-1 shapes', async () => {
  for (const shape of [[], [1], [7], [3, 1, 5], [2, 1, 1, 257], [65537]]) {
    const n = shape.reduce((p, d) => p * d, 1);
    const z = zeros(shape);
    const o = ones(shape);
    const f = full(shape, -2.75);
    const zl = zerosLike(f);
    const ol = onesLike(z);
    assert.equal([...f.shape], shape);
    assert.equal([...zl.shape], shape);
    for (const [t, v, name] of [[z, 0, 'zeros'], [o, 1, 'ones'], [f, -2.75, 'full'], [zl, 0, 'zerosLike'], [ol, 1, 'onesLike']] as const) {
      const d = await t.data();
      assert.is(d.length, n, `${name} [${shape}] length`);
      assert.ok(d.every((x) => x === v), `${name} [${shape}] is all ${v}`);
    }
    for (const t of [z, o, f, zl, ol]) t.dispose();
  }
});

test('a pooled buffer is overwritten by the next fill (no stale values from a previous tensor)', async () => {
  const a = full([100], 9);
  await a.data();
  a.dispose();
  const b = zeros([100]); // likely the same pooled buffer
  assert.ok((await b.data()).every((v) => v === 0));
  b.dispose();
});

test('randUniform / randNormal: the same seed gives the same values, another seed others', async () => {
  const shape = [4, 33];
  const u1 = await take(randUniform(shape, new Rng(5), -2, 3));
  const u2 = await take(randUniform(shape, new Rng(5), -2, 3));
  const u3 = await take(randUniform(shape, new Rng(6), -2, 3));
  assert.equal(u1, u2);
  assert.not.equal(u1, u3);
  assert.ok(u1.every((v) => v >= -2 && v < 3), 'uniform within [low, high)');
  const n1 = await take(randNormal(shape, new Rng(5), 1, 2));
  const n2 = await take(randNormal(shape, new Rng(5), 1, 2));
  const n3 = await take(randNormal(shape, new Rng(7), 1, 2));
  assert.equal(n1, n2);
  assert.not.equal(n1, n3);
  // The values are the generator's own draws: the host sequence and the tensor agree.
  const host = new Rng(5);
  assert.equal(u1, Float32Array.from({ length: u1.length }, () => host.range(-2, 3)));
});

test('Rng state()/restore() mid-stream (after an odd number of normals) reproduces the rest exactly', async () => {
  const rng = new Rng(11);
  randUniform([10], rng).dispose();
  // 7 normals: Box-Muller makes pairs; the generator drops the second, so no deviate is pending and
  // the four numbers of the state are all there is to save.
  randNormal([7], rng).dispose();
  const saved = rng.state();
  assert.is(saved.length, 4);
  const a = await take(randNormal([9], rng, 0, 1));
  const b = await take(randUniform([5], rng));
  const restored = Rng.fromState(JSON.parse(JSON.stringify(saved)));
  assert.equal(await take(randNormal([9], restored, 0, 1)), a);
  assert.equal(await take(randUniform([5], restored)), b);
  rng.restore(saved);
  assert.equal(await take(randNormal([9], rng, 0, 1)), a);
});

test('randNormal has the requested mean and standard deviation; randUniform the right mean', async () => {
  const n = 40_000;
  const mu = 2;
  const sigma = 3;
  const d = await take(randNormal([200, 200], new Rng(99), mu, sigma));
  let s = 0;
  let s2 = 0;
  for (const v of d) {
    s += v;
    s2 += v * v;
  }
  const m = s / n;
  const sd = Math.sqrt(s2 / n - m * m);
  // Standard errors: sigma / sqrt(n) = 0.015 for the mean, ~sigma / sqrt(2n) = 0.011 for the std;
  // 5 standard errors is a check that fails for a wrong scale or shift, not by chance.
  assert.ok(Math.abs(m - mu) < (5 * sigma) / Math.sqrt(n), `mean ${m}`);
  assert.ok(Math.abs(sd - sigma) < (5 * sigma) / Math.sqrt(2 * n), `std ${sd}`);
  // Tails: about 4.55% of normal draws lie beyond 2 sigma.
  const tail = d.filter((v) => Math.abs(v - mu) > 2 * sigma).length / n;
  assert.ok(Math.abs(tail - 0.0455) < 0.005, `fraction beyond 2 sigma ${tail}`);
  const u = await take(randUniform([n], new Rng(98), 10, 12));
  const um = u.reduce((p, v) => p + v, 0) / n;
  // Uniform on [10, 12): std 2/sqrt(12) = 0.577, standard error 0.0029.
  assert.ok(Math.abs(um - 11) < 0.015, `uniform mean ${um}`);
});

test('empty tensors: creation, fill and read-back of zero elements', async () => {
  const e = zeros([3, 0]);
  assert.is(e.size, 0);
  assert.is((await e.data()).length, 0);
  const t = tensor([], [0, 4]);
  assert.is((await t.data()).length, 0);
  e.dispose();
  t.dispose();
});

test.run();
