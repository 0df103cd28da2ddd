// A training loop must run in constant GPU memory and without recompiling: a tiny 2-layer MLP does
// 1000 steps of forward + backward + SGD, and the buffer pool's and pipeline cache's own counters
// must stay flat after a warm-up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sizeClassBytes } from '../../src/gpu/buffers.ts';
import { add, matmul, mean, mulScalar, relu, square, sub, zeros } from '../../src/ops/index.ts';
import { randNormal, randUniform } from '../../src/tensor/create.ts';
import { noGrad, tidy } from '../../src/tensor/scope.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';
import { withTimeout } from '../helpers.ts';

const rt = await testRuntime();

interface Snapshot {
  created: number;
  allocatedBytes: number;
  inUseBytes: number;
  inUseCount: number;
  compiled: number;
}

function snapshot(): Snapshot {
  const c = rt.pool.counters;
  return {
    created: c.created,
    allocatedBytes: c.allocatedBytes,
    inUseBytes: c.inUseBytes,
    inUseCount: c.inUseCount,
    compiled: rt.pipelines.compiled,
  };
}

test('1000 steps of MLP forward + backward + SGD keep pool and pipeline counters flat', async () => {
  const rng = new Rng(2024);
  const batch = 32;
  const x = randUniform([batch, 8], rng, -1, 1);
  // A target the network can fit: a smooth function of the inputs.
  const target = tidy(() => mulScalar(relu(matmul(x, randNormal([8, 4], rng, 0, 0.5))), 2));
  const params = [
    randNormal([8, 16], rng, 0, 0.35),
    zeros([16]),
    randNormal([16, 4], rng, 0, 0.25),
    zeros([4]),
  ].map((p) => p.setRequiresGrad());
  const [w1, b1, w2, b2] = params;
  const lr = 0.1;

  const step = (): Tensor =>
    tidy(() => {
      const hidden = relu(add(matmul(x, w1), b1));
      const out = add(matmul(hidden, w2), b2);
      const loss = mean(square(sub(out, target)));
      loss.backward();
      noGrad(() => {
        for (const p of params) {
          p.assign(sub(p, mulScalar(p.grad!, lr)));
          p.grad!.dispose();
          p.grad = null;
        }
      });
      return loss;
    });

  // Warm-up: compile every pipeline and fill every size class the loop uses.
  let firstLoss = 0;
  for (let i = 0; i < 20; i++) {
    const loss = step();
    if (i === 0) firstLoss = await loss.item();
    loss.dispose();
  }
  await withTimeout(rt.sync(), 10_000, 'warm-up');
  const warm = snapshot();

  let lastLoss = 0;
  for (let i = 20; i < 1000; i++) {
    const loss = step();
    // Everything the step made is gone again: only the loss (one buffer) is left besides what was
    // held before (parameters, data). In particular the tape's saved tensors were released.
    assert.is(rt.pool.counters.inUseCount, warm.inUseCount + 1, `step ${i}: buffers in use`);
    if (i % 100 === 99) {
      lastLoss = await withTimeout(loss.item(), 10_000, `loss at step ${i}`);
      // The loss is one f32 in the smallest size class.
      const held = { inUseCount: warm.inUseCount + 1, inUseBytes: warm.inUseBytes + sizeClassBytes(4) };
      assert.equal(snapshot(), { ...warm, ...held }, `step ${i}`);
    }
    loss.dispose();
  }
  await rt.sync();
  assert.equal(snapshot(), warm, 'after 1000 steps: no new buffers, no new bytes, no recompiles, nothing held');
  // The loop really trained (a loop that did nothing would trivially keep memory flat).
  assert.ok(lastLoss < firstLoss * 0.5, `loss fell from ${firstLoss} to ${lastLoss}`);

  for (const t of [x, target, ...params]) t.dispose();
});

test('the saved tensors of a forward pass return to the pool after backward', async () => {
  const rng = new Rng(3);
  const w = randNormal([8, 8], rng).setRequiresGrad();
  const x = randNormal([5, 8], rng);
  await rt.sync();
  const baseline = snapshot();
  const loss = tidy(() => mean(square(relu(matmul(x, w)))));
  assert.ok(rt.pool.counters.inUseCount > baseline.inUseCount + 1, 'the tape holds tensors before backward');
  loss.backward();
  loss.dispose();
  w.grad!.dispose();
  w.grad = null;
  assert.is(rt.pool.counters.inUseCount, baseline.inUseCount, 'in-use count back at the baseline');
  assert.is(rt.pool.counters.inUseBytes, baseline.inUseBytes, 'in-use bytes back at the baseline');
  for (const t of [w, x]) t.dispose();
});

test.run();
