// The network builder: PyTorch-style names, the paper genotype forward + backward at C = 16 and 128,
// 1,000 seeded random genotypes building at C = 8, bad settings refused before any GPU work, clone,
// and dead genotypes whose output does not depend on the input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setBatchNormBypass } from '../../src/nn/index.ts';
import { crossEntropy } from '../../src/ops/loss.ts';
import {
  buildNetwork, deadCells, GenotypeError, PAPER_GENOTYPE, randomGenotype, SpaceConfigError, type MstfNetwork,
} from '../../src/space/index.ts';
import { randUniform, tensor } from '../../src/tensor/create.ts';
import { noGrad, tidy } from '../../src/tensor/scope.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

function gpuWork(): { buffers: number; dispatches: number } {
  return { buffers: rt.pool.counters.inUseCount, dispatches: rt.scheduler.stats.dispatches };
}

async function logits(net: MstfNetwork, seed: number, n = 2): Promise<number[]> {
  const x = randUniform([n, net.plan.inChannels, 28, 28], new Rng(seed), 0, 1, rt);
  const y = noGrad(() => net.forward(x));
  const v = Array.from(await y.data());
  x.dispose();
  y.dispose();
  return v;
}

test('dotted names follow the documented PyTorch structure', () => {
  const net = buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: 8 }, { rt });
  const names = net.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`);
  assert.equal(names.slice(0, 7), [
    'stem.0.weight:8x1x3x3', 'stem.1.weight:8', 'stem.1.bias:8',
    // block 1 node 0: sep_conv_3x3 = ReLU, dw, pw, BN, ReLU, dw, pw, BN
    'blocks.0.normal.ops.0.main.1.weight:8x1x3x3', 'blocks.0.normal.ops.0.main.2.weight:8x8x1x1',
    'blocks.0.normal.ops.0.main.3.weight:8', 'blocks.0.normal.ops.0.main.3.bias:8',
  ]);
  assert.ok(names.includes('blocks.1.normal.ops.0.main.1.weight:16x16x1x7'), 'dual_conv_7x7 1x7 conv');
  assert.ok(names.includes('blocks.1.normal.ops.0.main.2.weight:16x16x7x1'), 'dual_conv_7x7 7x1 conv');
  assert.ok(names.includes('blocks.2.normal.ops.1.main.1.weight:32x1x3x3'), 'dil_sep_conv_3x3 depthwise');
  assert.ok(!names.some((n) => n.startsWith('blocks.1.normal.ops.4.')), 'identity has no parameters');
  assert.ok(names.includes('blocks.0.reduction.branches.3.main.2.weight:2x8x1x1'), 'branch conv c -> c/4');
  assert.ok(names.includes('blocks.2.reduction.fuse.main.1.weight:64x32x1x1'), 'fuse conv c -> 2c');
  assert.equal(names.slice(-2), ['classifier.weight:2x64', 'classifier.bias:2']);
  assert.ok(net.namedBuffers().some(([n]) => n === 'blocks.0.reduction.fuse.main.2.running_var'));
  net.dispose();
});

for (const [C, n] of [[16, 8], [128, 2]] as const) {
  test(`paper genotype at C = ${C}: forward + backward (batch ${n}), every parameter gets a finite gradient`, async () => {
    const before = rt.pool.counters.inUseCount;
    const net = buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: C }, { rt, seed: 1 });
    assert.equal(net.plan.blocks.map((b) => [b.channels, b.height]), [[C, 28], [2 * C, 14], [4 * C, 7]]);
    const x = randUniform([n, 1, 28, 28], new Rng(2), 0, 1, rt);
    const loss = tidy(() => crossEntropy(net.forward(x), Int32Array.from({ length: n }, (_, i) => i % 2)));
    loss.backward();
    const value = await loss.item();
    assert.ok(Number.isFinite(value) && value > 0, `loss ${value}`);
    for (const [name, p] of net.namedParameters()) {
      assert.ok(p.grad, `${name} has a gradient`);
      const g = await p.grad!.data();
      assert.ok(g.every(Number.isFinite), `${name}: finite gradient`);
      assert.ok(g.some((v) => v !== 0), `${name}: a non-zero gradient`);
    }
    loss.dispose();
    x.dispose();
    net.dispose();
    assert.is(rt.pool.counters.inUseCount, before, 'every buffer returned');
  });
}

test('1,000 seeded random genotypes validate and build at C = 8 (and free their memory)', () => {
  const rng = new Rng(2024);
  const before = rt.pool.counters.inUseCount;
  for (let i = 0; i < 1000; i++) {
    const g = randomGenotype(rng);
    const net = buildNetwork(g, { inChannels: i % 2 === 0 ? 1 : 3, numClasses: 2 + (i % 9), initChannels: 8 }, { rt, seed: i });
    net.dispose();
  }
  assert.is(rt.pool.counters.inUseCount, before);
});

test('bad settings and genotypes: typed errors that say what to do, before any GPU work', () => {
  const work = gpuWork();
  const refuse = (f: () => unknown, type: typeof SpaceConfigError | typeof GenotypeError, pattern: RegExp): void =>
    assert.throws(f, (e: Error) => e instanceof type && pattern.test(e.message));
  const base = { inChannels: 1, numClasses: 2, initChannels: 16 };
  refuse(() => buildNetwork('paper', { ...base, initChannels: 10 }, { rt }), SpaceConfigError, /initChannels 10 is not divisible by 4.*use 8 or 12/);
  refuse(() => buildNetwork('paper', { ...base, inputSize: 4 }, { rt }), SpaceConfigError,
    /4 x 4 input is too small for 3 blocks.*4 -> 2 -> 1 -> 0.*block 3 would get 1 x 1.*at least 8 x 8 or at most 2 block/);
  refuse(() => buildNetwork('paper', { ...base, inputSize: [28, 7] }, { rt }), SpaceConfigError, /28 x 7 input is too small/);
  refuse(() => buildNetwork('paper', { ...base, numClasses: 0 }, { rt }), SpaceConfigError, /numClasses must be a whole number >= 1/);
  refuse(() => buildNetwork('paper', { ...base, inChannels: 1.5 }, { rt }), SpaceConfigError, /inChannels must be a whole number/);
  refuse(() => buildNetwork('paper', { ...base, blocks: 2 }, { rt }), GenotypeError, /expected 28 for 2 block/);
  refuse(() => buildNetwork(PAPER_GENOTYPE.map((v, i) => (i === 12 ? 7 : v)), base, { rt }), GenotypeError, /gene 12 \(block 1, reduction branch 2 pool\) is 7/);
  assert.equal(gpuWork(), work, 'nothing allocated, nothing dispatched');

  const net = buildNetwork('paper', base, { rt });
  const small = tensor(randomArray(2 * 16, 1), [2, 1, 4, 4], rt);
  const rgb = tensor(randomArray(2 * 3 * 28 * 28, 2), [2, 3, 28, 28], rt);
  const ready = gpuWork();
  refuse(() => net.forward(small), SpaceConfigError, /4 x 4 input is too small for 3 blocks/);
  refuse(() => net.forward(rgb), SpaceConfigError, /takes \[N, 1, H, W\] images, got \[2, 3, 28, 28\]/);
  assert.equal(gpuWork(), ready, 'forward refused before recording anything');
  small.dispose();
  rgb.dispose();
  net.dispose();
});

test('other input sizes: 3 blocks run on 8 x 8 (down to 1 x 1) and on 64 x 64', async () => {
  for (const size of [8, 64]) {
    const net = buildNetwork('paper', { inChannels: 1, numClasses: 3, initChannels: 4, inputSize: size }, { rt });
    const x = randUniform([2, 1, size, size], new Rng(size), 0, 1, rt);
    const y = noGrad(() => net.forward(x));
    assert.equal([...y.shape], [2, 3]);
    assert.ok((await y.data()).every(Number.isFinite));
    y.dispose();
    x.dispose();
    net.dispose();
  }
});

test('clone: same outputs, own tensors, modes and frozen flags copied', async () => {
  const net = buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: 8 }, { rt, seed: 3 });
  await logits(net, 1); // move the running statistics
  net.eval();
  setBatchNormBypass(net, true);
  net.classifier.freeze();
  const copy = net.clone();
  assert.equal(await logits(copy, 4), await logits(net, 4));
  assert.not.ok(copy.training);
  assert.not.ok(copy.classifier.weight.requiresGrad);
  assert.ok(copy.stem.parameters()[0].requiresGrad);
  const shared = new Set(net.stateEntries().map(([, t]) => t.buffer));
  assert.ok(copy.stateEntries().every(([, t]) => !shared.has(t.buffer)), 'no buffer shared');
  setBatchNormBypass(net, false);
  net.train();
  await logits(net, 5); // changes net's running statistics, not the copy's
  setBatchNormBypass(copy, false);
  const c1 = await logits(copy, 6);
  net.eval();
  assert.not.equal(await logits(net, 6), c1);
  copy.dispose();
  net.dispose();
});

test("a dead genotype's output does not depend on the input; a live one's does", async () => {
  const dead = [...PAPER_GENOTYPE.slice(0, 14), 0, 0, 2, 1, 1, 2, 3, 3, 4, 4, 1, 2, 3, 4, ...PAPER_GENOTYPE.slice(28)];
  assert.equal(deadCells(dead), [1]);
  for (const mode of ['train', 'eval'] as const) {
    const net = buildNetwork(dead, { inChannels: 1, numClasses: 3, initChannels: 8 }, { rt, seed: 9 });
    const live = buildNetwork('paper', { inChannels: 1, numClasses: 3, initChannels: 8 }, { rt, seed: 9 });
    if (mode === 'eval') {
      net.eval();
      live.eval();
    }
    assert.equal(await logits(net, 1, 4), await logits(net, 2, 4), `dead, ${mode} mode`);
    assert.not.equal(await logits(live, 1, 4), await logits(live, 2, 4), `live, ${mode} mode`);
    net.dispose();
    live.dispose();
  }
});

test.run();
