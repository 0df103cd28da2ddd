// The training recipe's settings added by issue 21 (AugMix's posterizeBits, weightDecayOn): presets
// give the fixed posterize; a config stored without the fields (a model file or ground-truth table
// written before) reads as what it trained with (posterize 8 - k, weight decay on everything), and
// such a model file resumes to exactly the result of an uninterrupted run; weight decay on
// 'weights' leaves one-dimensional tensors (BatchNorm, biases) alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { tensor } from '../../src/tensor/create.ts';
import { configDifferences, LEGACY_CONFIG, presetConfig, type TrainConfig } from '../../src/train/config.ts';
import { decodeModelFile, MODEL_FORMAT, readTrainConfig, type ModelFile } from '../../src/train/model-file.ts';
import { decaysParameter, Sgd } from '../../src/train/sgd.ts';
import { trainModel } from '../../src/train/trainer.ts';
import { truthProtocol } from '../../src/truth/protocol.ts';
import { truthResumeProblem } from '../../src/truth/build.ts';
import { decodeTruthTable, encodeTruthTable, TRUTH_FORMAT } from '../../src/truth/table.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/util/envelope.ts';
import { FieldChecker } from '../../src/util/fields.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { fakeTable } from '../truth/helpers.ts';
import { testRuntime } from '../gpu.ts';

const rt = await testRuntime();

/** A config as files before issue 21 held it: no weightDecayOn, no augmix.posterizeBits. */
function oldFormat(c: TrainConfig): Record<string, unknown> {
  const { weightDecayOn: _, augmix, ...rest } = c;
  if (!augmix) return { ...rest, augmix };
  const { posterizeBits: __, ...oldAugmix } = augmix;
  return { ...rest, augmix: oldAugmix };
}

/** The same envelope with its payload changed (the format and version kept). */
function rewrite(bytes: Uint8Array, format: string, versions: number[], change: (payload: Record<string, unknown>) => void): Uint8Array {
  const { payload, version } = decodeEnvelope(bytes, { format, versions, source: 'test' });
  change(payload as Record<string, unknown>);
  return encodeEnvelope(format, version, payload);
}

test('presets give the reference posterize (4 - k bits) and weight decay on every parameter (DARTS)', () => {
  for (const preset of ['quick', 'paper'] as const) {
    const c = presetConfig('breastmnist', preset);
    assert.is(c.augmix?.posterizeBits, 4);
    assert.is(c.weightDecayOn, 'all');
    assert.is(c.maxGradNorm, 2);
  }
  const c = presetConfig('breastmnist');
  assert.equal(configDifferences(c, { ...c, augmix: { ...c.augmix!, posterizeBits: 8 } }), ['augmix']);
  assert.equal(configDifferences(c, { ...c, weightDecayOn: 'weights' }), ['weightDecayOn']);
});

test('a stored config without the new fields reads as the old recipe; with them, as stored; a bad value is refused', () => {
  const f = new FieldChecker('m.mednas');
  const c = { ...presetConfig('breastmnist'), weightDecayOn: 'weights' as const };
  const old = readTrainConfig(f, oldFormat(c));
  assert.is(old.augmix?.posterizeBits, LEGACY_CONFIG.posterizeBits);
  assert.is(old.augmix?.posterizeBits, 8);
  assert.is(old.weightDecayOn, 'all');
  assert.equal(readTrainConfig(f, JSON.parse(JSON.stringify(c))), c);
  assert.throws(() => readTrainConfig(f, { ...c, weightDecayOn: 'some' }), (e: Error) => e instanceof FileFormatError && /weightDecayOn/.test(e.message));
  assert.throws(() => readTrainConfig(f, { ...c, augmix: { ...c.augmix, posterizeBits: 6 } }), (e: Error) => e instanceof FileFormatError && /posterizeBits/.test(e.message));
  assert.throws(() => readTrainConfig(f, { ...c, weightDecayTypo: 1 }), (e: Error) => e instanceof FileFormatError && /unknown "weightDecayTypo"/.test(e.message));
});

