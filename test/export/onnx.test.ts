// ONNX export against ONNX Runtime: the exported graph of a model file, run by onnxruntime-node
// (CPU), gives the logits mednas's own network gives in eval mode, within 1e-4, for the paper
// genotype and two seeded random live genotypes that between them use every op of the space
// (including 3x3 pools at an odd size, where their padding drops to 0); and PyTorch's own float64
// logits of mstf_torch.py's golden fixtures, with no mednas engine in between. Also: the network
// description the exporter walks matches the modules buildNetwork builds, and the graph holds what
// the header of src/export/onnx.ts says.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { readNpz } from '../../src/data/npz.ts';
import type { StateTensor } from '../../src/nn/state.ts';
import { describeNetwork, stateEntrySpecs, type LayerSpec } from '../../src/export/network-spec.ts';
import { modelState } from '../../src/export/model-state.ts';
import { modelToOnnx, ONNX_IR_VERSION, ONNX_OPSET, OnnxInputError } from '../../src/export/onnx.ts';
import { Conv2d } from '../../src/nn/layers.ts';
import { StateFormatError } from '../../src/nn/state.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import { buildNetwork } from '../../src/space/network.ts';
import { HalvingPool } from '../../src/space/op-modules.ts';
import { NORMAL_OP_NAMES, REDUCTION_OP_NAMES, REDUCTION_OPS } from '../../src/space/ops.ts';
import { randomGenotype } from '../../src/space/random.ts';
import { decodeModelFile, encodeModelFile, type ModelNetwork } from '../../src/train/model-file.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';
import { calibratedModel, hostTensors, logitSpread, maxAbsDiff, mednasLogits, modelFileOf, RANDOM_SEEDS, testImages } from './helpers.ts';
import { readOnnx } from './proto-reader.ts';

const rt = await testRuntime();

interface Case {
  readonly label: string;
  readonly genotype: readonly number[];
  readonly network: ModelNetwork;
  readonly seed: number;
}

const CASES: Case[] = [
  { label: 'paper', genotype: PAPER_GENOTYPE, network: { inChannels: 1, numClasses: 2, initChannels: 8, inputSize: 28 }, seed: 1 },
  ...RANDOM_SEEDS.map((s, i): Case => ({
    label: `random live (seed ${s})`,
    genotype: randomGenotype(new Rng(s), { avoidDead: true }),
    network: i === 0 ? { inChannels: 3, numClasses: 5, initChannels: 8, inputSize: 28 } : { inChannels: 1, numClasses: 4, initChannels: 4, inputSize: 28 },
    seed: 2 + i,
  })),
];

test('the tested genotypes use every op of the space, and 3x3 pools at an odd size', () => {
  const normal = new Set<string>();
  const pools = new Set<string>();
  const oddPools = new Set<string>();
  for (const c of CASES.slice(1)) {
    const spec = describeNetwork(c.genotype, c.network);
    spec.blocks.forEach((b, i) => {
      for (const n of b.normal.nodes) normal.add(n.op);
      for (const r of b.reduction.branches) {
        pools.add(r.op);
        if (spec.plan.blocks[i].height % 2 === 1 && r.op.endsWith('3x3')) oddPools.add(r.op);
      }
    });
  }
  assert.equal([...normal].sort(), [...NORMAL_OP_NAMES].sort());
  assert.equal([...pools].sort(), [...REDUCTION_OP_NAMES].sort());
  assert.equal([...oddPools].sort(), ['avg_pool_3x3', 'max_pool_3x3']);
});

