// Model files for the export tests: on the host from the network description (no GPU: CLI and
// format tests), or on the GPU from a built network whose BatchNorms are calibrated (so that its
// eval-mode logits depend on the input: with the initial running statistics 0/1 the activations
// shrink ~3x per conv and the logits would be nearly constant, which would make any comparison weak).
import type { Runtime } from '../../src/gpu/runtime.ts';
import { BatchNorm2d } from '../../src/nn/layers.ts';
import type { StateTensor } from '../../src/nn/state.ts';
import { describeNetwork, stateEntrySpecs } from '../../src/export/network-spec.ts';
import { presetConfig } from '../../src/train/config.ts';
import { buildModelNetwork } from '../../src/train/evaluate-model.ts';
import type { ModelFile, ModelNetwork } from '../../src/train/model-file.ts';
import { toArchitecture, type ArchitectureInput } from '../../src/train/architecture.ts';
import { buildArchitecture } from '../../src/train/build-architecture.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad, tidy } from '../../src/tensor/scope.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray } from '../gpu.ts';

/** The paper's genotype and two seeded random live genotypes (randomGenotype(new Rng(37 | 53), { avoidDead: true })). */
export const RANDOM_SEEDS = [37, 53] as const;

/** A model file of `architecture` (or a genotype's) around `tensors` (best weights of epoch 1 when `best`, else a finished epoch 1's last weights). */
export function modelFileOf(architecture: ArchitectureInput, network: ModelNetwork, tensors: ReadonlyMap<string, StateTensor>, best = true): ModelFile {
  const config = { ...presetConfig('synthetic', 'quick'), initChannels: network.initChannels, epochs: 2 };
  return {
    architecture: toArchitecture(architecture),
    network,
    dataset: {
      name: 'synthetic', task: 'multi-class', sizePx: network.inputSize, channels: network.inChannels, classes: network.numClasses,
      release: 'synthetic', counts: { train: 8, val: 8, test: 8 }, crc32: 0,
    },
    config,
    epochsDone: 1,
    finished: false,
    tensors: best ? new Map([...tensors].map(([n, t]) => [n, { shape: t.shape, values: t.values.map((v) => v + 1) }])) : tensors,
    momentum: new Map(),
    rng: { seed: 0 },
    best: best ? { epoch: 0, val: { acc: 0.5, auc: 0.5 }, tensors } : null,
    history: [{ epoch: 0, lr: 0.05, trainLoss: 1, val: { acc: 0.5, auc: 0.5 }, best: true, seconds: 1, imagesPerSecond: 1 }],
    test: null,
    // As a version 3 file records them (a test sets them to null for an older file).
    normalization: { mean: Array.from({ length: network.inChannels }, (_, i) => 0.25 + i / 10), std: Array.from({ length: network.inChannels }, (_, i) => 0.2 + i / 100) },
    classNames: Array.from({ length: network.numClasses }, (_, i) => `class ${i}`),
  };
}

/** Random host tensors for every name the network has (values only need to be finite and distinct). */
export function hostTensors(genotype: readonly number[], network: ModelNetwork, seed: number): Map<string, StateTensor> {
  const spec = describeNetwork(genotype, { ...network });
  const out = new Map<string, StateTensor>();
  stateEntrySpecs(spec).forEach(({ name, shape }, i) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const values = name.endsWith('running_var') ? randomArray(n, seed * 1000 + i, 0.5, 2) : randomArray(n, seed * 1000 + i, -0.5, 0.5);
    out.set(name, { shape, values });
  });
  return out;
}

/** Normalised-looking images [n, c, s, s] in [-2, 2). */
export function testImages(n: number, c: number, s: number, seed: number): Float32Array {
  return randomArray(n * c * s * s, seed, -2, 2);
}

/**
 * A model file of `architecture` (or a genotype's) with PyTorch's default initial weights (seeded),
 * BatchNorm scale and shift drawn from [0.5, 1.5) and [-0.5, 0.5), and running statistics set to one
 * calibration batch's statistics (momentum 1, as mstf_torch.py's golden cases do) and then perturbed.
 */
export async function calibratedModel(rt: Runtime, architecture: ArchitectureInput, network: ModelNetwork, seed: number): Promise<ModelFile> {
  const net = buildArchitecture(toArchitecture(architecture), network, { rt, seed });
  try {
    const rng = new Rng(seed, 0xe4);
    const bns = [...net.namedModules()].filter((e): e is [string, BatchNorm2d] => e[1] instanceof BatchNorm2d);
    for (const [, bn] of bns) {
      const c = bn.channels;
      rt.scheduler.write(bn.weight!.buffer, 0, Float32Array.from({ length: c }, () => rng.range(0.5, 1.5)));
      rt.scheduler.write(bn.bias!.buffer, 0, Float32Array.from({ length: c }, () => rng.range(-0.5, 0.5)));
      bn.options.momentum = 1;
    }
    net.train();
    const { inChannels: c, inputSize: s } = network;
    const x = testImages(8, c, s, seed + 99);
    tidy(() => noGrad(() => void net.forward(tensor(x, [8, c, s, s], rt))));
    for (const [, bn] of bns) bn.options.momentum = undefined;
    const tensors = new Map<string, StateTensor>();
    for (const [name, t] of net.stateEntries()) tensors.set(name, { shape: [...t.shape], values: await t.data() });
    // Perturbed by a tenth of a standard deviation, and up to 25% in variance (as mstf_torch.py's).
    for (const [name, { values: mean }] of tensors) {
      if (!name.endsWith('.running_mean')) continue;
      const variance = tensors.get(name.replace(/running_mean$/, 'running_var'))!.values;
      for (let i = 0; i < mean.length; i++) {
        mean[i] += Math.sqrt(variance[i]) * rng.range(-0.1, 0.1);
        variance[i] *= rng.range(0.8, 1.25);
      }
    }
    return modelFileOf(architecture, network, tensors);
  } finally {
    net.dispose();
  }
}

/** mednas's own eval-mode logits of a model file's best weights (as `mednas eval` builds the network). */
export async function mednasLogits(rt: Runtime, model: ModelFile, images: Float32Array, n: number): Promise<Float32Array> {
  const net = buildModelNetwork(rt, model).eval();
  try {
    const { inChannels: c, inputSize: s } = model.network;
    const out = tidy(() => noGrad(() => net.forward(tensor(images, [n, c, s, s], rt))));
    const values = await out.data();
    out.dispose();
    return values;
  } finally {
    net.dispose();
  }
}

/** max |a - b| over all elements (Infinity when a NaN appears or lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Largest spread of a logit over the batch: how much the outputs depend on the input. */
export function logitSpread(values: Float32Array, n: number, k: number): number {
  let spread = 0;
  for (let j = 0; j < k; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, values[i * k + j]);
      hi = Math.max(hi, values[i * k + j]);
    }
    spread = Math.max(spread, hi - lo);
  }
  return spread;
}
