// `mednas export` as a user runs it (a child process): a model trained through the library (the
// synthetic set, C = 4, 1 epoch, 64 images) exported to ONNX beside its model file and run by ONNX
// Runtime on test-split images gives mednas's eval-mode logits; an existing output is refused
// without --force; --format, --weights and --out; bad values name the flag; a damaged model file is
// refused with the reader's message naming the file and no stack. The ONNX file's metadata carries the
// model's input normalisation and class names: raw test pixels normalised with its mean and std alone
// give ONNX Runtime the logits mednas computes. (After two SGD steps the BatchNorm
// running statistics have barely moved, so this network's eval-mode logits hardly depend on the
// image: this checks the path trainer -> model file -> CLI -> ONNX Runtime; onnx.test.ts checks the
// numbers on networks whose logits do depend on it.)
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { trainStats } from '../../src/data/dataset.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { presetConfig } from '../../src/train/config.ts';
import { firstImages } from '../../src/train/dataset-id.ts';
import { decodeModelFile, encodeModelFile, type ModelFile } from '../../src/train/model-file.ts';
import { trainModel } from '../../src/train/trainer.ts';
import { cliAll, mednas } from '../cli/helpers.ts';
import { testRuntime } from '../gpu.ts';
import { logitSpread, maxAbsDiff, mednasLogits } from './helpers.ts';
import { readOnnx } from './proto-reader.ts';

const rt = await testRuntime();
const dir = mkdtempSync(join(tmpdir(), 'mednas-export-cli-'));
const modelPath = join(dir, 'model.mednas');
let model: ModelFile;

test.before(async () => {
  const dataset = syntheticDataset({ sizes: { train: 64, val: 32, test: 32 } });
  const config = { ...presetConfig('synthetic', 'quick'), initChannels: 4, epochs: 1, maxImages: 64 };
  await trainModel({ rt, dataset, genotype: 'paper', config, saveModel: async (bytes) => writeFileSync(modelPath, bytes) });
  model = decodeModelFile(readFileSync(modelPath), modelPath);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('export (ONNX by default) writes model.onnx beside the model; ONNX Runtime gives its logits on test images', async () => {
  const run = mednas('export', modelPath, '--json');
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '');
  const r = JSON.parse(run.stdout) as {
    out: string; format: string; weights: string; epoch: number; tensors: number; bytes: number; input: { shape: unknown[] }; normalization: unknown; classNames: unknown;
  };
  assert.is(r.out, join(dir, 'model.onnx'));
  assert.is(r.format, 'onnx');
  assert.is(r.weights, 'best');
  assert.is(r.epoch, 0);
  assert.is(r.tensors, model.best!.tensors.size);
  assert.equal(r.input.shape, ['N', 1, 28, 28]);
  const bytes = readFileSync(r.out);
  assert.is(bytes.length, r.bytes);
  const data = firstImages(syntheticDataset({ sizes: { train: 64, val: 32, test: 32 } }), 64);
  const loader = new DataLoader(data, { split: 'test', batchSize: 16, shuffle: false });
  const batch = (await loader.epoch(0).next()).value!;
  const n = batch.shape[0];
  // The file says how to feed it: the training split's mean and std (the trainer's numbers, exactly) and the class names.
  const meta = readOnnx(bytes).metadata;
  const stats = { mean: JSON.parse(meta.mean) as number[], std: JSON.parse(meta.std) as number[] };
  assert.equal(stats, trainStats(data));
  assert.equal(JSON.parse(meta.class_names), data.classNames);
  assert.equal([r.normalization, r.classNames], [stats, data.classNames]);
  // Raw pixels (1 channel, so HWC is CHW) normalised with the metadata alone are the input mednas's loader gives.
  const raw = data.splits.test.images.subarray(0, batch.images.length);
  const images = Float32Array.from(raw, (v) => (v / 255 - stats.mean[0]) / stats.std[0]);
  assert.ok(maxAbsDiff(images, batch.images) < 1e-6, `normalised by the metadata: ${maxAbsDiff(images, batch.images)} from the loader's`);
  const session = await InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const out = await session.run({ images: new OrtTensor('float32', images, [...batch.shape]) });
  const mine = await mednasLogits(rt, model, batch.images, n);
  const d = maxAbsDiff(out.logits.data as Float32Array, mine);
  console.log(`  trained model, ${n} test images: max |ONNX Runtime - mednas| = ${d.toExponential(2)} (logit spread ${logitSpread(mine, n, model.network.numClasses).toFixed(4)})`);
  assert.ok(d <= 1e-4, `max |ORT - mednas| = ${d}`);
  await session.release();
});

test('--input pixels: ONNX Runtime on the raw test pixels gives the logits of the normalised export; npz refuses the flag', async () => {
  const out = join(dir, 'pixels.onnx');
  const [run, npz, bad] = await cliAll([
    ['export', modelPath, '--input', 'pixels', '--out', out, '--json'],
    ['export', modelPath, '--format', 'npz', '--input', 'pixels', '--out', join(dir, 'never.npz')],
    ['export', modelPath, '--input', 'uint8', '--out', join(dir, 'never.onnx')],
  ]);
  assert.is(run.status, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { input: unknown }).input, { name: 'images', shape: ['N', 1, 28, 28], kind: 'pixels' });
  assert.is(npz.status, 1);
  assert.match(npz.stderr, /^mednas: --input is for --format onnx/);
  assert.is(bad.stderr.trim(), 'mednas: --input: got "uint8"; allowed: normalized, pixels');
  const data = firstImages(syntheticDataset({ sizes: { train: 64, val: 32, test: 32 } }), 64);
  const raw = data.splits.test.images.subarray(0, 16 * 28 * 28);
  const stats = trainStats(data);
  const normalised = Float32Array.from(raw, (v) => (v / 255 - stats.mean[0]) / stats.std[0]);
  const [a, b] = [await InferenceSession.create(readFileSync(out), { logSeverityLevel: 3 }), await InferenceSession.create(readFileSync(join(dir, 'model.onnx')), { logSeverityLevel: 3 })];
  const fromPixels = (await a.run({ images: new OrtTensor('float32', Float32Array.from(raw), [16, 1, 28, 28]) })).logits.data as Float32Array;
  const fromNormalised = (await b.run({ images: new OrtTensor('float32', normalised, [16, 1, 28, 28]) })).logits.data as Float32Array;
  assert.ok(maxAbsDiff(fromPixels, fromNormalised) <= 1e-5, `${maxAbsDiff(fromPixels, fromNormalised)}`);
  await Promise.all([a.release(), b.release()]);
});

