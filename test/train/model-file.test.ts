// Model files: a round trip keeps every field and tensor bit for bit (the input normalisation and
// class names too); a truncated, damaged, foreign or mistyped file is a FileFormatError that names
// the file and the fault; a version 1 file (a genotype, before architectures) reads as an MSTF
// architecture, and version 1 and 2 files (before the normalisation was stored) read with none
// (no GPU needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import { presetConfig } from '../../src/train/config.ts';
import { decodeModelFile, encodeModelFile, MODEL_FORMAT, MODEL_VERSION, type ModelFile } from '../../src/train/model-file.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/util/envelope.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';

const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 1e3 + (i === 0 ? Number.MIN_VALUE : 0));

function sample(): ModelFile {
  const tensors = new Map([
    ['stem.0.weight', { shape: [4, 1, 3, 3], values: values(36, 1) }],
    ['stem.1.running_var', { shape: [4], values: values(4, 2) }],
  ]);
  return {
    architecture: { kind: 'mstf', genotype: [...PAPER_GENOTYPE] },
    network: { inChannels: 1, numClasses: 4, initChannels: 4, inputSize: 28 },
    dataset: { name: 'synthetic', task: 'multi-class', sizePx: 28, channels: 1, classes: 4, release: 'synthetic', counts: { train: 96, val: 96, test: 96 }, crc32: 0xdeadbeef },
    config: { ...presetConfig('synthetic', 'quick'), epochs: 3, initChannels: 4, maxImages: 96 },
    epochsDone: 2,
    finished: false,
    tensors,
    momentum: new Map([['stem.0.weight', { shape: [4, 1, 3, 3], values: values(36, 3) }]]),
    rng: { seed: 0 },
    best: { epoch: 0, val: { acc: 0.5, auc: 0.75 }, tensors },
    history: [0, 1].map((epoch) => ({ epoch, lr: 0.05, trainLoss: 1.2, val: { acc: 0.5, auc: 0.75 - epoch / 10 }, best: epoch === 0, seconds: 1.5, imagesPerSecond: 100 })),
    test: null,
    // Doubles that f32 would round: the file must keep the trainer's numbers exactly.
    normalization: { mean: [0.1234567890123456], std: [Math.PI / 10] },
    classNames: ['clear', 'spots', 'rings', 'ça va'],
  };
}

/** The payload of `m` as version `version` wrote it: version 2 without the fields version 3 added, version 1 also with `genotype` for `architecture`. */
function olderPayload(m: ModelFile, version: 1 | 2): Record<string, unknown> {
  const { normalization, classNames, architecture, ...rest } = decodeEnvelope(encodeModelFile(m), { format: MODEL_FORMAT, versions: [MODEL_VERSION], source: 'x' }).payload as Record<string, unknown>;
  assert.equal([normalization, classNames], [{ ...m.normalization }, m.classNames]);
  return version === 2 ? { architecture, ...rest } : { genotype: (architecture as { genotype: number[] }).genotype, ...rest };
}

function fault(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, FileFormatError, String(e));
    assert.ok((e as Error).message.startsWith('m.mednas: '), (e as Error).message);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a FileFormatError');
}

