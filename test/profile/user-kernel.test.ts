// A user's WGSL kernel through the library on the real device: it runs with the bytes it was given
// (its output read back), its time comes from timestamps or the wall clock as asked, its bytes and
// FLOPs are the known work, and Dawn's compile and pipeline errors come back typed, with positions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profileUserKernel, UserKernelError, type UserKernelSpec } from '../../src/profile/index.ts';
import { root } from '../cli/helpers.ts';
import { testRuntime } from '../gpu.ts';

// Big enough (1 MiB per buffer) to take longer than the empty pass or submit taken off each sample.
const N = 1 << 18;
// Quarters in [-100, 65436): a * x + b is exact in f32 for a = 2.5 and b = -1, fused or not.
const X = Float32Array.from({ length: N }, (_, i) => i * 0.25 - 100);
const spec = (change: Partial<UserKernelSpec> = {}): UserKernelSpec => ({
  code: readFileSync(join(root, 'docs', 'examples', 'scale_add.wgsl'), 'utf8'),
  source: 'scale_add.wgsl',
  dispatch: [N / 64, 1, 1],
  buffers: [
    { binding: 0, bytes: 4 * N, init: { kind: 'data', data: new Uint8Array(X.buffer), source: 'x.bin' } },
    { binding: 1, bytes: 4 * N, init: { kind: 'zeros' } },
  ],
  uniforms: [{ binding: 2, values: [N, 2.5, -1] }],
  overrides: { WG: 64 },
  ...change,
});

test('scale_add runs on the given data: output, time, and its known bytes and FLOPs', async () => {
  const rt = await testRuntime();
  for (const timing of ['timestamps', 'wall'] as const) {
    const p = await profileUserKernel(rt.device, spec(), { repeat: 3, timing, flops: 2 * N, save: [1] });
    assert.is(p.timing, timing);
    const y = new Float32Array(p.saved[0].data.buffer);
    assert.is(y.length, N);
    assert.is(y.findIndex((v, i) => v !== 2.5 * X[i] - 1), -1, `${timing}: y = 2.5 x - 1 everywhere`);
    assert.is(p.samplesMs.length, 3);
    assert.ok(p.samplesMs.every((t) => Number.isFinite(t) && t >= 0));
    assert.ok(p.medianMs > 0, `${timing}: ${p.medianMs} ms`);
    assert.ok(p.overheadMs > 0, `${timing}: the measurement's own cost is measured`);
    // The known work: x read (4N), y written (4N), the 12-byte uniform padded to 16; 2 FLOPs each.
    assert.is(p.bytes, 8 * N + 16);
    assert.is(p.bytesFrom, 'buffers');
    assert.is(p.flops, 2 * N);
    assert.ok(Math.abs(p.gflops! - (2 * N) / p.medianMs / 1e6) < 1e-12);
    assert.ok(Math.abs(p.gbps! - (8 * N + 16) / p.medianMs / 1e6) < 1e-12);
    assert.is(p.invocations, N);
    assert.equal(p.workgroupSize, [64, 1, 1]);
  }
  const given = await profileUserKernel(rt.device, spec(), { repeat: 1, bytes: 8 * N });
  assert.equal([given.bytes, given.bytesFrom, given.flops, given.gflops], [8 * N, 'given', null, null]);
});

test('random inputs follow the seed; the default workgroup size comes from the override default', async () => {
  const rt = await testRuntime();
  const random = spec({ buffers: [{ binding: 0, bytes: 4 * N, init: { kind: 'random' } }, { binding: 1, bytes: 4 * N, init: { kind: 'zeros' } }], overrides: {}, dispatch: [N / 256, 1, 1] });
  const a = await profileUserKernel(rt.device, random, { repeat: 1, seed: 3, save: [0, 1] });
  const b = await profileUserKernel(rt.device, random, { repeat: 1, seed: 3, save: [0] });
  const c = await profileUserKernel(rt.device, random, { repeat: 1, seed: 4, save: [0] });
  assert.equal(a.workgroupSize, [256, 1, 1]);
  assert.equal(a.saved[0].data, b.saved[0].data);
  assert.not.equal(a.saved[0].data, c.saved[0].data);
  const x = new Float32Array(a.saved[0].data.buffer);
  const y = new Float32Array(a.saved[1].data.buffer);
  assert.ok(x.every((v) => v >= -1 && v < 1) && new Set(x).size > N / 2, 'f32 values in [-1, 1)');
  assert.is(y.findIndex((v, i) => v !== Math.fround(Math.fround(2.5 * x[i]) - 1) && v !== Math.fround(2.5 * x[i] - 1)), -1);
});

async function rejects(change: Partial<UserKernelSpec>, fault: string, pattern: RegExp): Promise<void> {
  const rt = await testRuntime();
  try {
    await profileUserKernel(rt.device, spec(change), { repeat: 1 });
  } catch (e) {
    assert.instance(e, UserKernelError);
    assert.is((e as UserKernelError).fault, fault, (e as Error).message);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('no error');
}

test("Dawn's compile errors with line and column; its pipeline errors typed", async () => {
  const code = readFileSync(join(root, 'fixtures', 'wgsl', 'syntax_error.wgsl'), 'utf8');
  await rejects({ code, source: 'syntax_error.wgsl', buffers: [], uniforms: [] }, 'compile',
    /^syntax_error\.wgsl does not compile:\nsyntax_error\.wgsl:7:28: error: .*\n {4}y\[id\.x\] = y\[id\.x\] \* 2\.0 \+;\n {29}\^/);
  // An override without a default that only the body reads: Dawn's own message, as a pipeline error.
  const needsOverride = spec().code.replace('override WG: u32 = 256;', 'override WG: u32 = 256;\noverride K: f32;').replace('params.b;', 'params.b * K;');
  await rejects({ code: needsOverride }, 'pipeline', /Dawn refused the pipeline of 'main' in scale_add\.wgsl: .*K/);
  // The device still works afterwards.
  const rt = await testRuntime();
  assert.ok((await profileUserKernel(rt.device, spec(), { repeat: 1 })).medianMs > 0);
});

test.run();
