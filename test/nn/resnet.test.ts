// ResNet-18 as MedMNIST trains it at 28 px against PyTorch (scripts/golden/resnet18_torch.py, which
// writes the fixtures once; no Python here): the plan's state_dict names, shapes, parameter count and
// MACs for 1 and 3 channels x 2 and 5 classes; the built module holds exactly that state; one
// train-mode forward and backward of formula weights gives torch's logits, loss, gradients and
// running statistics (at width 8, every stage scaled by 1/8: the same code at a size the suite can
// afford on a software adapter; the width-64 case runs with MEDNAS_TEST_RESNET18_64=1).
// Gradients are compared in full only where no ReLU input is near 0 (the fixture's reluMargin): one
// such input on the other side of 0 in float32 than in float64 sends one gradient element the other
// way, which moves the early layers' gradients by several percent in a small network.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countForwardMacs } from '../../src/nn/macs.ts';
import { buildResNet18, type ResNet18 } from '../../src/nn/resnet.ts';
import { planResNet18, ResNetConfigError, resnetCost, resnetStateEntries, RESNET18_WIDTH, type ResNetPlan } from '../../src/nn/resnet-plan.ts';
import { loadNamedValues, type NamedValues } from '../../src/nn/state.ts';
import { crossEntropy } from '../../src/ops/loss.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad, tidy } from '../../src/tensor/scope.ts';
import { ShapeError } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';

interface ParamsCase {
  inChannels: number;
  numClasses: number;
  width: number;
  inputSize: number;
  params: number;
  macs: number;
  state: { name: string; shape: number[]; parameter: boolean }[];
}

interface ForwardCase {
  inChannels: number;
  numClasses: number;
  width: number;
  inputSize: number;
  batch: number;
  imageOrdinal: number;
  reluMargin: number;
  labels: number[];
  logits: number[];
  loss: number;
  grads: Record<string, { sumSquares: number; first: number[] }>;
  runningMeanFirst: number[];
  runningVarFirst: number[];
}

const params = JSON.parse(readFileSync(new URL('../../fixtures/resnet18-params.json', import.meta.url), 'utf8')) as { cases: ParamsCase[] };
const forward = JSON.parse(readFileSync(new URL('../../fixtures/resnet18-forward.json', import.meta.url), 'utf8')) as { safeMargin: number; cases: ForwardCase[] };

test('the fixture covers 1 and 3 channels x 2 and 5 classes at width 64, 28 px', () => {
  assert.equal(params.cases.map((c) => [c.inChannels, c.numClasses, c.width, c.inputSize]), [[1, 2, 64, 28], [1, 5, 64, 28], [3, 2, 64, 28], [3, 5, 64, 28]]);
});

for (const c of params.cases) {
  test(`plan (in ${c.inChannels}, ${c.numClasses} classes): torch's state_dict names, shapes and order, ${c.params.toLocaleString('en-US')} parameters, MACs`, () => {
    const plan = planResNet18({ inChannels: c.inChannels, numClasses: c.numClasses });
    assert.is(plan.width, RESNET18_WIDTH);
    assert.equal(resnetStateEntries(plan).map((e) => ({ name: e.name, shape: [...e.shape], parameter: e.parameter })), c.state);
    const cost = resnetCost(plan);
    assert.is(cost.params, c.params);
    assert.is(cost.macs, c.macs);
  });
}

test('the plan: 28 -> 28 -> 14 -> 7 -> 4, projection shortcuts on the first block of layers 2-4 only, 512 features; bad settings refused', () => {
  const plan = planResNet18({ inChannels: 1, numClasses: 2 });
  assert.equal(plan.blocks.map((b) => [b.name, b.second.conv.outputSize, b.second.conv.outChannels, b.shortcut !== null]), [
    ['layer1.0', 28, 64, false], ['layer1.1', 28, 64, false],
    ['layer2.0', 14, 128, true], ['layer2.1', 14, 128, false],
    ['layer3.0', 7, 256, true], ['layer3.1', 7, 256, false],
    ['layer4.0', 4, 512, true], ['layer4.1', 4, 512, false],
  ]);
  assert.equal([plan.stem.conv.kernel, plan.stem.conv.stride, plan.stem.conv.padding, plan.stem.conv.outputSize], [3, 1, 1, 28], 'a 3x3 stride-1 stem, no max pool');
  assert.equal([plan.features, plan.outputSize], [512, 4]);
  assert.throws(() => planResNet18({ inChannels: 0, numClasses: 2 }), (e: Error) => e instanceof ResNetConfigError && /inChannels must be a whole number >= 1, got 0/.test(e.message));
  assert.throws(() => planResNet18({ inChannels: 1, numClasses: 2, width: 2.5 }), (e: Error) => e instanceof ResNetConfigError && /width must be a whole number >= 1, got 2\.5/.test(e.message));
});

const rt = await testRuntime();

function stateSummary(net: ResNet18): string[] {
  return net.stateEntries().map(([name, t]) => `${name} [${t.shape.join(',')}]`);
}

test('the built ResNet-18 (in 3, 5 classes, width 64) holds exactly the plan\'s state, 11,171,397 parameters as torch counts them', () => {
  const c = params.cases.find((k) => k.inChannels === 3 && k.numClasses === 5)!;
  const net = buildResNet18({ inChannels: 3, numClasses: 5 }, { rt, seed: 1 });
  try {
    assert.equal(stateSummary(net).sort(), c.state.map((e) => `${e.name} [${e.shape.join(',')}]`).sort());
    assert.equal(net.namedParameters().map(([n]) => n), c.state.filter((e) => e.parameter).map((e) => e.name), 'parameters in torch\'s order');
    assert.is(net.parameterCount(), c.params);
    assert.is(net.classifier, net.linear);
    // A wrong channel count is refused before any GPU work.
    const x = tensor(new Float32Array(28 * 28), [1, 1, 28, 28], rt);
    assert.throws(() => net.forward(x), (e: Error) => e instanceof ShapeError && /takes \[N, 3, H, W\] images, got \[1, 1, 28, 28\]/.test(e.message));
    x.dispose();
  } finally {
    net.dispose();
  }
});

