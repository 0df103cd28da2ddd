// The DARTS-style reference network that the benchmarks and `mednas profile` time: its structure
// (names, shapes, 31,066 parameters for 1 channel and 10 classes) and its seeded weights must stay
// as they were when its sep_conv_3x3 moved to the op table, or the benchmark figures stop comparing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { referenceNet } from '../../src/space/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';

const rt = await testRuntime();

test('reference network: names, shapes, parameter count, seeded weights', async () => {
  const net = referenceNet(rt, { seed: 3 });
  const names = net.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`);
  assert.equal(names.slice(0, 7), [
    '0.weight:16x1x3x3', '1.weight:16', '1.bias:16',
    '2.op.1.weight:16x1x3x3', '2.op.2.weight:16x16x1x1', '2.op.5.weight:16x1x3x3', '2.op.6.weight:16x16x1x1',
  ]);
  assert.ok(names.includes('4.op.6.weight:32x16x1x1'), 'reduction cell 3: 16 -> 32 in its second pointwise conv');
  assert.equal(names.slice(-2), ['11.weight:10x64', '11.bias:10']);
  // stem 144 + 32; normal cells 2 (9c + c^2); reduction cells 9c + c^2 + 9c + 2c^2; linear 650.
  assert.is(net.parameterCount(), 176 + 2 * 800 + 1056 + 2 * 2624 + 3648 + 2 * 9344 + 650);
  assert.is(net.namedBuffers().length, 2 + 8 * 4, 'stem BN and four non-affine BNs per cell');
  // The stem weight is the first draw of Rng(3): kaiming-uniform with bound 1/sqrt(9).
  const rng = new Rng(3);
  const expected = Float32Array.from({ length: 144 }, () => rng.range(-1 / 3, 1 / 3));
  assert.equal(Array.from(await net.parameters()[0].data()), Array.from(expected));
  net.dispose();
});

test.run();
