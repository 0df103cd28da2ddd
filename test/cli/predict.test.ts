// Your own data end to end, as a user runs it: `mednas train --dataset FOLDER` on a folder of PNG
// and JPEG files (child process), the model file's dataset id, normalisation and class names, then
// `mednas predict` on the model it wrote: probabilities that sum to 1, the same numbers as
// evaluation's path on the same images (and so eval's ACC and AUC), images prepared exactly as the
// dataset holds them, bad inputs named; with the model file alone (the folder moved away); other
// data given with --dataset is said to differ and the model's own values are used; a model file
// from before version 3 (no normalisation stored) still needs the data, and says so.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeImage, trainStats } from '../../src/data/index.ts';
import {
  buildModelNetwork, datasetId, decodeModelFile, firstImages, medMnistMetrics, MissingNormalizationError, MODEL_FORMAT, MODEL_VERSION, predictionSetup, predictSplit,
  prepareForModel, type ModelFile,
} from '../../src/train/index.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/util/envelope.ts';
import { loadImageFolder } from '../../src/node/index.ts';
import { testRuntime } from '../gpu.ts';
import { cli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-predict-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const folder = join(dir, 'Scans');
const out = join(dir, 'run');
const modelPath = join(out, 'model.mednas');
const CLASSES = ['clear', 'spots'];

// 2 classes x 12 gray 20 x 20 images (every third a JPEG): 'spots' has a bright disc.
CLASSES.forEach((cls, k) => {
  mkdirSync(join(folder, cls), { recursive: true });
  for (let i = 0; i < 12; i++) {
    const w = 20;
    const d = Uint8Array.from({ length: w * w }, (_, p) => {
      const x = p % w, y = Math.floor(p / w);
      return Math.min(255, 40 + ((x * 13 + y * 7 + i * 31) % 60) + (k === 1 && (x - 10) ** 2 + (y - 10) ** 2 < 30 ? 120 : 0));
    });
    if (i % 3 === 2) {
      const rgba = new Uint8Array(w * w * 4);
      for (let p = 0; p < w * w; p++) rgba.set([d[p], d[p], d[p], 255], 4 * p);
      writeFileSync(join(folder, cls, `img${i}.jpg`), jpeg.encode({ width: w, height: w, data: rgba }, 90).data);
    } else {
      writeFileSync(join(folder, cls, `img${i}.png`), encodePng({ width: w, height: w, data: d, channels: 1, depth: 8 }));
    }
  }
});

interface PredictLine { image: string; predicted: number; className: string | null; probabilities: number[]; classNames: string[] | null }
const jsonLines = <T>(text: string): T[] => text.trim().split('\n').map((l) => JSON.parse(l) as T);
let model: ModelFile;

test('mednas train --dataset FOLDER: the split is said, and the model file records the dataset id as for MedMNIST', async () => {
  // --batch 2, 3 epochs: 24 steps, so that BatchNorm's running statistics move and the outputs depend on the images.
  const r = await cli(['train', '--dataset', folder, '--epochs', '3', '--max-images', '16', '--init-channels', '4', '--batch', '2', '--out', out]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, `${folder}: image folder 'scans', 2 classes (clear, spots), 28 x 28 grayscale`);
  assert.match(r.stdout, 'split 70/10/20 per class, seed 0 (--split-seed): train 18, val 2, test 4 images');
  assert.match(r.stdout, `mednas eval ${modelPath} --dataset ${folder}`);
  model = decodeModelFile(new Uint8Array(readFileSync(modelPath)), modelPath);
  const { dataset } = await loadImageFolder(folder);
  assert.equal(model.dataset, datasetId(firstImages(dataset, 16)));
  assert.equal([model.dataset.name, model.dataset.release, model.network.inChannels, model.network.inputSize], ['scans', 'image-folder: 70/10/20 stratified split, seed 0', 1, 28]);
  // What predicting needs besides the weights: the normalisation the trainer applied (its cut training split's), the class folders.
  assert.equal(model.normalization, trainStats(firstImages(dataset, 16)));
  assert.equal(model.classNames, CLASSES);
  // The same model file as mednas wrote it before version 3 (no normalisation, no class names): without the folder it
  // cannot be normalised, which is said before the GPU opens; the library says so too, and takes both from the data.
  const { payload } = decodeEnvelope(readFileSync(modelPath), { format: MODEL_FORMAT, versions: [MODEL_VERSION], source: modelPath });
  const { normalization: _n, classNames: _c, ...v2 } = payload as Record<string, unknown>;
  const oldPath = join(dir, 'old.mednas');
  writeFileSync(oldPath, encodeEnvelope(MODEL_FORMAT, 2, v2));
  const old = decodeModelFile(readFileSync(oldPath), oldPath);
  assert.throws(() => predictionSetup(old), (e: Error) => e instanceof MissingNormalizationError && /give the data it was trained on \(scans\)/.test(e.message));
  assert.equal(predictionSetup(old, dataset), { stats: model.normalization, classNames: CLASSES, from: 'dataset', notice: null });
  const bare = await cli(['predict', oldPath, join(folder, 'clear', 'img0.png')]);
  assert.is(bare.status, 1);
  assert.match(bare.stderr, `the model ${oldPath} records no input normalisation or class names (a model file from before version 3), and it was made on your own data 'scans'`);
  assert.match(bare.stderr, '--dataset PATH');
});

test('mednas predict: probabilities sum to 1, as evaluation computes them on the same images (so eval\'s ACC and AUC)', async () => {
  const { dataset, summary } = await loadImageFolder(folder);
  const cut = firstImages(dataset, 16);
  const files = summary.files.test.slice(0, cut.splits.test.count);
  const r = await cli(['predict', modelPath, ...files, '--dataset', folder, '--json']);
  assert.is(r.status, 0, r.stderr);
  const lines = jsonLines<PredictLine>(r.stdout);
  assert.equal(lines.map((l) => l.image), files);
  for (const l of lines) {
    assert.equal(l.classNames, CLASSES);
    assert.ok(Math.abs(l.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5, `sum ${l.probabilities}`);
    assert.is(l.className, CLASSES[l.predicted]);
    assert.is(l.predicted, l.probabilities[1] > l.probabilities[0] ? 1 : 0);
  }
  // The images as the model's dataset holds them, and its training split's normalisation.
  const plane = 28 * 28;
  files.forEach((f, i) => assert.equal(prepareForModel(decodeImage(new Uint8Array(readFileSync(f)), f), model), cut.splits.test.images.subarray(i * plane, (i + 1) * plane), f));
  assert.equal(predictionSetup(model, dataset), { stats: trainStats(cut), classNames: CLASSES, from: 'model', notice: null });
  assert.equal(predictionSetup(model), { stats: trainStats(cut), classNames: CLASSES, from: 'model', notice: null });
  // Evaluation's path (predictSplit on the test split, train-stats normalisation) gives the same numbers.
  const rt = await testRuntime();
  const net = buildModelNetwork(rt, model);
  const scores = await predictSplit(rt, net, cut, { split: 'test', batchSize: model.config.batchSize });
  net.dispose();
  lines.forEach((l, i) => l.probabilities.forEach((p, k) => assert.ok(Math.abs(p - scores.scores[i * 2 + k]) < 1e-6, `${l.image}: ${p} vs ${scores.scores[i * 2 + k]}`)));
  const spread = Math.max(...lines.map((l) => l.probabilities[0])) - Math.min(...lines.map((l) => l.probabilities[0]));
  assert.ok(spread > 1e-6, `the outputs depend on the images (spread ${spread})`);
  // And so `mednas eval` on the same split: its ACC and AUC from predict's own numbers.
  const e = await cli(['eval', modelPath, '--dataset', folder, '--json']);
  assert.is(e.status, 0, e.stderr);
  const evaluated = JSON.parse(e.stdout.trim()) as { acc: number; auc: number; images: number };
  const labels = Int32Array.from(files, (f) => CLASSES.indexOf(f.split('/').at(-2)!));
  const mine = medMnistMetrics('binary-class', labels, Float32Array.from(lines.flatMap((l) => l.probabilities)), 2);
  assert.is(evaluated.images, files.length);
  assert.ok(Math.abs(mine.acc - evaluated.acc) < 1e-9 && Math.abs(mine.auc - evaluated.auc) < 1e-9, `predict ${JSON.stringify(mine)} vs eval ${e.stdout}`);
});

test('mednas predict FOLDER with the model file alone: every image in it, plain lines; a bad file is named, or skipped with --skip-bad; other data is said to differ', async () => {
  const inputs = join(dir, 'new');
  mkdirSync(inputs);
  writeFileSync(join(inputs, 'a.png'), readFileSync(join(folder, 'spots', 'img0.png')));
  writeFileSync(join(inputs, 'b.jpg'), readFileSync(join(folder, 'clear', 'img2.jpg')));
  writeFileSync(join(inputs, 'notes.txt'), 'not an image');
  // Other data (fewer images, another class name) given with --dataset: the differences are said, before the bad file stops it (no GPU).
  const other = join(dir, 'Other');
  cpSync(folder, other, { recursive: true });
  renameSync(join(other, 'spots'), join(other, 'dots'));
  for (const cls of ['clear', 'dots']) for (const i of [0, 1, 3, 4]) rmSync(join(other, cls, `img${i}.png`));
  const refused = await cli(['predict', modelPath, inputs, '--dataset', other]);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /mednas: note: other is not the data the model was trained on \(scans, CRC-32 [0-9a-f]+; this one [0-9a-f]+\): its training-split normalisation \(mean\/std 0\.\d{4}\/0\.\d{4}\) differs from the model's \(0\.\d{4}\/0\.\d{4}\), which is used \(the model was trained with it\); other's class names \(clear, dots\) differ from the model's \(clear, spots\), which are used\n/);
  assert.match(refused.stderr, `${join(inputs, 'notes.txt')}: is not a PNG or JPEG image`);
  // The training data out of reach: the model file is all predict needs.
  renameSync(folder, `${folder}-away`);
  try {
    const r = await cli(['predict', modelPath, inputs, '--skip-bad']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, `skipped ${join(inputs, 'notes.txt')} (--skip-bad)`);
    assert.not.match(r.stderr, 'note:');
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], `model ${modelPath}: trained on scans (2 classes: clear, spots); images as 28 x 28 grayscale, normalised by its training split (mean/std ${model.normalization!.mean[0].toFixed(4)}/${model.normalization!.std[0].toFixed(4)}, as the model file records)`);
    assert.is(lines.length, 3);
    assert.match(lines[1], new RegExp(`^${join(inputs, 'a.png')}\\s+(clear|spots)\\s+\\(clear 0\\.\\d{4}\\s+spots 0\\.\\d{4}\\)$`));
    assert.match(lines[2], join(inputs, 'b.jpg'));
  } finally {
    renameSync(`${folder}-away`, folder);
  }
});

test.run();