/** resnet18_torch.py's formula_values: bit for bit the same float32 values. */
function formulaValues(n: number, ordinal: number, scale: number, offset = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 2654435761 + ordinal * 40503) % 4294967296) / 4294967296 - 0.5) * scale + offset;
  return out;
}

/** resnet18_torch.py's formula_state, by state_dict ordinal. */
function formulaState(plan: ResNetPlan): Map<string, NamedValues> {
  const out = new Map<string, NamedValues>();
  resnetStateEntries(plan).forEach(({ name, shape }, ordinal) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const values = name.endsWith('running_mean') ? formulaValues(n, ordinal, 0.2)
      : name.endsWith('running_var') ? formulaValues(n, ordinal, 0.5, 1)
      : shape.length > 1 ? formulaValues(n, ordinal, 2 / Math.sqrt(n / shape[0]))
      : name.endsWith('.weight') ? formulaValues(n, ordinal, 0.5, 1)
      : formulaValues(n, ordinal, 0.2);
    out.set(name, { shape: [...shape], values });
  });
  return out;
}

const sumSquares = (v: Float32Array) => v.reduce((s, x) => s + x * x, 0);
let worst = 0;

/** |a - b| relative to max(1, |b|) and to `scale`: the error of float32 against float64 through 17 convolutions and BatchNorms. */
function close(actual: number, expected: number, tolerance: number, what: string, scale = Math.max(1, Math.abs(expected))): void {
  const err = Math.abs(actual - expected) / scale;
  worst = Math.max(worst, err);
  assert.ok(err <= tolerance, `${what}: ${actual} against torch's ${expected} (relative error ${err.toExponential(2)})`);
}

async function checkForward(c: ForwardCase): Promise<void> {
  const net = buildResNet18({ inChannels: c.inChannels, numClasses: c.numClasses, width: c.width, inputSize: c.inputSize }, { rt });
  try {
    loadNamedValues(net, formulaState(net.plan), 'the formula weights');
    net.train();
    const { batch: n, inChannels: ch, inputSize: s } = c;
    const x = tensor(formulaValues(n * ch * s * s, c.imageOrdinal, 4), [n, ch, s, s], rt);
    const logits = net.forward(x);
    const loss = crossEntropy(logits, new Int32Array(c.labels));
    loss.backward();
    const got = await logits.data();
    got.forEach((v, i) => close(v, c.logits[i], 1e-4, `logit ${i}`));
    close(await loss.item(), c.loss, 1e-4, 'loss');
    const named = new Map(net.namedParameters());
    // Without a safe margin only the head's gradients (from the logits and the pooled features) are certain.
    const safe = c.reluMargin >= forward.safeMargin;
    for (const [name, g] of Object.entries(c.grads).filter(([name]) => safe || name.startsWith('linear.'))) {
      const grad = await named.get(name)!.grad!.data();
      close(sumSquares(grad), g.sumSquares, 1e-4, `${name} gradient sum of squares`, g.sumSquares);
      const rms = Math.sqrt(g.sumSquares / grad.length);
      g.first.forEach((v, i) => close(grad[i], v, 1e-3, `${name} gradient [${i}]`, rms));
    }
    const bn = net.layers[3].namedChildren()[1][1].namedBuffers();
    const mean = await bn.find(([b]) => b === 'bn2.running_mean')![1].data();
    const variance = await bn.find(([b]) => b === 'bn2.running_var')![1].data();
    c.runningMeanFirst.forEach((v, i) => close(mean[i], v, 1e-4, `layer4.1.bn2.running_mean[${i}]`));
    c.runningVarFirst.forEach((v, i) => close(variance[i], v, 1e-4, `layer4.1.bn2.running_var[${i}]`));
    // The MACs the layers see while running, per image, equal the plan's count.
    const counted = countForwardMacs(net, x);
    assert.is(counted.macs / n, resnetCost(net.plan).macs);
    assert.is(counted.layers.length, 21, '20 convolutions and the head');
    tidy(() => noGrad(() => void net.eval().forward(x))); // eval mode runs on the running statistics
    net.zeroGrad();
    for (const t of [x, logits, loss]) t.dispose();
  } finally {
    net.dispose();
  }
}

test('the width-8 fixture cases have a safe ReLU margin (every gradient is compared)', () => {
  for (const c of forward.cases.filter((k) => k.width === 8)) assert.ok(c.reluMargin >= forward.safeMargin, `margin ${c.reluMargin}`);
});

for (const c of forward.cases.filter((k) => k.width === 8)) {
  test(`train-mode forward and backward (width ${c.width}, in ${c.inChannels}, ${c.numClasses} classes, batch ${c.batch}) equal torch's: logits, loss, gradients, running statistics`, async () => {
    await checkForward(c);
  });
}

// The width-64 case costs ~30 s on a software adapter: run it with MEDNAS_TEST_RESNET18_64=1.
if (process.env.MEDNAS_TEST_RESNET18_64 === '1') {
  for (const c of forward.cases.filter((k) => k.width === 64)) {
    test(`train-mode forward and backward at width 64 (in ${c.inChannels}, ${c.numClasses} classes, batch ${c.batch}) equal torch's`, async () => {
      await checkForward(c);
    });
  }
}

test.after(() => console.log(`  worst relative error of ResNet-18 against PyTorch (float64): ${worst.toExponential(2)}`));

test.run();