test('the network description is the built network: state names and shapes, every conv and pool', () => {
  for (const c of CASES) {
    const spec = describeNetwork(c.genotype, c.network);
    const net = buildNetwork(c.genotype, { ...c.network }, { rt, seed: 0 });
    try {
      const built = net.stateEntries().map(([name, t]) => `${name} [${t.shape.join(',')}]`).sort();
      assert.equal(stateEntrySpecs(spec).map((e) => `${e.name} [${e.shape.join(',')}]`).sort(), built, c.label);
      const layers = new Map<string, LayerSpec>();
      const walk = (ls: readonly LayerSpec[]) => ls.forEach((l) => layers.set(l.name, l));
      walk(spec.stem);
      for (const b of spec.blocks) {
        b.normal.nodes.forEach((n) => walk(n.layers));
        b.reduction.branches.forEach((r) => walk(r.layers));
        walk(b.reduction.fuse);
      }
      let convs = 0;
      let pools = 0;
      for (const [name, m] of net.namedModules()) {
        if (m instanceof Conv2d) {
          const l = layers.get(name);
          assert.ok(l && l.kind === 'conv', `${c.label}: ${name} is a conv`);
          const o = m.options;
          const pair = (v: number | readonly number[] | undefined, d: number) => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [...v]);
          const pad = o.padding === undefined ? [0, 0, 0, 0] : typeof o.padding === 'number' ? [o.padding, o.padding, o.padding, o.padding] : o.padding.length === 4 ? [...o.padding] : [o.padding[0], o.padding[0], o.padding[1], o.padding[1]];
          assert.equal([...l.padding], pad, `${name} padding`);
          assert.equal([...l.dilation], pair(o.dilation, 1), `${name} dilation`);
          assert.equal([...l.stride], pair(o.stride, 1), `${name} stride`);
          assert.is(l.groups, o.groups ?? 1, `${name} groups`);
          assert.is(l.bias, m.bias !== null, `${name} bias`);
          assert.equal([l.outChannels, l.inChannels / l.groups, ...l.kernel], [...m.weight.shape], `${name} weight`);
          convs++;
        } else if (m instanceof HalvingPool) {
          const l = layers.get(name);
          assert.ok(l && l.kind === 'pool' && l.pool === m.kind && l.kernel === m.kernel, `${c.label}: ${name} is a ${m.kind} pool ${m.kernel}`);
          pools++;
        }
      }
      assert.is(convs, [...layers.values()].filter((l) => l.kind === 'conv').length);
      assert.is(pools, [...layers.values()].filter((l) => l.kind === 'pool').length);
    } finally {
      net.dispose();
    }
  }
  // The op table's pools, as the description reads them from the names.
  for (const op of REDUCTION_OPS) {
    const spec = describeNetwork([...PAPER_GENOTYPE.slice(0, 10), op.index, op.index, op.index, op.index], { inChannels: 1, numClasses: 2, initChannels: 4 });
    const pool = spec.blocks[0].reduction.branches[0].layers[0];
    assert.ok(pool.kind === 'pool' && pool.pool === op.pool && pool.kernel === op.kernel, op.name);
  }
});

let worst = 0;
let spread = Infinity;
for (const c of CASES) {
  test(`ONNX Runtime runs the export of ${c.label} and gives mednas's eval-mode logits within 1e-4`, async () => {
    const model = decodeModelFile(encodeModelFile(await calibratedModel(rt, c.genotype, c.network, c.seed)), 'calibrated');
    const session = await InferenceSession.create(modelToOnnx(model), { logSeverityLevel: 3 });
    const { inChannels: ch, inputSize: s, numClasses: k } = c.network;
    assert.equal(session.inputNames, ['images']);
    assert.equal(session.outputNames, ['logits']);
    for (const n of [3, 1]) {
      const x = testImages(n, ch, s, 1000 + c.seed + n);
      const out = await session.run({ images: new OrtTensor('float32', x, [n, ch, s, s]) });
      const logits = out.logits;
      assert.equal([...logits.dims], [n, k]);
      const theirs = logits.data as Float32Array;
      const mine = await mednasLogits(rt, model, x, n);
      const d = maxAbsDiff(theirs, mine);
      worst = Math.max(worst, d);
      assert.ok(d <= 1e-4, `${c.label}, batch ${n}: max |ORT - mednas| = ${d}`);
      if (n > 1) {
        spread = Math.min(spread, logitSpread(mine, n, k));
        assert.ok(logitSpread(mine, n, k) > 0.05, `${c.label}: the logits barely depend on the input (spread ${logitSpread(mine, n, k)})`);
      }
    }
    await session.release();
  });
}

