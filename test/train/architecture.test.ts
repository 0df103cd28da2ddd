// Architectures other than MSTF genotypes through the same trainer: names, keys and sizes of an
// Architecture (no GPU; ResNet-18's size against the PyTorch fixture), every preset's settings for
// ResNet-18, and ResNet-18 (width 8: the same code as 64 at a size the suite can afford; 2 tiny
// epochs) trained, saved, continued exactly, evaluated, predicted with, and refused for another
// architecture.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { resnetStateEntries } from '../../src/nn/resnet-plan.ts';
import { architectureCost } from '../../src/space/costs.ts';
import { GenotypeError } from '../../src/space/errors.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import {
  architectureKey, architectureLabel, configForArchitecture, mstfArchitecture, namedArchitecture, RESNET18, resnetPlanOf, toArchitecture,
} from '../../src/train/architecture.ts';
import { architectureSizeOf, buildArchitecture } from '../../src/train/build-architecture.ts';
import { checkTrainConfig, PRESET_NAMES, presetConfig } from '../../src/train/config.ts';
import { datasetId } from '../../src/train/dataset-id.ts';
import { DatasetMismatchError } from '../../src/train/errors.ts';
import { evaluateModel } from '../../src/train/evaluate-model.ts';
import { decodeModelFile, encodeModelFile, type ModelFile } from '../../src/train/model-file.ts';
import { predictImages, predictionSetup } from '../../src/train/predict.ts';
import { resumeProblem, trainModel } from '../../src/train/trainer.ts';
import { testRuntime } from '../gpu.ts';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/resnet18-params.json', import.meta.url), 'utf8')) as {
  cases: { inChannels: number; numClasses: number; params: number; macs: number }[];
};

test('names, keys and labels: resnet18 (any case, - or _), genotypes as MSTF architectures', () => {
  for (const name of ['resnet18', 'ResNet-18', ' RESNET_18 ']) assert.equal(namedArchitecture(name), RESNET18, name);
  for (const name of ['paper', 'resnet', 'resnet50', 'constructor', '2,0,4']) assert.is(namedArchitecture(name), null, name);
  const paper = toArchitecture('paper');
  assert.equal(paper, { kind: 'mstf', genotype: [...PAPER_GENOTYPE] });
  assert.equal(toArchitecture([...PAPER_GENOTYPE]), paper);
  assert.is(toArchitecture(RESNET18), RESNET18);
  assert.is(architectureKey(paper), PAPER_GENOTYPE.join(','));
  assert.is(architectureKey(RESNET18), 'resnet18');
  assert.is(architectureLabel(paper), `genotype ${PAPER_GENOTYPE.join(',')}`);
  assert.is(architectureLabel(RESNET18), 'ResNet-18');
  assert.throws(() => mstfArchitecture([1, 2, 3]), (e: Error) => e instanceof GenotypeError);
});

test("ResNet-18's size: torch's parameter count and MACs for every fixture case; a genotype's is architectureCost's", () => {
  for (const c of fixture.cases) {
    const size = architectureSizeOf(RESNET18, { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: 64, inputSize: 28 });
    assert.equal(size, { params: c.params, macs: c.macs });
  }
  const shape = { inChannels: 3, numClasses: 5, initChannels: 16, inputSize: 28 };
  const cost = architectureCost(PAPER_GENOTYPE, shape);
  assert.equal(architectureSizeOf(toArchitecture('paper'), shape), { params: cost.params, macs: cost.macs });
});

test("every preset trains ResNet-18 at width 64 with the preset's other settings; MSTF keeps the preset's C", () => {
  for (const preset of PRESET_NAMES) {
    for (const dataset of ['breastmnist', 'pneumoniamnist', 'retinamnist', 'synthetic']) {
      const base = presetConfig(dataset, preset);
      const config = configForArchitecture(base, RESNET18);
      assert.equal(config, { ...base, initChannels: 64 }, `${preset} ${dataset}`);
      checkTrainConfig(config);
      assert.is(configForArchitecture(base, toArchitecture('paper')), base);
    }
  }
});

const rt = await testRuntime();

