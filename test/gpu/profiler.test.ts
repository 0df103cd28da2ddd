// The kernel profiler: every dispatch is counted once under its pipeline, whatever the batching; the
// empty pass that opens each submit (it takes the submit's start-up cost, which used to land on the
// submit's first kernel) is reported apart, never as a kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUBMIT_START_LABEL } from '../../src/gpu/profiler.ts';
import { addScalar, mulScalar } from '../../src/ops/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

test('profiled dispatches are counted once each; the submit start-up is reported apart', async () => {
  const x = tensor(randomArray(1000, 3), [1000], rt);
  await rt.sync();
  rt.scheduler.startProfiling();
  const before = rt.scheduler.stats.dispatches;
  const submitsBefore = rt.scheduler.stats.submits;
  // Three submits: a read in the middle and the final sync each end one.
  for (let i = 0; i < 3; i++) {
    const y = addScalar(mulScalar(x, 2), 1);
    if (i === 1) await y.data();
    y.dispose();
  }
  const kernels = await rt.scheduler.stopProfiling();
  const dispatched = rt.scheduler.stats.dispatches - before;
  assert.ok(rt.scheduler.stats.submits - submitsBefore >= 2, 'several submits');
  assert.is(kernels.reduce((s, k) => s + k.count, 0), dispatched, 'every dispatch counted once');
  assert.ok(kernels.every((k) => k.kernel !== SUBMIT_START_LABEL && k.totalMs >= 0 && Number.isFinite(k.totalMs)));
  const startMs = rt.scheduler.profileSubmitStartMs;
  assert.ok(Number.isFinite(startMs) && startMs >= 0, `submit start-up ${startMs} ms`);
  x.dispose();
});

test.run();
