// What scoring and training need from nn: copying a module's state (proxies score a copy), freezing
// parameters, BatchNorm with batch statistics that leaves the running ones alone, ModuleList, and
// loading named values (a PyTorch state dict).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BatchNorm2d, Conv2d, loadNamedValues, ModuleList, ReLU, Sequential, setBatchNormStatistics,
  StateFormatError, type Module,
} from '../../src/nn/index.ts';
import { crossEntropy } from '../../src/ops/loss.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad, tidy } from '../../src/tensor/scope.ts';
import { ShapeError, type Tensor } from '../../src/tensor/tensor.ts';
import { Sgd } from '../../src/train/sgd.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { smallNet as sharedSmallNet } from './fixture-net.ts';

const rt = await testRuntime();

const smallNet = (seed: number): Sequential => sharedSmallNet(rt, seed);

const input = (seed = 9): Tensor => tensor(randomArray(2 * 3 * 6 * 6, seed), [2, 3, 6, 6], rt);
const labels = Int32Array.from([1, 3]);

async function outputOf(net: Module, seed = 9): Promise<number[]> {
  const x = input(seed);
  const y = noGrad(() => net.forward(x));
  const v = Array.from(await y.data());
  x.dispose();
  y.dispose();
  return v;
}

async function stateValues(net: Module): Promise<number[][]> {
  return Promise.all(net.stateEntries().map(async ([, t]) => Array.from(await t.data())));
}

function backwardLoss(net: Module): void {
  const x = input();
  const loss = tidy(() => crossEntropy(net.forward(x), labels));
  loss.backward();
  loss.dispose();
  x.dispose();
}

test('copyStateFrom: same weights and running statistics in tensors of its own', async () => {
  const a = smallNet(1);
  await outputOf(a); // moves a's running statistics
  const b = smallNet(2);
  assert.not.equal(await stateValues(b), await stateValues(a));
  b.copyStateFrom(a);
  assert.equal(await stateValues(b), await stateValues(a));
  a.eval();
  b.eval();
  assert.equal(await outputOf(b), await outputOf(a));
  // Training the source afterwards leaves the copy as it was.
  const copied = await stateValues(b);
  a.train();
  const sgd = new Sgd(a.parameters(), { lr: 0.5 });
  backwardLoss(a);
  sgd.step();
  sgd.zeroGrad();
  assert.not.equal(await stateValues(a), copied);
  assert.equal(await stateValues(b), copied);
  sgd.dispose();
  a.dispose();
  b.dispose();
});

test('copyStateFrom: another architecture is refused before anything is copied', async () => {
  const a = smallNet(1);
  const other = new Sequential(new Conv2d(3, 8, 3, { rng: new Rng(3), rt, padding: 1, bias: false }), new BatchNorm2d(4, { rt }));
  const before = await stateValues(other);
  assert.throws(() => other.copyStateFrom(a), (e: Error) => e instanceof ShapeError && /another architecture|\[8\] in the source/.test(e.message));
  assert.equal(await stateValues(other), before);
  a.dispose();
  other.dispose();
});

test('freeze: frozen parameters get no gradient and SGD leaves them alone; unfreeze restores', async () => {
  const net = smallNet(4);
  const conv = net.namedChildren()[0][1] as Conv2d;
  conv.freeze();
  assert.is(net.trainableParameters().length, net.parameters().length - 1);
  assert.is(net.parameterCount(), 8 * 27 + 16 + 36, 'frozen parameters still count as the model');
  const convBefore = Array.from(await conv.weight.data());
  const sgd = new Sgd(net.parameters(), { lr: 0.5, momentum: 0.9 });
  backwardLoss(net);
  assert.is(conv.weight.grad, null, 'no gradient for a frozen weight');
  assert.ok(net.trainableParameters().every((p) => p.grad !== null), 'the others have one');
  sgd.step();
  sgd.zeroGrad();
  assert.equal(Array.from(await conv.weight.data()), convBefore);
  net.unfreeze();
  backwardLoss(net);
  assert.ok(conv.weight.grad !== null);
  net.freeze();
  assert.is(conv.weight.grad, null, 'freeze drops existing gradients');
  assert.is(net.trainableParameters().length, 0);
  sgd.dispose();
  net.dispose();
});

test("BatchNorm statistics 'batch': batch statistics in either mode, running statistics never move", async () => {
  const net = smallNet(5);
  const reference = smallNet(5);
  const runningBefore = await Promise.all(net.namedBuffers().map(async ([, t]) => Array.from(await t.data())));
  setBatchNormStatistics(net, 'batch');
  const trainOut = await outputOf(reference); // torch's train mode: batch statistics (and an update)
  assert.equal(await outputOf(net), trainOut);
  net.eval();
  assert.equal(await outputOf(net), trainOut, 'eval mode too uses the batch statistics');
  backwardLoss(net);
  assert.ok(net.parameters().every((p) => p.grad !== null), 'gradients flow as usual');
  const runningAfter = await Promise.all(net.namedBuffers().map(async ([, t]) => Array.from(await t.data())));
  assert.equal(runningAfter, runningBefore, 'running statistics untouched');
  setBatchNormStatistics(net, 'mode');
  net.train();
  await outputOf(net);
  const moved = await Promise.all(net.namedBuffers().map(async ([, t]) => Array.from(await t.data())));
  assert.not.equal(moved, runningBefore, "back to 'mode': training moves them again");
  net.dispose();
  reference.dispose();
});

test('ModuleList names its items 0..n-1 and has no forward of its own', () => {
  const list = new ModuleList([new BatchNorm2d(2, { rt }), new ReLU(), new BatchNorm2d(3, { rt })]);
  assert.equal(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.is(list.items.length, 3);
  assert.throws(() => list.forward(), /no forward/);
  list.dispose();
});

test('loadNamedValues: by dotted name, shapes checked first, a mismatch loads nothing', async () => {
  const net = smallNet(6);
  const values = new Map(net.stateEntries().map(([n, t]) => [n, { shape: [...t.shape], values: new Float32Array(t.size).fill(0.25) }]));
  loadNamedValues(net, values);
  assert.ok((await stateValues(net)).every((v) => v.every((x) => x === 0.25)));
  const wrong = new Map(values);
  wrong.set('4.bias', { shape: [5], values: new Float32Array(5) });
  wrong.set('0.weight', { shape: [8, 3, 3, 3], values: new Float32Array(216).fill(1) });
  assert.throws(() => loadNamedValues(net, wrong, 'torch.pt'), (e: Error) => e instanceof ShapeError && /torch\.pt: '4\.bias' has shape \[5\]/.test(e.message));
  assert.ok((await stateValues(net)).every((v) => v.every((x) => x === 0.25)), 'nothing written');
  const missing = new Map(values);
  missing.delete('1.running_var');
  missing.set('1.num_batches_tracked', { shape: [], values: new Float32Array(1) });
  assert.throws(() => loadNamedValues(net, missing), (e: Error) => e instanceof StateFormatError && /missing 1\.running_var; unexpected 1\.num_batches_tracked/.test(e.message));
  net.dispose();
});

test.run();
