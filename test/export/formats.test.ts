// The weight exports without Python: .safetensors by its spec (header length, JSON header with
// dtype, shape, data_offsets, __metadata__; 8-byte alignment; contiguous data) and .npz read back
// with the project's reader. Both hold exactly the state_dict names of the reference network, in
// PyTorch's order, with the best weights bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readNpz } from '../../src/data/npz.ts';
import { encodeSafetensors, exportModel, modelToNpz, modelToSafetensors } from '../../src/export/index.ts';
import { describeNetwork, stateEntrySpecs } from '../../src/export/network-spec.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import { MEDNAS_VERSION } from '../../src/version.ts';
import { hostTensors, modelFileOf } from './helpers.ts';

const network = { inChannels: 3, numClasses: 5, initChannels: 8, inputSize: 28 };
const model = modelFileOf(PAPER_GENOTYPE, network, hostTensors(PAPER_GENOTYPE, network, 11));
const names = stateEntrySpecs(describeNetwork(PAPER_GENOTYPE, network)).map((e) => e.name);

function parseSafetensors(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__?: Record<string, string> };
  return { n, header, body: bytes.subarray(8 + n) };
}

test('safetensors: header, metadata, names in state_dict order, contiguous F32 data equal to the best weights', () => {
  const bytes = modelToSafetensors(model);
  const { n, header, body } = parseSafetensors(bytes);
  assert.is(n % 8, 0, 'header padded to 8 bytes');
  const { __metadata__: meta, ...tensors } = header;
  assert.equal(Object.keys(tensors), names);
  assert.is(meta!.genotype, PAPER_GENOTYPE.join(','));
  assert.is(meta!.mednas_version, MEDNAS_VERSION);
  assert.is(meta!.format, 'pt');
  assert.is(meta!.init_channels, '8');
  assert.ok(Object.values(meta!).every((v) => typeof v === 'string'));
  let at = 0;
  for (const name of names) {
    const t = tensors[name];
    assert.is(t.dtype, 'F32');
    assert.equal(t.data_offsets[0], at, `${name} starts where the previous one ends`);
    const expected = model.best!.tensors.get(name)!;
    assert.equal(t.shape, [...expected.shape]);
    const values = new Float32Array(body.slice(t.data_offsets[0], t.data_offsets[1]).buffer);
    assert.equal([...values], [...expected.values], name);
    at = t.data_offsets[1];
  }
  assert.is(at, body.length);
  // Without metadata there is no __metadata__ key; odd header lengths are padded with spaces.
  const bare = parseSafetensors(encodeSafetensors([{ name: 'a', shape: [1], values: new Float32Array([2]) }]));
  assert.equal(Object.keys(bare.header), ['a']);
  assert.throws(() => encodeSafetensors([{ name: '__metadata__', shape: [], values: new Float32Array(1) }]), /taken/);
});

test('npz: one float32 member per state_dict name, read back equal; --weights last', () => {
  const back = readNpz(modelToNpz(model), 'export.npz');
  assert.equal([...back.keys()], names);
  for (const name of names) {
    const a = back.get(name)!;
    assert.is(a.dtype, 'f4');
    assert.equal(a.shape, [...model.best!.tensors.get(name)!.shape]);
    assert.equal([...a.data], [...model.best!.tensors.get(name)!.values], name);
  }
  const last = readNpz(modelToNpz(model, { weights: 'last' }), 'export.npz');
  assert.equal([...last.get('classifier.bias')!.data], [...model.tensors.get('classifier.bias')!.values]);
});

test('exportModel says what it took', () => {
  const r = exportModel(model, 'safetensors');
  assert.is(r.weights, 'best');
  assert.is(r.epoch, 0);
  assert.is(r.tensors, names.length);
  assert.is(r.values, [...model.best!.tensors.values()].reduce((s, t) => s + t.values.length, 0));
  assert.is(exportModel({ ...model, best: null, epochsDone: 0, history: [] }, 'npz').epoch, null);
});

test.run();
