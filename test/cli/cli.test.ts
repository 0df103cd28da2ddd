// The CLI end to end, run as a user runs it (through the sources, so no build is needed):
// `mednas info --json` and `mednas profile --json` on a small batch, and bad arguments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mednas } from './helpers.ts';

test('mednas info --json: adapter, limits and a passing self-check; the process exits', () => {
  const run = mednas('info', '--json');
  assert.is(run.status, 0, run.stderr);
  const info = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    selfCheck: { ok: boolean; matmulMaxError: number };
    limits: Record<string, number>;
  };
  assert.ok(info.selfCheck.ok);
  assert.ok(info.selfCheck.matmulMaxError < 1e-4);
  assert.ok(info.limits.maxStorageBufferBindingSize >= 128 * 1024 * 1024);
});

test('mednas profile --json: per-kernel GPU time of a training step', () => {
  const run = mednas('profile', '--batch', '2', '--size', '8', '--steps', '1', '--json');
  assert.is(run.status, 0, run.stderr);
  const profile = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    stepMs: number;
    gpuMs: number;
    dispatchesPerStep: number;
    kernels: { kernel: string; count: number; totalMs: number }[];
  };
  assert.ok(profile.stepMs > 0 && profile.gpuMs > 0);
  assert.ok(profile.dispatchesPerStep > 100, `${profile.dispatchesPerStep} dispatches`);
  const names = profile.kernels.map((k) => k.kernel.split('|')[0]);
  for (const family of ['conv2d_depthwise', 'batchnorm_apply', 'softmax_xent', 'sgd_step']) {
    assert.ok(names.some((n) => n.startsWith(family)), `${family} missing from ${names.join(', ')}`);
  }
  // Sorted slowest first, and the counts add up to the dispatches of a step.
  profile.kernels.forEach((k, i) => i > 0 && assert.ok(k.totalMs <= profile.kernels[i - 1].totalMs));
  assert.is(profile.kernels.reduce((s, k) => s + k.count, 0), profile.dispatchesPerStep);
});

test('bad arguments: a clear message and exit code 1', () => {
  const run = mednas('profile', '--batch', '0');
  assert.is(run.status, 1);
  assert.match(run.stderr, /--batch must be a whole number >= 1/);
  const unknown = mednas('frobnicate');
  assert.is(unknown.status, 1);
});

test.run();
