// Dawn's null backend accepts every call and computes nothing: the core refuses its adapter for
// any GPU object (here Dawn's, created directly so that the Node edge's own check is bypassed).
import { create, globals } from 'webgpu';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuError, initWithGpu } from '../../src/gpu/index.ts';

const keep: unknown[] = []; // Dawn frees a collected instance under live objects: hold it

test("initWithGpu refuses Dawn's null backend with a message that says what to choose", async () => {
  Object.assign(globalThis, globals);
  const gpu = create(['backend=null']) as unknown as GPU;
  keep.push(gpu);
  try {
    await initWithGpu(gpu);
    assert.unreachable('the null backend must be refused');
  } catch (e) {
    assert.instance(e, GpuError);
    assert.match((e as Error).message, /null backend, which runs no GPU work.*Choose a real backend/);
  }
});

test.run();