// PyTorch's own float64 eval-mode outputs (fixtures/space-golden-*.npz, scripts/golden/mstf_torch.py:
// paper, MIXED, random genotypes; weights and BatchNorm statistics calibrated there), no mednas
// engine in between: the fixture's weights, exported, run by ONNX Runtime.
let worstTorch = 0;
test("ONNX Runtime on mstf_torch.py's golden fixtures gives PyTorch's float64 eval logits within 1e-4", async () => {
  for (const name of ['paper', 'mixed', 'random']) {
    const file = resolve(import.meta.dirname, '..', '..', 'fixtures', `space-golden-${name}.npz`);
    const a = readNpz(readFileSync(file), file);
    const index = JSON.parse(new TextDecoder().decode(a.get('index')!.data as Uint8Array)) as { state: [string, number[], number][] };
    const flat = a.get('state')!.data as Float32Array;
    const tensors = new Map(index.state.map(([n, shape, at]): [string, StateTensor] => [n, { shape, values: flat.slice(at, at + shape.reduce((p, d) => p * d, 1)) }]));
    const [inChannels, numClasses, initChannels] = Array.from(a.get('meta.config')!.data as Int32Array);
    const genotype = Array.from(a.get('meta.genotype')!.data as Int32Array);
    const model = modelFileOf(genotype, { inChannels, numClasses, initChannels, inputSize: 28 }, tensors);
    const input = a.get('input')!;
    const session = await InferenceSession.create(modelToOnnx(model), { logSeverityLevel: 3 });
    const out = await session.run({ images: new OrtTensor('float32', input.data as Float32Array, [...input.shape]) });
    const d = maxAbsDiff(out.logits.data as Float32Array, a.get('output.eval')!.data as Float64Array);
    worstTorch = Math.max(worstTorch, d);
    assert.ok(d <= 1e-4, `${name}: max |ORT - PyTorch float64| = ${d}`);
    await session.release();
  }
});

test('--input pixels: the graph starts with the normalisation; pixel values give the fixtures\' PyTorch logits; a file without normalisation is refused', async () => {
  const file = resolve(import.meta.dirname, '..', '..', 'fixtures', 'space-golden-mixed.npz');
  const a = readNpz(readFileSync(file), file);
  const index = JSON.parse(new TextDecoder().decode(a.get('index')!.data as Uint8Array)) as { state: [string, number[], number][] };
  const flat = a.get('state')!.data as Float32Array;
  const tensors = new Map(index.state.map(([n, shape, at]): [string, StateTensor] => [n, { shape, values: flat.slice(at, at + shape.reduce((p, d) => p * d, 1)) }]));
  const [inChannels, numClasses, initChannels] = Array.from(a.get('meta.config')!.data as Int32Array);
  const model = modelFileOf(Array.from(a.get('meta.genotype')!.data as Int32Array), { inChannels, numClasses, initChannels, inputSize: 28 }, tensors);
  const { mean, std } = model.normalization!;
  const input = a.get('input')!;
  const plane = 28 * 28;
  // The pixels whose loader normalisation, (pixel / 255 - mean) / std, is the fixture's input.
  const pixels = Float32Array.from(input.data as Float32Array, (x, i) => (x * std[Math.floor(i / plane) % inChannels] + mean[Math.floor(i / plane) % inChannels]) * 255);
  const bytes = modelToOnnx(model, { input: 'pixels' });
  const onnx = readOnnx(bytes);
  assert.equal(onnx.nodes.slice(0, 2).map((n) => [n.op, n.name, n.inputs]), [
    ['Mul', 'input_normalization.mul', ['images', 'input_normalization.scale']],
    ['Add', 'input_normalization.add', ['input_normalization.mul', 'input_normalization.shift']],
  ]);
  assert.equal(onnx.initializers.find((i) => i.name === 'input_normalization.scale')!.dims, [1, inChannels, 1, 1]);
  assert.match(onnx.metadata.input, /pixel values 0-255 .*the graph normalises them itself/);
  assert.equal(JSON.parse(onnx.metadata.mean), mean);
  const session = await InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const out = await session.run({ images: new OrtTensor('float32', pixels, [...input.shape]) });
  const d = maxAbsDiff(out.logits.data as Float32Array, a.get('output.eval')!.data as Float64Array);
  assert.ok(d <= 1e-4, `max |ORT on pixels - PyTorch float64 on normalised images| = ${d}`);
  await session.release();
  // The default graph takes the normalised images: no normalisation nodes.
  assert.not.ok(readOnnx(modelToOnnx(model)).nodes.some((n) => n.name.startsWith('input_normalization')));
  assert.throws(() => modelToOnnx({ ...model, normalization: null }, { input: 'pixels' }), (e: unknown) => e instanceof OnnxInputError && /records no input normalisation/.test((e as Error).message));
});

