// Benchmarks of the data pipeline: reading the largest local MedMNIST file, an AugMix batch of 64,
// and generating the built-in synthetic dataset. The issue asks for reading PneumoniaMNIST (4708
// train images) "well under a second".
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataLoader, parseMedMnist, syntheticDataset } from '../src/data/index.ts';
import { median, type BenchCase } from './util.ts';


async function timeMs(repeats: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

const PNEUMONIA = resolve(import.meta.dirname, '../../shared/data/medmnist/pneumoniamnist.npz');

export const cases: BenchCase[] = [
  {
    name: 'data.npz.pneumonia.read',
    async run(): Promise<Record<string, number>> {
      const path = process.env.MEDNAS_DATA ? resolve(process.env.MEDNAS_DATA, 'pneumoniamnist.npz') : PNEUMONIA;
      const file = existsSync(path) ? path : existsSync(PNEUMONIA) ? PNEUMONIA : null;
      if (!file) return { skipped: 1 };
      // Read from disk and parse (inflate, CRC, npy headers, checks), as loadDataset does.
      const median_ms = await timeMs(7, () => {
        const b = readFileSync(file);
        return parseMedMnist(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), 'pneumoniamnist', 'pneumoniamnist.npz');
      });
      return { median_ms };
    },
  },
  {
    name: 'data.augmix.batch64',
    async run(): Promise<Record<string, number>> {
      const ds = syntheticDataset({ sizes: { train: 64 * 8, val: 1, test: 1 } });
      const loader = new DataLoader(ds, { split: 'train', batchSize: 64, augmix: true, seed: 1 });
      let i = 0;
      // One batch of 64 28x28 images through AugMix (severity 3, width 3, depth 1..3) and normalisation.
      const median_ms = await timeMs(8, () => loader.batch(0, i++ % loader.batchesPerEpoch));
      return { median_ms };
    },
  },
  {
    name: 'data.synthetic.generate',
    async run(): Promise<Record<string, number>> {
      // The default 2000/500/1000 images.
      return { median_ms: await timeMs(5, () => syntheticDataset()) };
    },
  },
];