test('an existing output is refused without --force (left as it was); --force, --format, --weights, --out', async () => {
  const onnx = join(dir, 'model.onnx');
  const before = statSync(onnx).mtimeMs;
  const out = join(dir, 'sub', 'weights.safetensors');
  const [refused, run] = await cliAll([['export', modelPath], ['export', modelPath, '--format', 'safetensors', '--weights', 'last', '--out', out, '--force']]);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /^mednas: --out: .*model\.onnx exists; give --force to overwrite it/);
  assert.is(statSync(onnx).mtimeMs, before);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /wrote .*weights\.safetensors: safetensors \(PyTorch state_dict names\), .* last weights of epoch 1/);
  const n = Number(readFileSync(out).readBigUInt64LE(0));
  const header = JSON.parse(readFileSync(out).subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  assert.is(Object.keys(header).length, model.tensors.size + 1);
});

test('bad values name the flag; a damaged model file is refused naming the file, without a stack', async () => {
  const damaged = join(dir, 'damaged.mednas');
  const bytes = readFileSync(modelPath);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(damaged, bytes);
  const plain = join(dir, 'no-normalization.mednas');
  writeFileSync(plain, encodeModelFile({ ...model, normalization: null }));
  const [format, run, pixels] = await cliAll([
    ['export', modelPath, '--format', 'pt'], ['export', damaged, '--format', 'onnx'], ['export', plain, '--input', 'pixels', '--out', join(dir, 'never.onnx')],
  ]);
  assert.is(pixels.status, 1);
  assert.match(pixels.stderr, /^mednas: --input pixels: .*no-normalization\.mednas: the model file records no input normalisation .*export with the normalised input/);
  assert.not.ok(existsSync(join(dir, 'never.onnx')));
  assert.is(format.status, 1);
  assert.is(format.stderr.trim(), 'mednas: --format: got "pt"; allowed: onnx, npz, safetensors');
  assert.is(run.status, 1);
  assert.match(run.stderr, /^mednas: .*damaged\.mednas: is damaged: its CRC-32 is/);
  assert.not.match(run.stderr, /\n\s+at /);
  assert.is(run.stderr.trim().split('\n').length, 1);
});

test.run();