test('the graph: opset 13, input images [N, C, H, W], output logits [N, classes], initializers under the state names', () => {
  const c = CASES[1];
  const model = modelFileOf(c.genotype, c.network, hostTensors(c.genotype, c.network, 5));
  const onnx = readOnnx(modelToOnnx(model));
  assert.is(onnx.irVersion, ONNX_IR_VERSION);
  assert.equal(onnx.opsets, [{ domain: '', version: ONNX_OPSET }]);
  assert.is(onnx.producer, 'mednas');
  assert.equal(onnx.inputs, [{ name: 'images', dims: ['N', 3, 28, 28] }]);
  assert.equal(onnx.outputs, [{ name: 'logits', dims: ['N', 5] }]);
  const spec = describeNetwork(c.genotype, c.network);
  const names = stateEntrySpecs(spec).map((e) => e.name);
  assert.equal(onnx.initializers.map((i) => i.name).filter((n) => n !== 'zero').sort(), [...names].sort());
  assert.ok(onnx.initializers.every((i) => i.dataType === 1));
  // Values are the best weights', bit for bit (f32 through the packed floats).
  const w = onnx.initializers.find((i) => i.name === 'stem.0.weight')!;
  assert.equal(w.dims, [8, 3, 3, 3]);
  assert.equal(w.values, [...model.best!.tensors.get('stem.0.weight')!.values]);
  assert.equal(onnx.initializers.find((i) => i.name === 'zero'), { name: 'zero', dims: [], dataType: 1, values: [0] });
  const ops = new Set(onnx.nodes.map((n) => n.op));
  assert.equal([...ops].sort(), ['AveragePool', 'BatchNormalization', 'Concat', 'Conv', 'Flatten', 'Gemm', 'GlobalAveragePool', 'MaxPool', 'Mean', 'Mul', 'Relu']);
  const node = (name: string) => onnx.nodes.find((n) => n.name === name)!;
  // Every layer kind's attributes, found by its module name.
  for (const b of spec.blocks) {
    for (const n of b.normal.nodes) {
      if (n.op.startsWith('dil_sep_conv')) assert.equal(node(`${n.name}.main.1`).attributes.dilations.ints, [2, 2]);
      if (n.op === 'dil_sep_conv_5x5') assert.equal(node(`${n.name}.main.1`).attributes.pads.ints, [4, 4, 4, 4]);
      if (n.op.startsWith('sep_conv')) assert.is(node(`${n.name}.main.1`).attributes.group.i, spec.plan.blocks[Number(b.name.split('.')[1])].channels);
      if (n.op === 'dual_conv_7x7') {
        assert.equal(node(`${n.name}.main.1`).attributes.kernel_shape.ints, [1, 7]);
        assert.equal(node(`${n.name}.main.1`).attributes.pads.ints, [0, 3, 0, 3]);
        assert.equal(node(`${n.name}.main.2`).attributes.pads.ints, [3, 0, 3, 0]);
      }
      if (n.op === 'zero') assert.equal(node(n.name).op, 'Mul');
    }
  }
  const pools = onnx.nodes.filter((n) => n.op === 'AveragePool' || n.op === 'MaxPool');
  assert.ok(pools.filter((n) => n.op === 'AveragePool').every((n) => n.attributes.count_include_pad.i === 0));
  assert.ok(pools.every((n) => n.attributes.strides.ints!.join() === '2,2'));
  const odd = pools.filter((n) => n.name.startsWith('blocks.2.') && n.attributes.kernel_shape.ints!.join() === '3,3');
  assert.ok(odd.length > 0 && odd.every((n) => n.attributes.pads.ints!.join() === '0,0,0,0'), 'a 3x3 pool at 7x7 is unpadded');
  assert.ok(pools.filter((n) => n.name.startsWith('blocks.0.') && n.attributes.kernel_shape.ints!.join() === '4,4').every((n) => n.attributes.pads.ints!.join() === '1,1,1,1'));
  assert.ok(onnx.nodes.filter((n) => n.op === 'BatchNormalization').every((n) => Math.abs(n.attributes.epsilon.f! - 1e-5) < 1e-12));
  assert.equal(node('classifier').attributes.transB.i, 1);
  assert.equal(onnx.metadata.genotype, c.genotype.join(','));
  assert.match(onnx.metadata.weights, /best on validation, epoch 1/);
  // The model file's normalisation and class names, as JSON arrays: what a user needs to feed it and name its outputs.
  assert.equal(JSON.parse(onnx.metadata.mean), model.normalization!.mean);
  assert.equal(JSON.parse(onnx.metadata.std), model.normalization!.std);
  assert.equal(JSON.parse(onnx.metadata.class_names), model.classNames);
  assert.match(onnx.metadata.input, /metadata keys mean and std/);
  // A model file from before version 3 records neither: the export says only how to normalise.
  const old = readOnnx(modelToOnnx({ ...model, normalization: null, classNames: null })).metadata;
  assert.equal([old.mean, old.std, old.class_names], [undefined, undefined, undefined]);
  assert.not.match(old.input, /metadata keys/);
});

