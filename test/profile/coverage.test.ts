// Every built-in kernel kind profiled through the CLI, as a user runs it (`mednas profile --kernel
// all --shape tiny --json`), plus the shapes that reach the other kernel variants, through the
// library: together they must time every shader in shaders/ that this adapter's kernel policy can
// pick. The rest are named below with the reason.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KERNEL_KINDS, profileKernelCase, type KernelCaseProfile } from '../../src/profile/index.ts';
import { mednas, root } from '../cli/helpers.ts';
import { testRuntime } from '../gpu.ts';

/** Shapes whose kernels `all` at the tiny preset does not reach. */
const VARIANTS: [string, Record<string, number>][] = [
  ['depthwise', { stride: 2 }], // row stride 2: conv2d_depthwise instead of the column walk
  ['conv2d', { kh: 9 }], // 81 taps, over the subgroup kernels' registers: the plain direct kernels
  ['max_pool', { kw: 7, pad: 1 }], // windows reaching past the rows gather's registers: pool2d_grad
  ['pointwise', { bias: 1 }], // the bias add
  ['matmul', { n: 6 }], // columns not a multiple of 4: matmul_strided_subgroup
  ['conv2d', { kh: 7, kw: 1 }], // a filter one tap wide: conv2d_weight_grad_runs
  ['batch_norm', { eval: 1 }], // eval mode, frozen parameters: batchnorm_eval, batchnorm_eval_grad
  ['sgd', { clip: 1 }], // clipping by global norm first: grad_sumsq, clip_scale
];

/** Shaders that a CPU adapter with subgroups (lavapipe) never gets, and why. */
const OTHER_POLICY: Record<string, string> = {
  matmul_tiled: "real GPUs ('gpu' profile)",
  conv2d_tiled: "real GPUs ('gpu' profile)",
  matmul_rows: 'CPU adapters without subgroups',
  profile_fence: "the profiler's own (the end of every timed pass)",
};

/** Kernels the CLI's run timed (the first test fills it). */
const seen = new Set<string>();

const kernelsOf = (results: readonly KernelCaseProfile[]): Set<string> =>
  new Set(results.flatMap((r) => r.passes.flatMap((p) => p.kernels.map((k) => k.kernel))));

test('mednas profile --kernel all --shape tiny: every kind, both passes, figures that add up', () => {
  const run = mednas('profile', '--kernel', 'all', '--shape', 'tiny', '--repeat', '1', '--json');
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '');
  const out = JSON.parse(run.stdout) as { timing: string; results: KernelCaseProfile[] };
  assert.is(out.timing, 'timestamps');
  assert.equal(out.results.map((r) => r.kind), KERNEL_KINDS.map((k) => k.name));
  for (const r of out.results) {
    const kind = KERNEL_KINDS.find((k) => k.name === r.kind)!;
    assert.equal(r.passes.map((p) => p.pass), kind.backward ? ['forward', 'backward'] : ['forward'], r.kind);
    for (const p of r.passes) {
      const what = `${r.kind} ${p.pass}`;
      if (p.dispatches === 0) {
        assert.ok(r.kind === 'add' && p.pass === 'backward', `${what}: only a + b's gradient needs no kernel`);
        continue;
      }
      // GPU time is net of an empty timed pass's cost, so a tiny kernel may come to 0.
      assert.ok(p.medianMs >= 0 && p.wall.medianMs > 0, what);
      assert.is(p.kernels.reduce((s, k) => s + k.count, 0), p.dispatches, what);
      assert.ok(Math.abs(p.medianMs - p.kernels.reduce((s, k) => s + k.ms, 0)) < 1e-9, `${what}: one repeat's time is its kernels' sum`);
      if (p.medianMs === 0) continue;
      if (p.flops > 0) assert.ok(Math.abs(p.gflops! - p.flops / p.medianMs / 1e6) < 1e-9, what);
      assert.ok(Math.abs(p.gbps! - p.bytes / p.medianMs / 1e6) < 1e-9, what);
    }
  }
  const total = out.results.reduce((s, r) => s + r.passes.reduce((t, p) => t + p.medianMs, 0), 0);
  assert.ok(total > 0, 'the kernels took some time');
  for (const k of kernelsOf(out.results)) seen.add(k);
});

test("with the variants' shapes, every shader this adapter's policy can pick is timed", async () => {
  const rt = await testRuntime();
  if (!rt.adapterInfo.isCpu || !rt.device.features.has('subgroups')) {
    console.log('  (skipped the shader coverage check: the list of other-policy shaders is for CPU adapters with subgroups)');
    return;
  }
  for (const [kind, values] of VARIANTS) {
    const p = await profileKernelCase(rt, kind, { preset: 'tiny', values }, { repeat: 1 });
    for (const k of kernelsOf([p])) seen.add(k);
  }
  const shaders = readdirSync(join(root, 'shaders')).filter((f) => f.endsWith('.wgsl')).map((f) => f.replace(/\.wgsl$/, ''));
  const missing = shaders.filter((s) => !seen.has(s) && !(s in OTHER_POLICY));
  assert.equal(missing, [], `shaders no kind reaches: ${missing.join(', ')}`);
  const stale = Object.keys(OTHER_POLICY).filter((s) => !shaders.includes(s) || seen.has(s));
  assert.equal(stale, [], 'OTHER_POLICY lists shaders that are gone or reached');
});

test.run();
