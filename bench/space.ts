// The search space: building the paper network at C = 128 (what every scored architecture costs
// before any GPU work), the picture, and one SGD step of the paper network at C = 16, N = 64
// (PyTorch CPU on this machine class: 279-287 ms, PERF-NOTES.md).
import { initNode } from '../src/node/index.ts';
import { buildNetwork, genotypeToSvg } from '../src/space/index.ts';
import { median, timeRuns, timeSgdStep, type BenchCase } from './util.ts';

const paper = (initChannels: number) => ({ inChannels: 1, numClasses: 2, initChannels });

export const cases: BenchCase[] = [
  {
    name: 'space.build.paper.c128',
    async run() {
      const rt = await initNode();
      let parameters = 0;
      const times = await timeRuns(async () => {
        const net = buildNetwork('paper', paper(128), { rt, seed: 1 });
        parameters = net.parameterCount();
        await rt.sync(); // the weight uploads are done
        net.dispose();
      }, 7, 2);
      return { median_ms: median(times), min_ms: Math.min(...times), parameters };
    },
  },
  {
    name: 'space.picture.paper.svg',
    async run() {
      let bytes = 0;
      const times = await timeRuns(async () => {
        bytes = (await genotypeToSvg('paper', { config: paper(128) })).length;
      }, 7, 1);
      return { median_ms: median(times), min_ms: Math.min(...times), svg_bytes: bytes };
    },
  },
  {
    name: 'space.train.paper.c16.step.n64',
    async run() {
      const rt = await initNode();
      const net = buildNetwork('paper', paper(16), { rt, seed: 1 });
      return timeSgdStep(rt, net, { classes: 2, sgd: { lr: 0.01, momentum: 0.9 }, repeats: 5 });
    },
  },
];
