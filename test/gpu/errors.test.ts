// Failures must be loud and prompt: an invalid shader, a shape mismatch and a buffer over the device
// limit each throw a typed error that says what went wrong; none hangs, none hands back zeros. Every
// wait is raced against a timer so that a hang fails the test instead of blocking the suite.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuDeviceLostError, GpuLimitError, GpuValidationError } from '../../src/gpu/errors.ts';
import { Runtime } from '../../src/gpu/runtime.ts';
import type { KernelSource } from '../../src/gpu/pipelines.ts';
import { add, addScalar, concat, full, matmul, mul, sub } from '../../src/ops/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { ShapeError, Tensor } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';
import { thrown, withTimeout } from '../helpers.ts';

const rt = await testRuntime();
/** Generous for one tiny kernel (a few ms here), short enough that a hang is reported quickly. */
const HANG_MS = 5000;

/** Awaits `p`, which must reject; returns the rejection. */
async function rejection(p: Promise<unknown>, what: string): Promise<unknown> {
  try {
    const value = await withTimeout(p, HANG_MS, what);
    assert.unreachable(`${what}: resolved with ${String(value)} instead of throwing`);
  } catch (e) {
    if (e instanceof assert.Assertion) throw e;
    return e;
  }
  return undefined;
}

async function assertStillWorks(): Promise<void> {
  // The device survives a validation error: later work runs and reads back correctly.
  const t = addScalar(full([5], 2), 1);
  assert.equal(Array.from(await withTimeout(t.data(), HANG_MS, 'work after an error')), [3, 3, 3, 3, 3]);
  t.dispose();
}

const SYNTAX_ERROR: KernelSource = {
  name: 'broken_syntax',
  code: `@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  out[gid.x] = 1.0 +;   // not WGSL
}`,
};

const TYPE_ERROR: KernelSource = {
  name: 'broken_types',
  code: `@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let x: u32 = 1.5;     // an f32 into a u32
  out[gid.x] = f32(x);
}`,
};

for (const kernel of [SYNTAX_ERROR, TYPE_ERROR]) {
  test(`an invalid shader (${kernel.name}) throws GpuValidationError naming the kernel on read, never zeros`, async () => {
    const out = tensor([7, 7, 7, 7], [4]);
    rt.run(kernel, { buffers: [out.binding()], workgroups: [1] });
    const e = await rejection(out.data(), `read after ${kernel.name}`);
    assert.instance(e, GpuValidationError);
    const err = e as GpuValidationError;
    assert.ok(err.message.includes(kernel.name), `the message names the kernel: ${err.message}`);
    assert.ok(err.kernel.includes(kernel.name), `kernel field: ${err.kernel}`);
    assert.ok(err.dawnMessage.length > 0, 'carries Dawn’s message');

    // Running it again (the broken pipeline is now cached) still fails, through sync() too.
    rt.run(kernel, { buffers: [out.binding()], workgroups: [1] });
    const again = await rejection(rt.sync(), `sync after ${kernel.name} again`);
    assert.instance(again, GpuValidationError);
    assert.ok((again as Error).message.includes(kernel.name), `second message names the kernel: ${(again as Error).message}`);

    out.dispose();
    await assertStillWorks();
  });
}

test('shape mismatches throw ShapeError synchronously, before any GPU work is recorded', () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tensor([1, 2, 3, 4], [4]);
  const c = tensor(new Array(20).fill(1), [4, 5]);
  const dispatches = rt.scheduler.stats.dispatches;
  const cases: [string, () => unknown][] = [
    ['add [2,3] + [4]', () => add(a, b)],
    ['sub [4] - [2,3]', () => sub(b, a)],
    ['mul [2,3] * [4,5]', () => mul(a, c)],
    ['matmul [2,3] x [4,5]', () => matmul(a, c)],
    ['matmul of a vector', () => matmul(b, c)],
    ['concat [2,3] and [4,5] along 0', () => concat([a, c], 0)],
    ['tensor with 6 values for [4]', () => tensor([1, 2, 3, 4, 5, 6], [4])],
    ['a negative dimension', () => Tensor.empty([2, -1])],
  ];
  for (const [what, fn] of cases) {
    const e = thrown(fn, what);
    assert.instance(e, ShapeError, what);
    assert.ok((e as Error).message.length > 10, `${what}: says why`);
  }
  assert.ok((thrown(() => add(a, b), 'add') as Error).message.includes('[2, 3]'), 'the message shows the shapes');
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'nothing was dispatched');
  for (const t of [a, b, c]) t.dispose();
});

test('a tensor over the device buffer limit throws GpuLimitError up front; the limit itself is fine', async () => {
  const maxBytes = Math.min(rt.limits.maxStorageBufferBindingSize, rt.limits.maxBufferSize);
  const before = { ...rt.pool.counters };
  const overElements = maxBytes / 4 + 1024;
  for (const [what, fn] of [
    ['Tensor.empty', () => Tensor.empty([overElements])],
    ['full', () => full([2, overElements / 2], 0)],
    ['Tensor.empty of a huge 4-D shape', () => Tensor.empty([1024, 1024, 1024, 16])],
  ] as [string, () => unknown][]) {
    const e = thrown(fn, what);
    assert.instance(e, GpuLimitError, what);
    assert.match((e as Error).message, /exceeds this device's largest buffer/, `${what}: says what happened`);
    assert.match((e as Error).message, new RegExp(String(maxBytes)), `${what}: names the limit`);
  }
  assert.equal({ ...rt.pool.counters }, before, 'a refused request leaves the pool untouched');

  // Exactly at the limit is allowed (never run: creating the buffer is enough and costs no memory
  // until used), and the pool gets the full size.
  const atLimit = Tensor.empty([maxBytes / 4]);
  assert.ok(atLimit.buffer.size >= maxBytes, `buffer of ${atLimit.buffer.size} bytes`);
  atLimit.dispose();
  await withTimeout(rt.sync(), HANG_MS, 'sync after the limit test');
  rt.pool.trim(); // do not keep a 128 MB buffer around for the rest of the suite
});

test('more workgroups than the device allows per dimension throw GpuLimitError', () => {
  const t = Tensor.empty([4]);
  const kernel: KernelSource = { name: 'never_compiled', code: 'this is not compiled: the limit check comes first' };
  const e = thrown(() => rt.run(kernel, { buffers: [t.binding()], workgroups: [rt.limits.maxComputeWorkgroupsPerDimension + 1] }), 'run');
  assert.instance(e, GpuLimitError);
  assert.ok((e as Error).message.includes('never_compiled'));
  t.dispose();
});

test('using a disposed tensor throws a clear error', () => {
  const t = full([3], 1);
  t.dispose();
  t.dispose(); // idempotent
  assert.throws(() => addScalar(t, 1), /disposed/);
});

test('a lost device turns into GpuDeviceLostError on the next op or read, never a hang', async () => {
  // A second device from the same adapter (and Dawn instance), destroyed while a tensor lives on it.
  const adapter = await rt.gpu!.requestAdapter();
  const device = await adapter!.requestDevice();
  const other = new Runtime(device, rt.adapterInfo, rt.gpu);
  const x = tensor([1, 2, 3], [3], other);
  assert.equal(Array.from(await x.data()), [1, 2, 3]);
  device.destroy();
  const e = await rejection(addScalar(x, 1).data(), 'read after device loss');
  assert.instance(e, GpuDeviceLostError);
  assert.match((e as Error).message, /lost|destroy/i);
  assert.throws(() => addScalar(x, 1), (err: unknown) => err instanceof GpuDeviceLostError);
  await assertStillWorks();
});

test.run();
