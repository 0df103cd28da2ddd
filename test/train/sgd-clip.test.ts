// Clipping by global norm on the GPU, and SGD with momentum, weight decay and clipping, against a
// float64 hand computation of torch.nn.utils.clip_grad_norm_ followed by torch.optim.SGD.step; the
// optimiser's momentum survives a save and load bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tensor } from '../../src/tensor/create.ts';
import { clipGradNorm } from '../../src/train/clip.ts';
import { Sgd } from '../../src/train/sgd.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

test('clipGradNorm gives [global norm, min(1, max / (norm + 1e-6))] over every gradient', async () => {
  // Gradients 3 and 4 (two parameters) have norm 5; a 1300-value one spans several chunks.
  const a = tensor([0], [1], rt).setRequiresGrad();
  const b = tensor([0], [1], rt).setRequiresGrad();
  a.grad = tensor([3], [1], rt);
  b.grad = tensor([4], [1], rt);
  const [norm, scale] = await clipGradNorm([a, b], 2).data();
  assert.ok(Math.abs(norm - 5) < 1e-6, String(norm));
  assert.ok(Math.abs(scale - 2 / (5 + 1e-6)) < 1e-7, String(scale));
  const [, unclipped] = await clipGradNorm([a, b], 10).data();
  assert.is(unclipped, 1);
  const big = randomArray(1300, 5);
  const c = tensor(big, [13, 100], rt).setRequiresGrad();
  c.grad = tensor(big, [13, 100], rt);
  const want = Math.sqrt(Array.from(big).reduce((s, v) => s + v * v, 9 + 16));
  const [got] = await clipGradNorm([a, b, c], 1).data();
  assert.ok(Math.abs(got - want) / want < 1e-6, `${got} vs ${want}`);
  for (const t of [a, b, c]) {
    t.grad?.dispose();
    t.dispose();
  }
});

/** clip_grad_norm_(max) then torch.optim.SGD.step (momentum, weight decay), in float64. */
function reference(p0: number[][], grads: number[][][], o: { lr: number; momentum: number; wd: number; max: number }): number[][] {
  const params = p0.map((p) => p.slice());
  let bufs: number[][] | null = null;
  for (const gs of grads) {
    const norm = Math.sqrt(gs.flat().reduce((s, g) => s + g * g, 0));
    const coef = Math.min(1, o.max / (norm + 1e-6));
    const d = gs.map((g, k) => g.map((gi, i) => gi * coef + o.wd * params[k][i]));
    bufs = bufs === null ? d.map((x) => x.slice()) : bufs.map((b, k) => b.map((bi, i) => o.momentum * bi + d[k][i]));
    params.forEach((p, k) => p.forEach((_, i) => (p[i] -= o.lr * bufs![k][i])));
  }
  return params;
}

test('an SGD step with momentum, weight decay and clipping matches the hand computation', async () => {
  const o = { lr: 0.1, momentum: 0.9, wd: 0.01, max: 2 };
  const starts = [Array.from(randomArray(7, 1)), Array.from(randomArray(30, 2))];
  // Step 1 is clipped (norm ~ 8), step 2 is not (norm ~ 0.9), step 3 is again.
  const grads = [3, 0.3, 2].map((s, k) => [Array.from(randomArray(7, 10 + k), (v) => v * s * 2), Array.from(randomArray(30, 20 + k), (v) => v * s)]);
  const ps = starts.map((s) => tensor(s, [s.length], rt).setRequiresGrad());
  const sgd = new Sgd(ps, { lr: o.lr, momentum: o.momentum, weightDecay: o.wd });
  for (const g of grads) {
    ps.forEach((p, k) => (p.grad = tensor(g[k], [g[k].length], rt)));
    const gradScale = clipGradNorm(ps, o.max);
    sgd.step({ gradScale });
    gradScale.dispose();
    sgd.zeroGrad();
  }
  const want = reference(starts, grads, o);
  for (const [k, p] of ps.entries()) {
    const got = await p.data();
    // Three f32 steps of unit-scale values: 2e-6 absolute is ~20 ulp.
    want[k].forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 2e-6, `param ${k}[${i}]: ${got[i]} vs ${w}`));
  }
  sgd.dispose();
  for (const p of ps) p.dispose();
});

test('momentum state saved after two steps and loaded into a new optimiser continues bit for bit', async () => {
  const start = randomArray(50, 3);
  const grads = [0, 1, 2].map((k) => randomArray(50, 40 + k));
  const run = async (p: ReturnType<typeof tensor>, sgd: Sgd, g: Float32Array) => {
    p.grad = tensor(g, [50], rt);
    sgd.step();
    sgd.zeroGrad();
  };
  const p = tensor(start, [50], rt).setRequiresGrad();
  const sgd = new Sgd([p], { lr: 0.05, momentum: 0.9, weightDecay: 3e-4 });
  await run(p, sgd, grads[0]);
  await run(p, sgd, grads[1]);
  const [saved] = await sgd.momentumState();
  assert.ok(saved !== null && saved.length === 50);
  const q = tensor(await p.data(), [50], rt).setRequiresGrad();
  const resumed = new Sgd([q], { lr: 0.05, momentum: 0.9, weightDecay: 3e-4 });
  resumed.loadMomentumState([saved]);
  await run(p, sgd, grads[2]);
  await run(q, resumed, grads[2]);
  assert.equal(Array.from(await q.data()), Array.from(await p.data()));
  // An optimiser that has not stepped has no momentum yet; a state of the wrong size is refused.
  const r = tensor(saved, [50], rt).setRequiresGrad();
  const fresh = new Sgd([r], { lr: 0.05, momentum: 0.9 });
  assert.equal((await fresh.momentumState())[0], null);
  assert.throws(() => fresh.loadMomentumState([new Float32Array(3)]), /holds 3 values/);
  for (const t of [p, q, r]) t.dispose();
  for (const s of [sgd, resumed, fresh]) s.dispose();
});

test.run();
