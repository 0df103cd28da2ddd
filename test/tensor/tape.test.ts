// The tape (src/tensor/tape.ts, tensor.ts, scope.ts): accumulation, given output gradients,
// noGrad, detach, requiresGrad, values used twice, retainGraph, tidy() before backward, and that the
// tape's saved buffers go back to the pool.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, exp, mul, mulScalar, relu, square, sum } from '../../src/ops/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad, tidy } from '../../src/tensor/scope.ts';
import { ShapeError, type Tensor } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';
import { assertClose, thrown } from '../helpers.ts';

const rt = await testRuntime();

const X = [0.5, -1.25, 2, 0.75, -0.5, 1.5];
/** Closed-form gradients below are a few f32 roundings of values ~10 at most. */
const TOL = { atol: 1e-5, rtol: 1e-5 };

const leaf = (values: number[] = X, shape: number[] = [2, 3]): Tensor => tensor(values, shape).setRequiresGrad();

function disposeAll(...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) {
    t?.grad?.dispose();
    t?.dispose();
  }
}

test('backward on a scalar fills the leaf gradient (d sum(x^2) = 2x)', async () => {
  const x = leaf();
  const y = tidy(() => sum(square(x)));
  y.backward();
  assertClose(await x.grad!.data(), X.map((v) => 2 * v), TOL, 'grad');
  disposeAll(x, y);
});

test('gradients accumulate across two backward() calls, as in PyTorch', async () => {
  const x = leaf();
  const y1 = tidy(() => sum(mul(x, x)));
  y1.backward();
  const y2 = tidy(() => sum(mulScalar(x, 3)));
  y2.backward();
  assertClose(await x.grad!.data(), X.map((v) => 2 * v + 3), TOL, 'accumulated grad');
  disposeAll(x, y1, y2);
});

test('backward with a given output gradient (a vector-Jacobian product)', async () => {
  const x = leaf();
  const c = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const g = tensor([0.5, -1, 2, 0, 1, -3], [2, 3]);
  const y = mul(x, c);
  y.backward(g);
  assertClose(await x.grad!.data(), [0.5, -2, 6, 0, 5, -18], TOL, 'x.grad = g * c');
  // The given gradient must keep its values and stay usable: backward only aliased it.
  assertClose(await g.data(), [0.5, -1, 2, 0, 1, -3], { atol: 0, rtol: 0 }, 'g untouched');
  disposeAll(x, c, g, y);
});

test('backward without a gradient needs a scalar; a gradient of the wrong shape throws ShapeError', () => {
  const x = leaf();
  const y = mulScalar(x, 2);
  assert.instance(thrown(() => y.backward(), 'backward on [2, 3]'), ShapeError);
  const wrong = tensor([1, 2, 3], [3]);
  assert.instance(thrown(() => y.backward(wrong), 'backward with a [3] gradient'), ShapeError);
  disposeAll(x, y, wrong);
});

test('noGrad records no tape; backward on its result throws', () => {
  const x = leaf();
  const y = noGrad(() => mul(x, x));
  assert.is(y.requiresGrad, false);
  assert.is(y.node, null);
  assert.ok(thrown(() => sum(y).backward(), 'backward through noGrad') instanceof Error);
  // The switch is restored afterwards, also when fn throws.
  assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
  const z = mul(x, x);
  assert.is(z.requiresGrad, true);
  disposeAll(x, y, z);
});

test('detach cuts the tape: d(x * detach(x))/dx = x, not 2x', async () => {
  const x = leaf();
  const d = x.detach();
  assert.is(d.requiresGrad, false);
  assert.is(d.node, null);
  const y = tidy(() => sum(mul(x, d)));
  y.backward();
  assertClose(await x.grad!.data(), X, TOL, 'grad');
  assert.is(d.grad, null);
  disposeAll(x, d, y);
});

test('inputs without requiresGrad get no gradient, and a graph of constants has no tape', async () => {
  const x = leaf();
  const c = tensor(X, [2, 3]);
  const y = tidy(() => sum(mul(exp(c), x)));
  y.backward();
  assert.is(c.grad, null);
  assertClose(await x.grad!.data(), X.map(Math.exp), TOL, 'x.grad = exp(c)');
  const k = mul(c, c);
  assert.is(k.requiresGrad, false);
  assert.is(k.node, null);
  disposeAll(x, c, y, k);
});

