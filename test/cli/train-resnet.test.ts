// `mednas train --arch resnet18` as a user runs it (child processes): ResNet-18 under the paper
// preset (scaled to width 8 and a few synthetic images so the suite can afford it) trains and writes
// a version 2 model file holding the architecture; eval scores it as the run did; export writes ONNX
// without a GPU; the run cannot be continued as a genotype, and is described as ResNet-18.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeModelFile } from '../../src/train/model-file.ts';
import { cli, cliAll } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-train-resnet-'));
const out = join(dir, 'r');
const modelPath = join(out, 'model.mednas');

test('train --arch resnet18 --preset paper: a ResNet-18 model file; eval and export read it', async () => {
  const run = await cli(['train', '--arch', 'resnet18', '--preset', 'paper', '--init-channels', '8', '--epochs', '1', '--max-images', '16', '--batch', '8', '--out', out]);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /ResNet-18 \(stem width 8\): [\d,]+ parameters, [\d.]+ M multiply-accumulates per image/);
  const model = decodeModelFile(new Uint8Array(readFileSync(modelPath)), modelPath);
  assert.equal(model.architecture, { kind: 'resnet18' });
  assert.equal([model.config.preset, model.config.initChannels, model.network.initChannels, model.finished], ['paper', 8, 8, true]);
  assert.ok(model.tensors.has('layer4.0.shortcut.0.weight'));

  const [evaluated, exported] = await cliAll([['eval', modelPath, '--json'], ['export', modelPath, '--format', 'onnx', '--json']]);
  assert.is(evaluated.status, 0, evaluated.stderr);
  const e = JSON.parse(evaluated.stdout) as { architecture: string; genotype: unknown; acc: number; auc: number };
  assert.equal([e.architecture, e.genotype, e.acc, e.auc], ['resnet18', null, model.test!.acc, model.test!.auc]);

  assert.is(exported.status, 0, exported.stderr);
  const x = JSON.parse(exported.stdout) as { architecture: string; tensors: number; format: string };
  assert.equal([x.architecture, x.format, x.tensors], ['resnet18', 'onnx', 102]);
});

test('a ResNet-18 run is not continued as a genotype, and is described as ResNet-18', async () => {
  const asGenotype = await cli(['train', '--arch', 'paper', '--resume', '--out', out]);
  assert.is(asGenotype.status, 1, asGenotype.stderr);
  assert.match(asGenotype.stderr, /--arch: the model file in .* is for ResNet-18, not genotype 2,0,4,.*drop --arch to continue it/);
  const again = await cli(['train', '--arch', 'resnet18', '--out', out]);
  assert.is(again.status, 1, again.stderr);
  assert.match(again.stderr, /already exists \(synthetic, epoch 1 of 1, finished, ResNet-18\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
