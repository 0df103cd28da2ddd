// Analytic costs (from the genotype, nothing built) against the built module's parameter tensors
// and against MACs counted from the layer shapes while the network runs (countForwardMacs: an
// independent path, not the same formula); the per-block breakdown adds up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countForwardMacs } from '../../src/nn/index.ts';
import { architectureCost, buildNetwork, randomGenotype, SpaceConfigError } from '../../src/space/index.ts';
import { randUniform } from '../../src/tensor/create.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';

const rt = await testRuntime();

test('params: analytic = the module parameter tensors, 100 random genotypes and settings', () => {
  const rng = new Rng(100);
  for (let i = 0; i < 100; i++) {
    const g = randomGenotype(rng);
    const config = { inChannels: 1 + (i % 3), numClasses: 2 + (i % 7), initChannels: 4 * (1 + (i % 4)) };
    const net = buildNetwork(g, config, { rt, seed: i });
    const cost = architectureCost(g, config);
    assert.is(cost.params, net.parameterCount(), `genotype ${g.join(',')} ${JSON.stringify(config)}`);
    // The breakdown: stem + blocks + classifier, each block its normal and reduction cells.
    const parts = cost.stem.params + cost.classifier.params + cost.blocks.reduce((s, b) => s + b.total.params, 0);
    assert.is(parts, cost.params);
    const block0 = net.namedParameters().filter(([n]) => n.startsWith('blocks.0.')).reduce((s, [, t]) => s + t.size, 0);
    assert.is(cost.blocks[0].total.params, block0, 'block 1 alone');
    net.dispose();
  }
});

test('MACs: analytic = counted from the layer shapes during a forward pass, 100 random genotypes', () => {
  const rng = new Rng(200);
  const x = randUniform([1, 1, 28, 28], new Rng(1), 0, 1, rt);
  for (let i = 0; i < 100; i++) {
    const g = randomGenotype(rng);
    const config = { inChannels: 1, numClasses: 2 + (i % 5), initChannels: 4 };
    const net = buildNetwork(g, config, { rt, seed: i });
    const counted = countForwardMacs(net, x);
    const cost = architectureCost(g, config);
    assert.is(cost.macs, counted.macs, `genotype ${g.join(',')}`);
    assert.is(cost.flops, 2 * cost.macs);
    const blockMacs = (b: number): number => counted.layers.filter((l) => l.name.startsWith(`blocks.${b}.`)).reduce((s, l) => s + l.macs, 0);
    cost.blocks.forEach((b, k) => assert.is(b.total.macs, blockMacs(k), `block ${k + 1}`));
    net.dispose();
  }
  x.dispose();
});

test('other sizes and channels: a 3-channel 64 x 64 input', () => {
  const g = randomGenotype(new Rng(3));
  const config = { inChannels: 3, numClasses: 4, initChannels: 8, inputSize: 64 };
  const net = buildNetwork(g, config, { rt });
  const x = randUniform([1, 3, 64, 64], new Rng(4), 0, 1, rt);
  assert.is(architectureCost(g, config).macs, countForwardMacs(net, x).macs);
  assert.equal(architectureCost(g, config).blocks.map((b) => b.height), [64, 32, 16]);
  x.dispose();
  net.dispose();
});

test('the paper genotype at C = 16: stem, classifier and a reduction cell by hand', () => {
  const c16 = architectureCost('paper', { inChannels: 1, numClasses: 2, initChannels: 16 });
  assert.equal(c16.stem, { params: 1 * 16 * 9 + 32, macs: 28 * 28 * 16 * 9 });
  assert.equal(c16.classifier, { params: 128 * 2 + 2, macs: 128 * 2 });
  // Block 1 reduction at C = 16, 28 -> 14: four branch convs 16 -> 4 and the fuse 16 -> 32.
  assert.equal(c16.blocks[0].reduction, { params: 4 * (16 * 4 + 8) + 16 * 32 + 64, macs: 14 * 14 * (4 * 16 * 4 + 16 * 32) });
  assert.equal(c16.blocks.map((b) => b.nodes.map((n) => n.op)[0]), ['sep_conv_3x3', 'dual_conv_7x7', 'sep_conv_7x7']);
  // (C = 128 is checked against PyTorch's count in golden.test.ts.)
  assert.throws(() => architectureCost('paper', { inChannels: 1, numClasses: 2, initChannels: 6 }), (e: Error) => e instanceof SpaceConfigError);
});

test.run();
