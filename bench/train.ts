// One SGD training step of a small DARTS-style network (issue 3's yardstick): stem to 16 channels,
// 8 cells of sep_conv_3x3 (DARTS's op: twice ReLU, depthwise 3x3, pointwise 1x1, BN) with a residual
// add, reduction cells (stride 2, channels doubled) at cells 3 and 6, GAP, linear, cross-entropy;
// N = 64 images of 28x28x1. Peers on this machine class: PyTorch CPU 46-53 ms, TF.js WebGPU on the
// same Dawn device 3500-3800 ms; target <= 500 ms.
import { initNode } from '../src/node/index.ts';
import {
  BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, Module, ReLU, Sequential,
} from '../src/nn/index.ts';
import { add } from '../src/ops/elementwise.ts';
import { crossEntropy } from '../src/ops/loss.ts';
import { randUniform } from '../src/tensor/create.ts';
import { tidy } from '../src/tensor/scope.ts';
import type { Tensor } from '../src/tensor/tensor.ts';
import { Sgd } from '../src/train/sgd.ts';
import { Rng } from '../src/util/rng.ts';
import type { Runtime } from '../src/gpu/runtime.ts';
import { median, timeRuns, type BenchCase } from './util.ts';

function sepConv(cin: number, cout: number, stride: number, rng: Rng, rt: Runtime): Sequential {
  const half = (i: number, o: number, s: number) => [
    new ReLU(),
    new Conv2d(i, i, 3, { rng, rt, stride: s, padding: 1, groups: i, bias: false }),
    new Conv2d(i, o, 1, { rng, rt, bias: false }),
    new BatchNorm2d(o, { rt, affine: false }),
  ];
  return new Sequential(...half(cin, cin, stride), ...half(cin, cout, 1));
}

class Cell extends Module {
  private readonly op: Sequential;
  constructor(private readonly reduction: boolean, channels: number, rng: Rng, rt: Runtime) {
    super();
    this.op = this.addChild('op', sepConv(channels, reduction ? channels * 2 : channels, reduction ? 2 : 1, rng, rt));
  }
  forward(x: Tensor): Tensor {
    const y = this.op.forward(x);
    return this.reduction ? y : add(x, y);
  }
}

export function dartsStyleNet(rt: Runtime, seed = 0, classes = 10): Sequential {
  const rng = new Rng(seed);
  let c = 16;
  const layers: Module[] = [new Conv2d(1, c, 3, { rng, rt, padding: 1, bias: false }), new BatchNorm2d(c, { rt })];
  for (let i = 1; i <= 8; i++) {
    const reduction = i === 3 || i === 6;
    layers.push(new Cell(reduction, c, rng, rt));
    if (reduction) c *= 2;
  }
  layers.push(new GlobalAvgPool2d(), new Linear(c, classes, { rng, rt }));
  return new Sequential(...layers);
}

export const cases: BenchCase[] = [
  {
    name: 'train.darts8.step.n64',
    async run() {
      const rt = await initNode();
      const net = dartsStyleNet(rt);
      const x = randUniform([64, 1, 28, 28], new Rng(1), 0, 1, rt);
      const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
      const sgd = new Sgd(net.parameters(), { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 });
      const times = await timeRuns(async () => {
        const loss = tidy(() => crossEntropy(net.forward(x), labels));
        loss.backward();
        sgd.step();
        sgd.zeroGrad();
        loss.dispose();
        await rt.sync();
      }, 7, 2);
      const parameters = net.parameterCount();
      x.dispose();
      sgd.dispose();
      net.dispose();
      return { median_ms: median(times), min_ms: Math.min(...times), parameters };
    },
  },
];