test('a ground-truth table written before issue 21 keeps its recipe: it resumes with itself, not with a new preset protocol', () => {
  const table = fakeTable({ count: 2, auc: () => 0.7, proxies: () => ({ synflow: 1 }) });
  const withAugmix = { ...table, protocol: { ...table.protocol, train: { ...table.protocol.train, augmix: { severity: 3, width: 3, depth: -1, alpha: 1, posterizeBits: 4 as const } } } };
  const bytes = rewrite(encodeTruthTable(withAugmix), TRUTH_FORMAT, [1], (p) => {
    const protocol = p.protocol as Record<string, unknown>;
    protocol.train = oldFormat(protocol.train as TrainConfig);
  });
  const read = decodeTruthTable(bytes, 't.mednas');
  assert.is(read.protocol.train.augmix?.posterizeBits, 8);
  assert.is(read.protocol.train.weightDecayOn, 'all');
  // What `truth build` does on resume: the stored protocol, with nothing changed.
  assert.is(truthResumeProblem(read, read.protocol, read.dataset, read.batchId), null);
  // A protocol from today's preset differs in the AugMix field: the table is not silently switched.
  const fresh = { ...read.protocol, train: { ...read.protocol.train, augmix: { ...read.protocol.train.augmix!, posterizeBits: 4 as const } } };
  assert.match(truthResumeProblem(read, fresh, read.dataset, read.batchId)!, /train\.augmix/);
  // Written again, the table holds the legacy values explicitly and reads back the same.
  assert.equal(decodeTruthTable(encodeTruthTable(read), 't.mednas').protocol, read.protocol);
  assert.is(truthProtocol({ dataset: 'breastmnist' }).train.augmix?.posterizeBits, 4);
});

test("weight decay on 'weights' leaves one-dimensional tensors alone and decays the others as before", async () => {
  assert.equal([[4], [], [4, 2], [8, 1, 3, 3]].map((s) => decaysParameter(s, 'weights')), [false, false, true, true]);
  assert.equal([[4], [4, 2]].map((s) => decaysParameter(s, 'all')), [true, true]);
  const run = async (on: 'all' | 'weights') => {
    const bias = tensor([1, -2, 3], [3], rt).setRequiresGrad();
    const weight = tensor([1, -2, 3, 4], [2, 2], rt).setRequiresGrad();
    const sgd = new Sgd([bias, weight], { lr: 0.1, momentum: 0.9, weightDecay: 0.5, weightDecayOn: on });
    for (const p of [bias, weight]) p.grad = tensor(new Array<number>(p.size).fill(0.25), [...p.shape], rt);
    sgd.step();
    const out = [Array.from(await bias.data()), Array.from(await weight.data())];
    sgd.zeroGrad();
    sgd.dispose();
    bias.dispose();
    weight.dispose();
    return out;
  };
  // p - lr * (g + wd * p) with decay, p - lr * g without (first step: the momentum buffer is d).
  const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
  const [allBias, allWeight] = await run('all');
  const [wBias, wWeight] = await run('weights');
  assert.ok(near(allBias, [1, -2, 3].map((p) => p - 0.1 * (0.25 + 0.5 * p))), String(allBias));
  assert.ok(near(wBias, [1, -2, 3].map((p) => p - 0.1 * 0.25)), String(wBias));
  assert.ok(near(allWeight, wWeight), `${allWeight} vs ${wWeight}`);
  assert.ok(near(wWeight, [1, -2, 3, 4].map((p) => p - 0.1 * (0.25 + 0.5 * p))), String(wWeight));
  assert.throws(() => new Sgd([], { lr: 0.1, weightDecayOn: 'bn' as 'all' }), /weightDecayOn/);
});

test('a model file written before issue 21 resumes with the old recipe, equal to an uninterrupted run', async () => {
  const dataset = syntheticDataset({ sizes: { train: 40, val: 24, test: 24 }, seed: 3 });
  // AugMix at a severity where posterize often draws level >= 2.5, so 8 - k and 4 - k differ.
  const old: TrainConfig = {
    ...presetConfig('synthetic', 'quick'), initChannels: 4, epochs: 2, batchSize: 16, lr: 0.05,
    augmix: { severity: 10, width: 3, depth: -1, alpha: 1, posterizeBits: 8 },
  };
  const files: Uint8Array[] = [];
  const whole = await trainModel({ rt, dataset, genotype: 'paper', config: old, saveModel: async (bytes) => void files.push(bytes) });
  // The file after epoch 1 as mednas wrote it before issue 21: no weightDecayOn, no posterizeBits.
  const legacyBytes = rewrite(files[0], MODEL_FORMAT, [1, 2, 3], (p) => {
    p.config = oldFormat(p.config as TrainConfig);
  });
  const legacy: ModelFile = decodeModelFile(legacyBytes, 'old.mednas');
  assert.equal(legacy.epochsDone, 1);
  assert.equal(legacy.config, old);
  const resumed = await trainModel({ rt, dataset, genotype: 'paper', config: legacy.config, resume: legacy });
  assert.equal(resumed.test, whole.test);
  for (const [name, t] of whole.model.tensors) assert.equal(Array.from(resumed.model.tensors.get(name)!.values), Array.from(t.values), name);
  // The fixed posterize is another recipe: a run with it trains differently.
  const fixed = await trainModel({ rt, dataset, genotype: 'paper', config: { ...old, augmix: { ...old.augmix!, posterizeBits: 4 } } });
  const differs = [...whole.model.tensors].some(([name, t]) => t.values.some((v, i) => v !== fixed.model.tensors.get(name)!.values[i]));
  assert.ok(differs, 'posterize 4 - k and 8 - k gave the same weights');
});

test.run();
