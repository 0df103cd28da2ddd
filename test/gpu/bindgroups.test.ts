// The bind group cache: a repeated loop reuses its bind groups instead of creating new ones, and a
// pool trim (which destroys buffers) drops them, so no dispatch ever names a destroyed buffer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addScalar, matmul, mulScalar, relu, sum } from '../../src/ops/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { tidy } from '../../src/tensor/scope.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

async function step(x: ReturnType<typeof tensor>, w: ReturnType<typeof tensor>): Promise<number> {
  const loss = tidy(() => sum(relu(addScalar(mulScalar(matmul(x, w), 0.5), 0.1))));
  loss.backward();
  const value = await loss.item();
  loss.dispose();
  w.grad?.dispose();
  w.grad = null;
  return value;
}

test('a repeated step reuses its bind groups; after a pool trim it still computes the same', async () => {
  const x = tensor(randomArray(6 * 5, 1), [6, 5], rt);
  const w = tensor(randomArray(5 * 7, 2), [5, 7], rt).setRequiresGrad();
  const cache = rt.scheduler.bindGroups;
  const first = await step(x, w);
  // The pool's free lists hand buffers out in a different order for the first few steps; after
  // that a step sees the same buffers every time (5 steps here).
  for (let i = 0; i < 10; i++) await step(x, w);
  const created = cache.stats.created;
  const hits = cache.stats.hits;
  for (let i = 0; i < 10; i++) assert.is(await step(x, w), first);
  assert.is(cache.stats.created, created, 'no new bind groups in a steady loop');
  assert.ok(cache.stats.hits > hits, 'bind groups were reused');

  rt.pool.trim(); // destroys every free buffer; cached groups naming them must go
  assert.is(await step(x, w), first);
  await rt.sync(); // a stale group would surface here as a validation error
  x.dispose();
  w.dispose();
});

test.run();
