// Learning-rate schedules at chosen epochs and steps (PyTorch's CosineAnnealingLR and ExponentialLR
// stepped per epoch, plus linear warm-up), and the presets' per-subset settings (Table 1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTrainConfig, presetConfig, scheduleOf } from '../../src/train/config.ts';
import { TrainConfigError } from '../../src/train/errors.ts';
import { checkSchedule, epochLearningRate, learningRate } from '../../src/train/schedule.ts';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-15, `${what}: ${a} vs ${b}`);

test('cosine annealing over 4 epochs from 0.1: 0.1, (1 + cos(pi/4))/20, 0.05, (1 - cos(pi/4))/20', () => {
  const s = { kind: 'cosine', lr: 0.1, epochs: 4 } as const;
  const half = Math.SQRT1_2;
  [0.1, (0.1 * (1 + half)) / 2, 0.05, (0.1 * (1 - half)) / 2].forEach((want, e) => close(epochLearningRate(s, e), want, `epoch ${e}`));
  // With a floor: eta_min + (lr - eta_min) * (1 + cos(pi e / E)) / 2.
  close(epochLearningRate({ ...s, minLr: 0.01 }, 2), 0.01 + 0.09 / 2, 'floor');
  // The rate is per epoch: every step of an epoch gets it.
  close(learningRate(s, 1, 37), epochLearningRate(s, 1), 'step 37');
});

test('exponential: lr * gamma^epoch (PneumoniaMNIST: 0.0005, gamma 0.9)', () => {
  const s = { kind: 'exponential', lr: 0.0005, epochs: 100, gamma: 0.9 } as const;
  close(epochLearningRate(s, 0), 0.0005, 'epoch 0');
  close(epochLearningRate(s, 3), 0.0005 * 0.729, 'epoch 3');
  assert.ok(Math.abs(epochLearningRate(s, 99) - 0.0005 * 0.9 ** 99) < 1e-18);
});

test('linear warm-up ramps the first W steps by (s + 1) / W, then the schedule runs on', () => {
  const s = { kind: 'cosine', lr: 0.2, epochs: 10, warmupSteps: 4 } as const;
  close(learningRate(s, 0, 0), 0.05, 'step 0');
  close(learningRate(s, 0, 3), 0.2, 'step 3');
  close(learningRate(s, 1, 4), epochLearningRate(s, 1), 'step 4');
});

test('bad schedules are TrainConfigErrors', () => {
  assert.throws(() => checkSchedule({ kind: 'exponential', lr: 0.1, epochs: 3 }), (e: Error) => e instanceof TrainConfigError && /gamma/.test(e.message));
  assert.throws(() => checkSchedule({ kind: 'cosine', lr: -1, epochs: 3 }), (e: Error) => e instanceof TrainConfigError && /learning rate/.test(e.message));
  assert.throws(() => checkSchedule({ kind: 'cosine', lr: 0.1, epochs: 0 }), (e: Error) => e instanceof TrainConfigError && /epochs/.test(e.message));
});

test("the paper preset takes each subset's Table 1 row (lr, batch, AugMix; PneumoniaMNIST exponential); quick one recipe", () => {
  const pneumonia = presetConfig('pneumonia', 'paper');
  assert.equal(
    [pneumonia.initChannels, pneumonia.epochs, pneumonia.lr, pneumonia.batchSize, pneumonia.schedule, pneumonia.gamma],
    [128, 100, 0.0005, 128, 'exponential', 0.9],
  );
  assert.equal(pneumonia.augmix, { severity: 10, width: 1, alpha: 1.5, depth: -1, posterizeBits: 4 });
  const breast = presetConfig('BreastMNIST', 'paper');
  assert.equal([breast.initChannels, breast.epochs, breast.lr, breast.batchSize, breast.schedule], [128, 100, 0.001, 128, 'cosine']);
  assert.equal(breast.augmix, { severity: 3, width: 3, alpha: 1.0, depth: -1, posterizeBits: 4 });
  // quick: C = 8, 15 epochs, one SGD recipe (batch 32, lr 0.025, cosine), the subset's AugMix.
  const quick = presetConfig('pneumoniamnist', 'quick');
  assert.equal([quick.initChannels, quick.epochs, quick.lr, quick.batchSize, quick.schedule, quick.gamma], [8, 15, 0.025, 32, 'cosine', null]);
  assert.equal(quick.augmix, pneumonia.augmix);
  assert.is(presetConfig('bloodmnist').augmix, null);
  assert.equal([presetConfig('pathmnist', 'paper').batchSize, presetConfig('organamnist', 'paper').batchSize], [512, 256]);
  assert.equal([breast.momentum, breast.maxGradNorm], [0.9, 2]);
  for (const name of ['synthetic', 'chestmnist', 'dermamnist', 'octmnist', 'retinamnist', 'organcmnist', 'organsmnist', 'tissuemnist']) {
    checkTrainConfig(presetConfig(name, 'paper'));
  }
  assert.is(scheduleOf({ ...breast, warmupEpochs: 2 }, 5).warmupSteps, 10);
  assert.throws(() => checkTrainConfig({ ...breast, initChannels: 6 }), (e: Error) => /multiple of 4/.test(e.message));
});

test.run();