test('a value used twice sums both paths: x*x gives 2x, add(x, x) gives 2, and a diamond', async () => {
  const x = leaf();
  const y = tidy(() => sum(mul(x, x)));
  y.backward();
  assertClose(await x.grad!.data(), X.map((v) => 2 * v), TOL, 'x*x');
  x.grad!.dispose();
  x.grad = null;

  const z = tidy(() => sum(add(x, x)));
  z.backward();
  assertClose(await x.grad!.data(), X.map(() => 2), TOL, 'add(x, x)');
  x.grad!.dispose();
  x.grad = null;

  // h = relu(x) used by two branches that meet again: d sum(h*3 + h*h) = (3 + 2h) [x > 0]
  const w = tidy(() => {
    const h = relu(x);
    return sum(add(mulScalar(h, 3), mul(h, h)));
  });
  w.backward();
  assertClose(await x.grad!.data(), X.map((v) => (v > 0 ? 3 + 2 * v : 0)), TOL, 'diamond');
  disposeAll(x, y, z, w);
});

test('retainGraph lets backward run twice; without it the second run throws', async () => {
  const x = leaf();
  const y = tidy(() => sum(mul(x, exp(x))));
  y.backward(undefined, { retainGraph: true });
  y.backward();
  // d (x e^x) = (1 + x) e^x, accumulated twice.
  assertClose(await x.grad!.data(), X.map((v) => 2 * (1 + v) * Math.exp(v)), TOL, 'twice');
  assert.throws(() => y.backward(), /second time|retainGraph/);
  disposeAll(x, y);
});

test('intermediates disposed by tidy() before backward still give correct gradients', async () => {
  // The regression: dispose() used to drop the tape node, so backward stopped at the first disposed
  // intermediate and left the leaf without a gradient (or with a partial one).
  const x = leaf();
  const y = tidy(() => {
    const a = exp(x);
    const b = mul(a, a); // e^{2x}
    const c = add(b, mulScalar(a, 2));
    return sum(c);
  });
  // Every intermediate is gone: only y survives the scope.
  y.backward();
  assertClose(await x.grad!.data(), X.map((v) => 2 * Math.exp(2 * v) + 2 * Math.exp(v)), { atol: 1e-4, rtol: 1e-5 }, 'grad');
  disposeAll(x, y);
});

test('intermediates disposed one by one (outside tidy) before backward', async () => {
  const x = leaf();
  const a = square(x);
  const b = mulScalar(a, 0.5);
  const y = sum(b);
  a.dispose();
  b.dispose();
  assert.ok(a.disposed && b.disposed);
  y.backward();
  assertClose(await x.grad!.data(), X, TOL, 'd sum(x^2 / 2) = x');
  disposeAll(x, y);
});

test('after backward the tape frees what it saved: the pool is back at its baseline', async () => {
  const x = leaf();
  await rt.sync();
  const baseline = rt.pool.counters.inUseCount;
  const y = tidy(() => sum(mul(exp(x), relu(x))));
  assert.ok(rt.pool.counters.inUseCount > baseline + 1, 'the tape holds saved tensors before backward');
  y.backward();
  const grad = x.grad!;
  // What remains: y itself and x.grad.
  assert.is(rt.pool.counters.inUseCount, baseline + 2, 'after backward only y and x.grad hold buffers');
  y.dispose();
  grad.dispose();
  x.grad = null;
  assert.is(rt.pool.counters.inUseCount, baseline, 'all released');
  x.dispose();
});

test('a graph dropped without backward releases its saved tensors when its output is disposed', () => {
  const x = leaf();
  const baseline = rt.pool.counters.inUseCount;
  const y = tidy(() => sum(mul(exp(x), mul(x, x))));
  assert.ok(rt.pool.counters.inUseCount > baseline + 1);
  y.dispose();
  assert.is(rt.pool.counters.inUseCount, baseline);
  x.dispose();
});

test.run();
