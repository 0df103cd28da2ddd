// The op table: every normal op keeps the shape at 28, 14, 7 and 3; every pooling branch halves at
// odd and even sizes; each op's parameter and MAC formulas agree with the built module and with a
// count taken while it runs; hand counts for single ops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countForwardMacs } from '../../src/nn/index.ts';
import { halvingPadding, NORMAL_OP_NAMES, NORMAL_OPS, OPS, REDUCTION_OP_NAMES, REDUCTION_OPS } from '../../src/space/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad } from '../../src/tensor/scope.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();
const C = 8;
const N = 2;

function run(op: { build: (c: number, init: { rng: Rng; rt: typeof rt }) => import('../../src/nn/module.ts').Module }, h: number, w = h) {
  const module = op.build(C, { rng: new Rng(h), rt });
  const x = tensor(randomArray(N * C * h * w, h * w), [N, C, h, w], rt);
  const y = noGrad(() => module.forward(x));
  const shape = [...y.shape];
  y.dispose();
  const macs = countForwardMacs(module, x).macs / N;
  const params = module.parameterCount();
  x.dispose();
  module.dispose();
  return { shape, macs, params };
}

test('the table: gene values, names and lookups agree', () => {
  assert.equal(NORMAL_OPS.map((o) => o.name), [...NORMAL_OP_NAMES]);
  assert.equal(REDUCTION_OPS.map((o) => o.name), [...REDUCTION_OP_NAMES]);
  NORMAL_OPS.forEach((o, i) => assert.is(o.index, i));
  REDUCTION_OPS.forEach((o, i) => assert.is(o.index, i));
  assert.is(OPS.dual_conv_7x7, NORMAL_OPS[7]);
  assert.is(OPS.max_pool_3x3, REDUCTION_OPS[3]);
  assert.equal(REDUCTION_OPS.map((o) => `${o.pool}${o.kernel}`), ['avg2', 'max2', 'avg3', 'max3', 'avg4', 'max4']);
});

test('normal ops keep channels and size at 28, 14, 7 and 3; formulas match the module and the run', () => {
  for (const op of NORMAL_OPS) {
    for (const h of [28, 14, 7, 3]) {
      const r = run(op, h);
      assert.equal(r.shape, [N, C, h, h], `${op.name} at ${h}`);
      assert.is(r.params, op.params(C), `${op.name} parameters`);
      assert.is(r.macs, op.macs(C, h, h), `${op.name} MACs at ${h}`);
    }
  }
});

test('every pooling branch gives floor(H/2) x floor(W/2) at odd and even sizes, c -> c/4 channels', () => {
  for (const op of REDUCTION_OPS) {
    for (const [h, w] of [[28, 28], [14, 14], [7, 7], [3, 3], [2, 2], [5, 4], [6, 9]]) {
      const r = run(op, h, w);
      assert.equal(r.shape, [N, C / 4, Math.floor(h / 2), Math.floor(w / 2)], `${op.name} at ${h}x${w}`);
      assert.is(r.params, op.params(C), `${op.name} parameters`);
      assert.is(r.macs, op.macs(C, h, w), `${op.name} MACs at ${h}x${w}`);
    }
  }
});

test('halvingPadding: floor(H/2) for every size, PyTorch-legal (at most half the window)', () => {
  assert.equal([2, 3, 4].map((k) => [halvingPadding(k, 28), halvingPadding(k, 7)]), [[0, 0], [1, 0], [1, 1]]);
  for (const k of [2, 3, 4]) {
    for (let size = 2; size <= 64; size++) {
      const p = halvingPadding(k, size);
      assert.ok(p >= 0 && 2 * p <= k, `padding ${p} for ${k}x${k}`);
      assert.is(Math.floor((size + 2 * p - k) / 2) + 1, Math.floor(size / 2), `${k}x${k} at ${size}`);
    }
  }
});

test('hand counts for single ops (C = 8, 28 x 28)', () => {
  const px = 28 * 28;
  // sep_conv_3x3: 2 x (depthwise 8*9 + pointwise 8*8 + BN 2*8)
  assert.is(OPS.sep_conv_3x3.params(8), 2 * (72 + 64 + 16));
  assert.is(OPS.sep_conv_3x3.macs(8, 28, 28), px * 2 * (72 + 64));
  assert.is(OPS.sep_conv_7x7.params(8), 2 * (8 * 49 + 64 + 16));
  assert.is(OPS.dil_sep_conv_5x5.params(8), 8 * 25 + 64 + 16);
  assert.is(OPS.dil_sep_conv_5x5.macs(8, 28, 28), px * (8 * 25 + 64));
  // dual_conv_7x7: 1x7 and 7x1 full convs, 8 -> 8 each, one BN
  assert.is(OPS.dual_conv_7x7.params(8), 2 * 8 * 8 * 7 + 16);
  assert.is(OPS.dual_conv_7x7.macs(8, 28, 28), px * 2 * 8 * 8 * 7);
  assert.is(OPS.zero.params(8) + OPS.identity.params(8) + OPS.zero.macs(8, 28, 28), 0);
  // A pooling branch: conv 1x1 8 -> 2 at 14 x 14, BN of 2
  assert.is(OPS.avg_pool_3x3.params(8), 8 * 2 + 4);
  assert.is(OPS.avg_pool_3x3.macs(8, 28, 28), 14 * 14 * 16);
  assert.is(OPS.max_pool_4x4.macs(8, 7, 7), 3 * 3 * 16);
});

test.run();
