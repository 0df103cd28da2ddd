// SGD in batches of parameters per dispatch (sgd_step_batch.wgsl) against one dispatch per
// parameter (sgd_step.wgsl): the same parameters and momentum buffers bit for bit, over every rule
// (momentum, dampening, weight decay, Nesterov, clipping, no momentum), sizes that leave partial
// workgroups, a last batch with empty slots, a parameter that first gets a gradient at step 2 (its
// own first-step flag inside a batch), and a parameter listed twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tensor } from '../../src/tensor/create.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { clipGradNorm } from '../../src/train/clip.ts';
import { Sgd, SGD_BATCH_SLOTS, sgdSlots, type SgdOptions } from '../../src/train/sgd.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();
// 12 parameters: two full batches of 5 and one of 2; sizes around the 256-lane workgroups.
const SIZES = [1, 7, 256, 257, 1000, 3, 64, 513, 2, 300, 5, 4099];

/** Parameters and momentum buffers after three steps of `options` with `slots` per dispatch. */
async function run(options: SgdOptions, slots: number, clip: boolean, repeat = false): Promise<Float32Array[]> {
  const ps = SIZES.map((n, k) => tensor(randomArray(n, 1 + k), [n], rt).setRequiresGrad());
  const list = repeat ? [...ps, ps[3]] : ps;
  const sgd = new Sgd(list, options, slots);
  for (let step = 0; step < 3; step++) {
    ps.forEach((p, k) => {
      // Parameter 4 has no gradient at the first step: it starts its momentum at the second.
      if (step === 0 && k === 4) return;
      p.grad = tensor(randomArray(p.size, 100 * step + k, -2, 2), [p.size], rt);
    });
    const gradScale: Tensor | undefined = clip ? clipGradNorm(ps, 3) : undefined;
    sgd.step({ gradScale });
    gradScale?.dispose();
    sgd.zeroGrad();
  }
  const out = [...(await Promise.all(ps.map((p) => p.data())))];
  for (const m of await sgd.momentumState()) if (m) out.push(m);
  sgd.dispose();
  for (const p of ps) p.dispose();
  return out;
}

test('this device batches SGD (lavapipe allows 16 storage buffers per stage)', () => {
  const expected = rt.limits.maxStorageBuffersPerShaderStage >= 16 ? SGD_BATCH_SLOTS : 1;
  assert.is(sgdSlots(rt), expected);
});

const RULES: [string, SgdOptions, boolean][] = [
  ['momentum, weight decay, clipped', { lr: 0.05, momentum: 0.9, weightDecay: 3e-4 }, true],
  ['Nesterov', { lr: 0.1, momentum: 0.8, nesterov: true, weightDecay: 1e-3 }, false],
  ['dampening', { lr: 0.02, momentum: 0.5, dampening: 0.3 }, false],
  ['no momentum', { lr: 0.3, weightDecay: 1e-2 }, true],
];

for (const [name, options, clip] of RULES) {
  test(`batched SGD equals one dispatch per parameter bit for bit: ${name}`, async () => {
    const one = await run(options, 1, clip);
    for (const slots of [2, SGD_BATCH_SLOTS]) {
      const batched = await run(options, slots, clip);
      assert.is(batched.length, one.length);
      batched.forEach((b, k) => assert.equal(Array.from(b), Array.from(one[k]), `${slots} per dispatch, tensor ${k}`));
    }
  });
}

test('a parameter listed twice is stepped twice, as one dispatch per parameter does', async () => {
  const options = { lr: 0.05, momentum: 0.9 };
  const one = await run(options, 1, false, true);
  const batched = await run(options, SGD_BATCH_SLOTS, false, true);
  batched.forEach((b, k) => assert.equal(Array.from(b), Array.from(one[k]), `tensor ${k}`));
});

test.run();