test('ResNet-18 trains through the trainer; a run continued from its epoch-1 model file ends bit for bit as the uninterrupted one; it evaluates, predicts, and refuses another architecture', async () => {
  const dataset = syntheticDataset({ sizes: { train: 16, val: 8, test: 8 }, seed: 3 });
  const config = { ...configForArchitecture(presetConfig('synthetic', 'quick'), RESNET18), initChannels: 8, epochs: 2, batchSize: 8 };
  const saved: ModelFile[] = [];
  const steps: number[] = [];
  let params = 0;
  const whole = await trainModel({
    rt, dataset, architecture: RESNET18, config,
    onProgress: (e) => {
      if (e.type === 'start') params = e.params;
      if (e.type === 'step') steps.push(e.loss);
    },
    saveModel: async (bytes) => void saved.push(decodeModelFile(bytes, 'resnet.mednas')),
  });
  const plan = resnetPlanOf(whole.model.network);
  assert.equal(whole.model.architecture, RESNET18);
  assert.equal(whole.model.network, { inChannels: 1, numClasses: 4, initChannels: 8, inputSize: 28 });
  assert.is(params, architectureSizeOf(RESNET18, whole.model.network).params);
  assert.equal([...whole.model.tensors.keys()].sort(), resnetStateEntries(plan).map((e) => e.name).sort());
  assert.equal(steps.length, 4, '2 steps of 8 images in each of 2 epochs');
  assert.ok(steps.every(Number.isFinite));
  assert.ok(whole.model.finished && Number.isFinite(whole.test.auc));
  assert.equal(saved.map((m) => [m.epochsDone, m.finished]), [[1, false], [2, false], [2, true]]);
  assert.equal(saved[0].architecture, RESNET18, 'the file keeps the architecture');

  // Continued from the file written after epoch 1 (what a killed run leaves).
  const resumed = await trainModel({ rt, dataset, architecture: RESNET18, config, resume: saved[0] });
  assert.is(resumed.model.history.length, 2);
  for (const [name, t] of whole.model.tensors) {
    assert.equal(Array.from(new Uint32Array(resumed.model.tensors.get(name)!.values.buffer)), Array.from(new Uint32Array(t.values.buffer)), name);
  }
  assert.equal(resumed.test, whole.test);

  // Evaluation and prediction rebuild ResNet-18 from the file.
  const evaluated = await evaluateModel(rt, resumed.model, dataset, { split: 'test' });
  assert.equal([evaluated.acc, evaluated.auc], [resumed.test.acc, resumed.test.auc]);
  const setup = predictionSetup(resumed.model, dataset);
  const images = [0, 1].map((i) => dataset.splits.test.images.subarray(i * 784, (i + 1) * 784));
  const predictions = await predictImages(rt, resumed.model, images, { stats: setup.stats });
  assert.is(predictions.length, 2);
  for (const p of predictions) assert.ok(Math.abs(p.scores.reduce((s, v) => s + v, 0) - 1) < 1e-5);

  // Another architecture cannot continue it.
  const id = datasetId(dataset);
  assert.match(resumeProblem(saved[0], 'paper', id)!, /trained for ResNet-18, not genotype 2,0,4,/);
  assert.is(resumeProblem(saved[0], RESNET18, id), null);
  try {
    await trainModel({ rt, dataset, genotype: 'paper', config, resume: saved[0] });
    assert.unreachable('a genotype continued a ResNet-18 run');
  } catch (e) {
    assert.instance(e, DatasetMismatchError);
    assert.match((e as Error).message, /cannot be continued: it was trained for ResNet-18, not genotype/);
  }
  // A model file round-trips its architecture (version 2).
  assert.equal(decodeModelFile(encodeModelFile(resumed.model), 'm').architecture, RESNET18);
});

test('buildArchitecture gives the genotype network for mstf and ResNet-18 for resnet18, both with a classifier head', () => {
  const shape = { inChannels: 1, numClasses: 3, initChannels: 8, inputSize: 28 };
  const mstf = buildArchitecture(toArchitecture('paper'), shape, { rt });
  const resnet = buildArchitecture(RESNET18, shape, { rt });
  try {
    assert.is(mstf.classifier.outFeatures, 3);
    assert.is(resnet.classifier.outFeatures, 3);
    assert.is(resnet.classifier.inFeatures, 64, 'width 8: 8 x 8 features');
    assert.ok(resnet.namedParameters().some(([n]) => n === 'layer4.0.shortcut.0.weight'));
  } finally {
    mstf.dispose();
    resnet.dispose();
  }
});

test.run();
