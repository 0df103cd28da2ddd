// One SGD training step of the DARTS-style reference network (src/space/reference.ts), N = 64 images of
// 28x28x1: the kernels issue's yardstick. Peers on this machine class: PyTorch CPU 46-53 ms, TF.js
// WebGPU on the same Dawn device 3500-3800 ms; target <= 500 ms.
import { initNode } from '../src/node/index.ts';
import { referenceNet } from '../src/space/reference.ts';
import { timeSgdStep, type BenchCase } from './util.ts';

export const cases: BenchCase[] = [
  {
    name: 'train.darts8.step.n64',
    async run() {
      const rt = await initNode();
      return timeSgdStep(rt, referenceNet(rt), { classes: 10, sgd: { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 }, repeats: 7 });
    },
  },
];
