// countForwardMacs: multiply-accumulates from the shapes layers see while the network runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchNorm2d, Conv2d, countForwardMacs, GlobalAvgPool2d, Linear, MaxPool2d, Sequential } from '../../src/nn/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

test('conv (strided, grouped, non-square) and linear MACs by hand; forward is restored', () => {
  const rng = new Rng(1);
  const net = new Sequential(
    new Conv2d(3, 8, 3, { rng, rt, padding: 1 }), // 2 x 8 x 10 x 10 outputs, 27 taps each
    new BatchNorm2d(8, { rt }),
    new Conv2d(8, 8, [1, 5], { rng, rt, stride: 2, padding: [0, 0, 2, 2], groups: 4, bias: false }), // 2 x 8 x 5 x 5, 2 x 5 taps
    new MaxPool2d(2, { stride: 1 }), // not counted
    new GlobalAvgPool2d(),
    new Linear(8, 5, { rng, rt }), // 2 x 5 outputs, 8 inputs each
  );
  const x = tensor(randomArray(2 * 3 * 10 * 10, 3), [2, 3, 10, 10], rt);
  const counted = countForwardMacs(net, x);
  assert.equal(counted.layers, [
    { name: '0', macs: 2 * 8 * 100 * 27 },
    { name: '2', macs: 2 * 8 * 25 * 10 },
    { name: '5', macs: 2 * 5 * 8 },
  ]);
  assert.is(counted.macs, 2 * 8 * 100 * 27 + 2 * 8 * 25 * 10 + 80);
  assert.ok(net.namedChildren().every(([, m]) => !Object.hasOwn(m, 'forward')), 'no patched forward left behind');
  x.dispose();
  net.dispose();
});

test.run();