test("--weights last takes the file's last weights; a file without best weights exports its last ones", () => {
  const c = CASES[0];
  const model = modelFileOf(c.genotype, c.network, hostTensors(c.genotype, c.network, 6));
  const get = (bytes: Uint8Array) => readOnnx(bytes).initializers.find((i) => i.name === 'classifier.bias')!.values;
  assert.equal(get(modelToOnnx(model, { weights: 'last' })), [...model.tensors.get('classifier.bias')!.values]);
  assert.equal(get(modelToOnnx(model)), [...model.best!.tensors.get('classifier.bias')!.values]);
  const noBest = { ...model, best: null };
  assert.is(modelState(noBest).weights, 'last');
  assert.equal(get(modelToOnnx(noBest)), [...model.tensors.get('classifier.bias')!.values]);
});

test('a damaged model file, or one whose tensors do not fit its genotype, is refused naming the file', () => {
  const c = CASES[0];
  const model = modelFileOf(c.genotype, c.network, hostTensors(c.genotype, c.network, 7));
  const bytes = encodeModelFile(model);
  bytes[bytes.length - 10] ^= 0xff;
  assert.throws(() => modelToOnnx(decodeModelFile(bytes, 'runs/x/model.mednas')), (e: Error) => e instanceof FileFormatError && /runs\/x\/model\.mednas/.test(e.message));
  const missing = new Map(model.best!.tensors);
  missing.delete('blocks.1.reduction.fuse.main.2.running_var');
  assert.throws(
    () => modelToOnnx({ ...model, best: { ...model.best!, tensors: missing } }, { source: 'runs/y/model.mednas' }),
    (e: Error) => e instanceof StateFormatError && /runs\/y\/model\.mednas: best\.tensors has no 'blocks\.1\.reduction\.fuse\.main\.2\.running_var'/.test(e.message),
  );
  const reshaped = new Map(model.best!.tensors);
  reshaped.set('classifier.weight', { shape: [2, 3], values: new Float32Array(6) });
  assert.throws(() => modelToOnnx({ ...model, best: { ...model.best!, tensors: reshaped } }), (e: Error) => e instanceof StateFormatError && /classifier\.weight is \[2, 3\]/.test(e.message));
  const extra = new Map(model.best!.tensors);
  extra.set('stem.1.num_batches_tracked', { shape: [], values: new Float32Array(1) });
  assert.throws(() => modelToOnnx({ ...model, best: { ...model.best!, tensors: extra } }), (e: Error) => e instanceof StateFormatError && /1 tensor\(s\) the network does not have \(stem\.1\.num_batches_tracked\)/.test(e.message));
});

test.after(() => console.log(`  worst |ONNX Runtime - mednas| over ${CASES.length} genotypes: ${worst.toExponential(2)} (smallest logit spread over a batch: ${spread.toFixed(3)}); against PyTorch's golden float64 logits: ${worstTorch.toExponential(2)}`));

test.run();
