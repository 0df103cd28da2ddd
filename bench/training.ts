// Training the paper genotype on a real MedMNIST subset with the quick preset: test ACC/AUC of the
// best-on-validation weights, time per epoch and training images per second. `npm run bench --
// train-breast` runs it on BreastMNIST (../shared/data/medmnist/breastmnist.npz, else the data
// directory); without the file the case reports { skipped: 1 }. Anchors on BreastMNIST (test
// ACC / AUC): MedMNIST's ResNet-18 (28) 0.863 / 0.901, the MedNAS paper 0.872 / 0.930 (C = 128,
// 100 epochs, on a GPU).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { presetConfig, trainModel, type PresetName } from '../src/index.ts';
import { initNode, loadMedMnistFile, resolveDataDir } from '../src/node/index.ts';
import { median, type BenchCase } from './util.ts';

function findFile(name: string): string | null {
  const shared = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'medmnist', `${name}.npz`);
  if (existsSync(shared)) return shared;
  const local = join(resolveDataDir().path, `${name}.npz`);
  return existsSync(local) ? local : null;
}

function trainCase(subset: string, short: string, preset: PresetName): BenchCase {
  return {
    name: `train-${short}.${preset}`,
    async run(): Promise<Record<string, number | string>> {
      const path = findFile(subset);
      if (!path) return { skipped: 1 };
      const rt = await initNode();
      const dataset = await loadMedMnistFile(path, subset);
      const config = presetConfig(subset, preset);
      const epochSeconds: number[] = [];
      const imagesPerSecond: number[] = [];
      const started = performance.now();
      const result = await trainModel({
        rt, dataset, genotype: 'paper', config,
        onProgress: (e) => {
          if (e.type !== 'epoch') return;
          epochSeconds.push(e.record.seconds);
          imagesPerSecond.push(e.record.imagesPerSecond);
        },
      });
      return {
        preset,
        init_channels: config.initChannels,
        epochs: config.epochs,
        batch: config.batchSize,
        test_acc: result.test.acc,
        test_auc: result.test.auc,
        best_epoch: result.bestEpoch + 1,
        best_val_auc: result.model.best!.val.auc,
        epoch_s_median: median(epochSeconds),
        train_images_per_s_median: median(imagesPerSecond),
        total_s: (performance.now() - started) / 1000,
      };
    },
  };
}

export const cases: BenchCase[] = [trainCase('breastmnist', 'breast', 'quick')];
