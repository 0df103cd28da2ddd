// Exporting a ResNet-18 model file: .npz and .safetensors hold exactly the state_dict of
// MedMNIST's models.py ResNet18 (names, shapes and order from the PyTorch fixture, checked at width
// 64 without tensors; the contents at width 8); the ONNX graph run by ONNX Runtime, and the npz and
// safetensors loaded into resnet18_torch.py's ResNet18 with load_state_dict(strict=True) (through
// scripts/golden/load_export.py; skipped where /usr/bin/python3 has no torch), give mednas's own
// eval-mode logits (width 8 with calibrated BatchNorms: the same code as 64 at a size the suite can
// afford).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { readNpz, writeNpz } from '../../src/data/npz.ts';
import { exportModel, exportNetwork, exportStateEntries, modelToNpz, modelToOnnx, modelToSafetensors } from '../../src/export/index.ts';
import { resnetStateEntries } from '../../src/nn/resnet-plan.ts';
import type { StateTensor } from '../../src/nn/state.ts';
import { RESNET18, resnetPlanOf } from '../../src/train/architecture.ts';
import { decodeModelFile, encodeModelFile } from '../../src/train/model-file.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { calibratedModel, logitSpread, maxAbsDiff, mednasLogits, modelFileOf, testImages } from './helpers.ts';
import { readOnnx } from './proto-reader.ts';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/resnet18-params.json', import.meta.url), 'utf8')) as {
  cases: { inChannels: number; numClasses: number; state: { name: string; shape: number[] }[] }[];
};

/** Random host tensors for every state entry of ResNet-18 at `network`. */
function hostResNet(network: { inChannels: number; numClasses: number; initChannels: number; inputSize: number }): Map<string, StateTensor> {
  const out = new Map<string, StateTensor>();
  resnetStateEntries(resnetPlanOf(network)).forEach(({ name, shape }, i) => {
    const n = shape.reduce((p, d) => p * d, 1);
    out.set(name, { shape, values: name.endsWith('running_var') ? randomArray(n, 100 + i, 0.5, 2) : randomArray(n, 100 + i, -0.5, 0.5) });
  });
  return out;
}

test("the exporter's ResNet-18 state (width 64, every fixture case) is torch's state_dict: names, shapes, order", () => {
  for (const c of fixture.cases) {
    const network = { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: 64, inputSize: 28 };
    const model = modelFileOf(RESNET18, network, new Map());
    assert.equal(exportStateEntries(exportNetwork(model)).map((e) => ({ name: e.name, shape: [...e.shape] })), c.state.map((e) => ({ name: e.name, shape: e.shape })));
  }
});

test('npz and safetensors of a ResNet-18 model: every tensor in state_dict order, bit for bit; metadata names the architecture', () => {
  const network = { inChannels: 3, numClasses: 5, initChannels: 8, inputSize: 28 };
  const model = modelFileOf(RESNET18, network, hostResNet(network));
  const names = resnetStateEntries(resnetPlanOf(network)).map((e) => e.name);
  const npz = readNpz(modelToNpz(model), 'resnet.npz');
  assert.equal([...npz.keys()], names);
  for (const name of names) assert.equal([...npz.get(name)!.data], [...model.best!.tensors.get(name)!.values], name);
  const st = modelToSafetensors(model);
  const n = Number(new DataView(st.buffer, st.byteOffset).getBigUint64(0, true));
  const { __metadata__: meta, ...tensors } = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + n))) as Record<string, unknown> & { __metadata__: Record<string, string> };
  assert.equal(Object.keys(tensors), names);
  assert.is(meta.architecture, 'resnet18');
  assert.is(meta.genotype, undefined);
  assert.is(meta.init_channels, '8');
  const r = exportModel(model, 'npz');
  assert.is(r.values, [...model.best!.tensors.values()].reduce((sum, t) => sum + t.values.length, 0));
});