test('a model file round-trips every field and every tensor bit', () => {
  const m = sample();
  const back = decodeModelFile(encodeModelFile(m), 'm.mednas');
  assert.equal(back.architecture, m.architecture);
  assert.equal(back.network, m.network);
  assert.equal(back.dataset, m.dataset);
  assert.equal(back.config, m.config);
  assert.equal([back.epochsDone, back.finished, back.rng.seed, back.test], [2, false, 0, null]);
  assert.equal(back.history, m.history);
  assert.equal(back.normalization, m.normalization);
  assert.equal(back.classNames, m.classNames);
  for (const [name, t] of m.tensors) {
    assert.equal(back.tensors.get(name)!.shape, t.shape);
    assert.equal(Array.from(new Uint32Array(back.tensors.get(name)!.values.buffer)), Array.from(new Uint32Array(t.values.buffer)), name);
  }
  assert.equal(Array.from(back.momentum.get('stem.0.weight')!.values), Array.from(m.momentum.get('stem.0.weight')!.values));
  assert.equal(back.best!.val, { acc: 0.5, auc: 0.75 });
  assert.is(decodeEnvelope(encodeModelFile(m), { format: MODEL_FORMAT, versions: [MODEL_VERSION], source: 'x' }).version, 3);
  const resnet: ModelFile = { ...m, architecture: { kind: 'resnet18' }, network: { ...m.network, initChannels: 64 } };
  assert.equal(decodeModelFile(encodeModelFile(resnet), 'm.mednas').architecture, { kind: 'resnet18' });
  // A custom .npz has no class names: null round-trips.
  assert.is(decodeModelFile(encodeModelFile({ ...m, classNames: null }), 'm.mednas').classNames, null);
});

test('a version 2 file (before the normalisation and class names were stored) reads with neither; every other field as version 3', () => {
  const m = sample();
  const back = decodeModelFile(encodeEnvelope(MODEL_FORMAT, 2, olderPayload(m, 2)), 'm.mednas');
  assert.equal([back.normalization, back.classNames], [null, null]);
  assert.equal(back.architecture, m.architecture);
  assert.equal(back.config, m.config);
  assert.equal(back.history, m.history);
  assert.equal(back.best!.val, m.best!.val);
  // Each version has its own keys: version 2 with the new fields, or version 3 without them, is refused.
  fault(() => decodeModelFile(encodeEnvelope(MODEL_FORMAT, 2, { ...olderPayload(m, 2), normalization: null, classNames: null }), 'm.mednas'), /unknown "normalization", "classNames"/);
  fault(() => decodeModelFile(encodeEnvelope(MODEL_FORMAT, 3, olderPayload(m, 2)), 'm.mednas'), /no 'normalization', 'classNames'/);
});

test('a version 1 file (genotype, no architecture) reads as the genotype\'s MSTF architecture; its other fields as version 2', () => {
  const m = sample();
  const { architecture, ...rest } = olderPayload(m, 2);
  assert.equal(architecture, { kind: 'mstf', genotype: [...PAPER_GENOTYPE] });
  const v1 = encodeEnvelope(MODEL_FORMAT, 1, olderPayload(m, 1));
  const back = decodeModelFile(v1, 'm.mednas');
  assert.equal(back.architecture, { kind: 'mstf', genotype: [...PAPER_GENOTYPE] });
  assert.equal(back.config, m.config);
  assert.equal(back.history, m.history);
  assert.equal([back.normalization, back.classNames], [null, null]);
  // Each version has its own key: a version 1 file with `architecture`, or a version 2 file with `genotype`, is refused.
  fault(() => decodeModelFile(encodeEnvelope(MODEL_FORMAT, 1, { architecture, ...rest }), 'm.mednas'), /no 'genotype' and unknown "architecture"/);
  fault(() => decodeModelFile(encodeEnvelope(MODEL_FORMAT, 2, { genotype: [...PAPER_GENOTYPE], ...rest }), 'm.mednas'), /no 'architecture' and unknown "genotype"/);
  fault(() => decodeModelFile(encodeEnvelope(MODEL_FORMAT, 1, { genotype: [1, 2, 3], ...rest }), 'm.mednas'), /genotype that is not in the search space/);
});

