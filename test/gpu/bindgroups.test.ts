// The bind group cache: a repeated loop reuses its bind groups instead of creating new ones, and a
// pool trim (which destroys buffers) drops them, so no dispatch ever names a destroyed buffer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addScalar, matmul, mulScalar, relu, sum } from '../../src/ops/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { tidy } from '../../src/tensor/scope.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { referenceNet } from '../../src/space/reference.ts';
import { randUniform } from '../../src/tensor/create.ts';
import { Sgd, sgdStep } from '../../src/train/index.ts';
import { Rng } from '../../src/util/rng.ts';

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

test('every SGD step of a real network after the first few finds all its bind groups in the cache', async () => {
  // A network with branches, BatchNorm, residual adds and a tape that frees temporaries in its own
  // order: with last-released-first reuse the pool permuted the buffers every step and most bind
  // groups were created anew; with oldest-first (buffers.ts) a step repeats the previous one.
  const net = referenceNet(rt);
  const x = randUniform([4, 1, 28, 28], new Rng(3), 0, 1, rt);
  const labels = Int32Array.from([0, 1, 2, 3]);
  const sgd = new Sgd(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const cache = rt.scheduler.bindGroups;
  for (let i = 0; i < 4; i++) {
    sgdStep(net, sgd, x, labels).dispose();
    await rt.sync();
  }
  const created = cache.stats.created;
  const dispatches = rt.scheduler.stats.dispatches;
  const hits = cache.stats.hits;
  for (let i = 0; i < 3; i++) {
    sgdStep(net, sgd, x, labels).dispose();
    await rt.sync();
  }
  assert.is(cache.stats.created - created, 0, 'bind groups created in steady steps');
  assert.is(cache.stats.hits - hits, rt.scheduler.stats.dispatches - dispatches, 'every dispatch found its bind group');
  x.dispose();
  sgd.dispose();
  net.dispose();
});

test.run();