test('a ResNet-18 model file whose tensors do not fit its network is refused naming the file', () => {
  const network = { inChannels: 1, numClasses: 2, initChannels: 8, inputSize: 28 };
  const tensors = hostResNet(network);
  tensors.delete('layer2.0.shortcut.0.weight');
  assert.throws(() => exportModel(modelFileOf(RESNET18, network, tensors), 'onnx', { source: 'r.mednas' }), /r\.mednas.*best\.tensors has no 'layer2\.0\.shortcut\.0\.weight'.*its architecture describes/s);
});

const rt = await testRuntime();

test("ONNX Runtime runs the ResNet-18 export and gives mednas's eval-mode logits within 1e-4; the graph is Conv/BatchNormalization/Relu/Add", async () => {
  const network = { inChannels: 3, numClasses: 5, initChannels: 8, inputSize: 28 };
  const model = decodeModelFile(encodeModelFile(await calibratedModel(rt, RESNET18, network, 4)), 'calibrated');
  const bytes = modelToOnnx(model);
  const onnx = readOnnx(bytes);
  assert.equal(onnx.inputs, [{ name: 'images', dims: ['N', 3, 28, 28] }]);
  const count = (op: string) => onnx.nodes.filter((node) => node.op === op).length;
  assert.equal([count('Conv'), count('BatchNormalization'), count('Relu'), count('Add'), count('Gemm')], [20, 20, 17, 8, 1]);
  assert.is(onnx.metadata.architecture, 'resnet18');
  assert.equal(onnx.initializers.map((i) => i.name).sort(), [...model.best!.tensors.keys()].sort(), 'every tensor, under its state_dict name');
  const session = await InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const n = 3;
  const x = testImages(n, 3, 28, 77);
  const out = await session.run({ images: new OrtTensor('float32', x, [n, 3, 28, 28]) });
  assert.equal([...out.logits.dims], [n, 5]);
  const mine = await mednasLogits(rt, model, x, n);
  const d = maxAbsDiff(out.logits.data as Float32Array, mine);
  assert.ok(d <= 1e-4, `max |ORT - mednas| = ${d}`);
  assert.ok(logitSpread(mine, n, 5) > 0.05, 'the logits depend on the input');
  await session.release();
});

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import numpy, torch'], { encoding: 'utf8' });
if (probe.status !== 0) {
  test('ResNet-18 npz and safetensors load in PyTorch (skipped)', () => console.log(`  skipped: ${PYTHON} cannot import numpy and torch`));
} else {
  test("ResNet-18's npz and safetensors load into the PyTorch ResNet18 with strict=True; its float64 logits equal mednas's within 1e-4", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mednas-export-resnet-'));
    try {
      const network = { inChannels: 1, numClasses: 2, initChannels: 8, inputSize: 28 };
      const model = await calibratedModel(rt, RESNET18, network, 5);
      const n = 3;
      const x = testImages(n, 1, 28, 505);
      writeFileSync(join(dir, 'images.npz'), writeNpz({ images: { dtype: 'f4', shape: [n, 1, 28, 28], data: x } }));
      const files = (['safetensors', 'npz'] as const).map((format) => {
        const file = join(dir, `model.${format}`);
        writeFileSync(file, exportModel(model, format).bytes);
        return file;
      });
      // The npz carries no metadata: --arch says what it is.
      const run = spawnSync(PYTHON, ['scripts/golden/load_export.py', ...files, '--arch', 'resnet18', '--images', join(dir, 'images.npz')], {
        cwd: resolve(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: 180_000,
      });
      assert.is(run.status, 0, run.stderr);
      const results = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { architecture: string; genotype: unknown; keys: number; metadata: Record<string, string>; logits: number[][] });
      const mine = await mednasLogits(rt, model, x, n);
      assert.is(results.length, 2);
      for (const r of results) {
        assert.equal([r.architecture, r.genotype, r.keys], ['resnet18', null, 102]);
        const d = maxAbsDiff(r.logits.flat(), mine);
        assert.ok(d <= 1e-4, `max |PyTorch - mednas| = ${d}`);
      }
      assert.is(results[0].metadata.architecture, 'resnet18', 'the safetensors metadata names the architecture');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
