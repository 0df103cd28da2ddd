// One SGD training step of the DARTS-style reference network (src/space/reference.ts), N = 64 images of
// 28x28x1: the kernels issue's yardstick. Peers on this machine class: PyTorch CPU 46-53 ms, TF.js
// WebGPU on the same Dawn device 3500-3800 ms; target <= 500 ms.
import { initNode } from '../src/node/index.ts';
import { referenceNet } from '../src/space/reference.ts';
import { randUniform } from '../src/tensor/create.ts';
import { Sgd } from '../src/train/sgd.ts';
import { sgdStep } from '../src/train/step.ts';
import { Rng } from '../src/util/rng.ts';
import { median, timeRuns, type BenchCase } from './util.ts';

export const cases: BenchCase[] = [
  {
    name: 'train.darts8.step.n64',
    async run() {
      const rt = await initNode();
      const net = referenceNet(rt);
      const x = randUniform([64, 1, 28, 28], new Rng(1), 0, 1, rt);
      const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
      const sgd = new Sgd(net.parameters(), { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 });
      const times = await timeRuns(async () => {
        sgdStep(net, sgd, x, labels).dispose();
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
