// SGD against torch.optim.SGD's update rule, and the kernels issue's end-to-end check: a small
// network with every layer kind (stem conv, separable conv, dilated conv, pooling, BN, GAP, linear,
// cross-entropy) trained 50 SGD steps on one fixed batch must drive the loss down by more than 90%.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AvgPool2d, BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Sequential,
} from '../../src/nn/index.ts';
import { tensor } from '../../src/tensor/create.ts';
import { Sgd } from '../../src/train/sgd.ts';
import { sgdStep } from '../../src/train/step.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

/** torch.optim.SGD.step for one parameter, in float64. */
function sgdReference(
  p: number[], grads: number[][], o: { lr: number; momentum: number; dampening: number; wd: number; nesterov: boolean },
): number[] {
  const param = p.slice();
  let buf: number[] | null = null;
  for (const g of grads) {
    const d = g.map((gi, i) => gi + o.wd * param[i]);
    let step = d;
    if (o.momentum !== 0) {
      buf = buf === null ? d.slice() : buf.map((b, i) => o.momentum * b + (1 - o.dampening) * d[i]);
      step = o.nesterov ? d.map((di, i) => di + o.momentum * buf![i]) : buf;
    }
    for (let i = 0; i < param.length; i++) param[i] -= o.lr * step[i];
  }
  return param;
}

test('SGD matches torch.optim.SGD: plain, momentum+dampening+weight decay, Nesterov', async () => {
  const settings = [
    { lr: 0.1, momentum: 0, dampening: 0, wd: 0, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, wd: 3e-4, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, wd: 1e-2, nesterov: true },
  ];
  for (const o of settings) {
    const start = Array.from(randomArray(37, 1));
    const grads = [0, 1, 2, 3].map((s) => Array.from(randomArray(37, 10 + s)));
    const p = tensor(start, [37], rt).setRequiresGrad();
    const sgd = new Sgd([p], { lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.wd, nesterov: o.nesterov });
    for (const g of grads) {
      p.grad = tensor(g, [37], rt);
      sgd.step();
      sgd.zeroGrad();
    }
    const want = sgdReference(start, grads, o);
    const got = await p.data();
    // Four f32 steps of a few roundings each on unit-scale values: 1e-6 absolute is ~10 ulp.
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-6, `${JSON.stringify(o)}: ${got[i]} vs ${w}`));
    sgd.dispose();
    p.dispose();
  }
});

test('a small network with every layer kind learns a fixed batch (loss down > 90% in 50 steps)', async () => {
  const rng = new Rng(7);
  const C = 16;
  const net = new Sequential(
    new Conv2d(3, C, 3, { rng, rt, padding: 1, bias: false }), // stem
    new BatchNorm2d(C, { rt }),
    new ReLU(),
    new Conv2d(C, C, 3, { rng, rt, padding: 1, groups: C, bias: false }), // separable: depthwise
    new Conv2d(C, C, 1, { rng, rt, bias: false }), //                       then pointwise
    new BatchNorm2d(C, { rt }),
    new ReLU(),
    new Conv2d(C, C, 3, { rng, rt, padding: 2, dilation: 2, groups: C, bias: false }), // dilated
    new Conv2d(C, C, 1, { rng, rt, bias: false }),
    new BatchNorm2d(C, { rt }),
    new ReLU(),
    new MaxPool2d(2),
    new AvgPool2d(3, { stride: 1, padding: 1 }),
    new GlobalAvgPool2d(),
    new Linear(C, 4, { rng, rt }),
  );
  const batch = 16;
  const x = tensor(randomArray(batch * 3 * 16 * 16, 3), [batch, 3, 16, 16], rt);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 4);
  const sgd = new Sgd(net.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < 50; step++) {
    const loss = sgdStep(net, sgd, x, labels);
    if (step === 0 || step === 49) losses.push(await loss.item());
    loss.dispose();
  }
  const [first, last] = losses;
  assert.ok(Number.isFinite(first) && Number.isFinite(last), `losses ${losses}`);
  assert.ok(last < 0.1 * first, `loss went from ${first} to ${last}: not down by 90%`);
  x.dispose();
  sgd.dispose();
  net.dispose();
});

test.run();
