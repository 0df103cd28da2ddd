// Built-in kernel kinds: shapes (presets, dependent defaults, refusals), the work table against an
// independent count, and profiles whose figures add up (GPU time = its kernels' sum, GFLOP/s =
// FLOPs / time), on tiny shapes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  KERNEL_KINDS, KernelCaseError, kernelKind, profileKernelCase, resolveShape, RUN_KINDS,
} from '../../src/profile/index.ts';
import { Conv2d, countForwardMacs, Linear } from '../../src/nn/index.ts';
import { randUniform } from '../../src/tensor/create.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';

test('every kind in the work table has a run, and the other way round', () => {
  assert.equal([...RUN_KINDS].sort(), KERNEL_KINDS.map((k) => k.name).sort());
});

test('shapes: presets, overrides, defaults that follow other keys, and refusals that name the key', () => {
  const dw = kernelKind('depthwise');
  assert.equal(resolveShape(dw), { n: 64, c: 32, h: 28, w: 28, kh: 3, kw: 3, stride: 1, dil: 1, pad: 1 });
  assert.equal(resolveShape(dw, { preset: 'tiny', values: { kh: 5, dil: 2, h: 12 } }), { n: 2, c: 4, h: 12, w: 12, kh: 5, kw: 5, stride: 1, dil: 2, pad: 4 });
  const refuse = (request: Parameters<typeof resolveShape>[1], pattern: RegExp, kind = dw) => {
    assert.throws(() => resolveShape(kind, request), (e: Error) => e instanceof KernelCaseError && pattern.test(e.message));
  };
  refuse({ values: { groups: 2 } }, /^depthwise has no shape key 'groups'; its keys: n, c, h, w, kh, kw, stride, dil, pad$/);
  refuse({ values: { n: 0 } }, /n = 0 is out of range; n \(batch\) is a whole number from 1 to/);
  refuse({ values: { h: 4, kh: 7, pad: 0 } }, /the output would be -2 x -2/);
  refuse({ values: { c: 6, groups: 4 } }, /channels c = 6 and k = 6 must both be divisible by groups = 4/, kernelKind('conv2d'));
  refuse({ values: { kh: 3, pad: 2 } }, /padding 2 is more than half the 3 x 3 window/, kernelKind('max_pool'));
  assert.throws(() => kernelKind('conv3d'), /unknown kernel kind 'conv3d'; known: matmul, linear, conv2d/);
});

test("the work table's convolution and linear FLOPs are 2 x the MACs the layers count while they run", async () => {
  const rt = await testRuntime();
  const rng = new Rng(0);
  const cases: [string, Record<string, number>, () => Conv2d | Linear, number[]][] = [
    ['conv2d', { n: 2, c: 4, h: 9, w: 7, k: 6, kh: 3, kw: 5, stride: 2, pad: 1 }, () => new Conv2d(4, 6, [3, 5], { rng, rt, stride: 2, padding: 1, bias: false }), [2, 4, 9, 7]],
    ['depthwise', { n: 2, c: 8, h: 10, dil: 2, kh: 5 }, () => new Conv2d(8, 8, 5, { rng, rt, padding: 4, dilation: 2, groups: 8, bias: false }), [2, 8, 10, 10]],
    ['pointwise', { n: 3, c: 8, k: 4, h: 6 }, () => new Conv2d(8, 4, 1, { rng, rt, bias: false }), [3, 8, 6, 6]],
  ];
  for (const [name, values, layer, inputShape] of cases) {
    const kind = kernelKind(name);
    const x = randUniform(inputShape, rng, -1, 1, rt);
    const m = layer();
    const { macs } = countForwardMacs(m, x);
    assert.is(kind.forward(resolveShape(kind, { values })).flops, 2 * macs, name);
    assert.is(kind.backward!(resolveShape(kind, { values })).flops, 4 * macs, `${name} backward: input and weight gradients`);
    x.dispose();
    m.dispose();
  }
  const linear = new Linear(8, 3, { rng, rt });
  const x = randUniform([5, 8], rng, -1, 1, rt);
  const { macs } = countForwardMacs(linear, x);
  // The linear kind adds the bias (one add per output).
  assert.is(kernelKind('linear').forward(resolveShape(kernelKind('linear'), { values: { batch: 5, in: 8, out: 3 } })).flops, 2 * macs + 5 * 3);
  x.dispose();
  linear.dispose();
});

test('a profile adds up: GPU time is the sum of its kernels, GFLOP/s and GB/s follow from the work', async () => {
  const rt = await testRuntime();
  // Big enough to take longer than an empty timed pass, whose cost is taken off.
  const p = await profileKernelCase(rt, 'conv2d', { preset: 'tiny', values: { n: 4, c: 16, h: 16, k: 16 } }, { repeat: 3 });
  assert.equal(p.passes.map((x) => x.pass), ['forward', 'backward']);
  const kind = kernelKind('conv2d');
  for (const pass of p.passes) {
    assert.is(pass.timing, 'timestamps');
    assert.is(pass.samplesMs.length, 3);
    assert.ok(pass.medianMs > 0 && pass.minMs <= pass.medianMs && pass.medianMs <= pass.maxMs);
    assert.ok(pass.wall.medianMs > 0);
    assert.is(pass.kernels.reduce((s, k) => s + k.count, 0), pass.dispatches);
    const work = pass.pass === 'forward' ? kind.forward(p.shape) : kind.backward!(p.shape);
    assert.equal([pass.flops, pass.bytes], [work.flops, work.bytes]);
    assert.ok(Math.abs(pass.gflops! - work.flops / pass.medianMs / 1e6) < 1e-9);
    assert.ok(Math.abs(pass.gbps! - work.bytes / pass.medianMs / 1e6) < 1e-9);
  }
  const one = await profileKernelCase(rt, 'pointwise', { values: { n: 4, c: 32, h: 16, bias: 1 } }, { repeat: 1, passes: 'forward' });
  const fwd = one.passes[0];
  assert.is(one.passes.length, 1);
  assert.ok(Math.abs(fwd.medianMs - fwd.kernels.reduce((s, k) => s + k.ms, 0)) < 1e-9, 'one repeat: the time is its kernels\' sum');
  assert.ok(fwd.kernels.some((k) => k.kernel === 'conv2d_bias_add'));
  const wall = await profileKernelCase(rt, 'relu', { preset: 'tiny' }, { repeat: 2, timing: 'wall' });
  assert.ok(wall.passes.every((x) => x.timing === 'wall' && x.kernels.length === 0 && x.medianMs === x.wall.medianMs));
  const same = await profileKernelCase(rt, 'add', { preset: 'tiny', values: { broadcast: 0 } }, { repeat: 1 });
  const backward = same.passes[1];
  assert.equal([backward.dispatches, backward.medianMs, backward.flops, backward.gflops], [0, 0, 0, null], 'the gradient of a + b passes through');
});

test.run();