test('truncated, damaged, foreign, newer and mistyped files are refused with the fault named', () => {
  const bytes = encodeModelFile(sample());
  fault(() => decodeModelFile(bytes.subarray(0, bytes.length - 100), 'm.mednas'), /truncated/);
  fault(() => decodeModelFile(bytes.subarray(0, 10), 'm.mednas'), /truncated/);
  const damaged = bytes.slice();
  damaged[damaged.length >> 1] ^= 0x10;
  fault(() => decodeModelFile(damaged, 'm.mednas'), /damaged: its CRC-32/);
  fault(() => decodeModelFile(encodeEnvelope('mednas-state', 2, { tensors: {} }), 'm.mednas'), /is a mednas-state file, not mednas-model/);
  fault(() => decodeModelFile(encodeEnvelope(MODEL_FORMAT, 4, {}), 'm.mednas'), /version 4.*upgrade mednas/);
  fault(() => decodeModelFile(new TextEncoder().encode('{"genotype": []}'), 'm.mednas'), /not a mednas file/);
  const payload = () => decodeEnvelope(bytes, { format: MODEL_FORMAT, versions: [MODEL_VERSION], source: 'x' }).payload as Record<string, unknown>;
  const broken = (change: (p: Record<string, unknown>) => void) => {
    const p = payload();
    change(p);
    return encodeEnvelope(MODEL_FORMAT, MODEL_VERSION, p);
  };
  fault(() => decodeModelFile(broken((p) => (p.epochsDone = 'two')), 'm.mednas'), /epochsDone is the string "two", expected an integer/);
  fault(() => decodeModelFile(broken((p) => (p.epochsDone = 7)), 'm.mednas'), /epochsDone is the number 7, expected an integer in 0\.\.3/);
  fault(() => decodeModelFile(broken((p) => ((p.config as Record<string, unknown>).schedule = 'step')), 'm.mednas'), /config\.schedule .* one of cosine, exponential, constant/);
  fault(() => decodeModelFile(broken((p) => (p.architecture = { kind: 'mstf', genotype: [1, 2, 3] })), 'm.mednas'), /genotype that is not in the search space/);
  fault(() => decodeModelFile(broken((p) => (p.architecture = { kind: 'vgg16' })), 'm.mednas'), /architecture\.kind .* one of mstf, resnet18/);
  fault(() => decodeModelFile(broken((p) => (p.architecture = { kind: 'resnet18', genotype: [] })), 'm.mednas'), /architecture has unknown "genotype"/);
  fault(() => decodeModelFile(broken((p) => delete p.momentum), 'm.mednas'), /no 'momentum'/);
  // The normalisation as the loader needs it (one finite mean and std > 0 per input channel), one name per output.
  fault(() => decodeModelFile(broken((p) => (p.normalization = { mean: [0.5, 0.5], std: [0.2, 0.2] })), 'm.mednas'), /normalization\.mean is an array of 2, expected 1 value\(s\), one per input channel/);
  fault(() => decodeModelFile(broken((p) => (p.normalization = { mean: [0.5], std: [0] })), 'm.mednas'), /normalization\.std\[0\] is the number 0, expected a number > 0/);
  fault(() => decodeModelFile(broken((p) => (p.normalization = { mean: ['0.5'], std: [0.2] })), 'm.mednas'), /normalization\.mean\[0\] is the string "0\.5", expected a finite number/);
  fault(() => decodeModelFile(broken((p) => (p.normalization = { mean: [0.5] })), 'm.mednas'), /normalization has no 'std'/);
  fault(() => decodeModelFile(broken((p) => (p.classNames = ['a', 'b'])), 'm.mednas'), /classNames is an array of 2, expected 4 names, one per output/);
  fault(() => decodeModelFile(broken((p) => (p.classNames = ['a', 'b', 'c', 4])), 'm.mednas'), /classNames\[3\] is the number 4, expected a string/);
  fault(() => decodeModelFile(broken((p) => (p.history = [])), 'm.mednas'), /history .* expected 2 epoch records/);
  fault(() => decodeModelFile(broken((p) => {
    const t = (p.tensors as Record<string, { data: Uint8Array }>)['stem.0.weight'];
    t.data = t.data.subarray(0, 8);
  }), 'm.mednas'), /tensors\["stem\.0\.weight"\]\.data is 8 bytes, expected 144 bytes/);
});

test.run();
