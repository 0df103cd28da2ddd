// The model file of a training run: everything needed to evaluate the trained network and to
// continue the run exactly where it stopped. One msgpack value in the file envelope (format
// 'mednas-model', version 3, CRC-32; src/util/envelope.ts), written after every epoch:
//   architecture, network what to build ({ kind: 'mstf', genotype } or { kind: 'resnet18' }:
//                         src/train/architecture.ts; inChannels, numClasses, initChannels, inputSize)
//   dataset               name, task, size, release, split counts, CRC-32 of its content
//   config                the TrainConfig (a resumed run takes it from here, not from flags); a
//                         file written before issue 21 lacks weightDecayOn and augmix.posterizeBits,
//                         read as LEGACY_CONFIG's values (what that run trained with)
//   epochsDone, finished  finished epochs; whether the final test has run
//   tensors               weights and BatchNorm running statistics after epochsDone epochs
//   momentum              SGD's momentum buffer per parameter name
//   rng                   { seed }: every random stream of a run (initial weights, data order,
//                         augmentation) is a counter-based stream of this seed and the epoch and
//                         sample position, so no generator carries state from one epoch to the next
//   best                  { epoch, val: { acc, auc }, tensors }: the best-on-validation weights
//   history               one record per finished epoch
//   test                  { epoch, acc, auc } of the best weights on the test split, once finished
//   normalization         { mean, std } per input channel: the training split's statistics the
//                         trainer normalised with (trainStats of the data as cut to maxImages), so a
//                         model file alone is enough to predict (version 3; null only when unknown)
//   classNames            the dataset's names of the network's outputs (a MedMNIST subset's from the
//                         registry, an image folder's class folders), or null where the data has none
//                         (a custom .npz: its classes are only numbers) (version 3)
// Tensors are stored as state files store them (name -> { shape, dtype 'f32', data }).
// Version 1 (before ResNet-18) held `genotype` (the genes) where later versions hold `architecture`; it
// is still read, as { kind: 'mstf', genotype }, and nothing else about it differs from version 2. Versions 1 and 2
// lack normalization and classNames: they read as null, and predicting then needs the training data
// (predictionSetup with a dataset), as it always did before version 3.
import { POSTERIZE_BITS, type PosterizeBits } from '../data/augmix.ts';
import type { ChannelStats } from '../data/dataset.ts';
import { decodePackedTensors, packTensor, type PackedTensor, type StateTensor } from '../nn/state.ts';
import { decodeEnvelope, encodeEnvelope } from '../util/envelope.ts';
import { FieldChecker } from '../util/fields.ts';
import { encodeArchitecture, readArchitecture, readGenotypeField, type Architecture } from './architecture.ts';
import { LEGACY_CONFIG, PRESET_NAMES, WEIGHT_DECAY_ON, type PresetName, type TrainConfig } from './config.ts';
import type { WeightDecayOn } from './sgd.ts';
import { readDatasetId, type DatasetId } from './dataset-id.ts';
import type { Metrics } from './metrics.ts';
import type { ScheduleKind } from './schedule.ts';

export const MODEL_FORMAT = 'mednas-model';
export const MODEL_VERSION = 3;
/** Every version decodeModelFile reads (1: a genotype instead of an architecture; 1 and 2: no normalization, classNames). */
export const MODEL_VERSIONS_READ: readonly number[] = [1, 2, 3];

export interface ModelNetwork {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly initChannels: number;
  readonly inputSize: number;
}

export interface EpochRecord {
  /** 0-based. */
  readonly epoch: number;
  readonly lr: number;
  /** Mean training loss over the epoch's steps. */
  readonly trainLoss: number;
  readonly val: Metrics;
  /** Whether this epoch's weights became the best. */
  readonly best: boolean;
  readonly seconds: number;
  readonly imagesPerSecond: number;
}

/** Tensors by name: packed (to write) or decoded (as read). */
export type TensorMap = ReadonlyMap<string, StateTensor>;

export interface ModelFile {
  /** The network trained: a genotype's (kind 'mstf') or ResNet-18 (a version 1 file's genotype reads as 'mstf'). */
  readonly architecture: Architecture;
  readonly network: ModelNetwork;
  readonly dataset: DatasetId;
  readonly config: TrainConfig;
  readonly epochsDone: number;
  readonly finished: boolean;
  readonly tensors: TensorMap;
  readonly momentum: TensorMap;
  readonly rng: { readonly seed: number };
  readonly best: { readonly epoch: number; readonly val: Metrics; readonly tensors: TensorMap } | null;
  readonly history: readonly EpochRecord[];
  readonly test: ({ readonly epoch: number } & Metrics) | null;
  /** The input normalisation the network was trained with (per-channel mean and std); null in a version 1 or 2 file. */
  readonly normalization: ChannelStats | null;
  /** The names of the network's outputs; null where the data has none (a custom .npz) and in a version 1 or 2 file. */
  readonly classNames: readonly string[] | null;
}

function pack(map: TensorMap): Record<string, PackedTensor> {
  const out: Record<string, PackedTensor> = {};
  for (const [name, t] of map) out[name] = packTensor(t.shape, t.values);
  return out;
}

/** The model file's bytes (envelope included). */
export function encodeModelFile(m: ModelFile): Uint8Array {
  return encodeEnvelope(MODEL_FORMAT, MODEL_VERSION, {
    architecture: encodeArchitecture(m.architecture),
    network: { ...m.network },
    dataset: { ...m.dataset, counts: { ...m.dataset.counts } },
    config: { ...m.config, augmix: m.config.augmix && { ...m.config.augmix } },
    epochsDone: m.epochsDone,
    finished: m.finished,
    tensors: pack(m.tensors),
    momentum: pack(m.momentum),
    rng: { seed: m.rng.seed },
    best: m.best && { epoch: m.best.epoch, val: { ...m.best.val }, tensors: pack(m.best.tensors) },
    history: m.history.map((h) => ({ ...h, val: { ...h.val } })),
    test: m.test && { ...m.test },
    normalization: m.normalization && { mean: [...m.normalization.mean], std: [...m.normalization.std] },
    classNames: m.classNames && [...m.classNames],
  });
}

function metrics(f: FieldChecker, v: unknown, where: string): Metrics {
  const r = f.record(v, where);
  f.keys(r, where, ['acc', 'auc']);
  return { acc: f.number(r.acc, `${where}.acc`), auc: f.number(r.auc, `${where}.auc`) };
}

function nullable<T>(v: unknown, read: (v: unknown) => T): T | null {
  return v === null ? null : read(v);
}

function posterizeBits(f: FieldChecker, v: unknown, where: string): PosterizeBits {
  if (!POSTERIZE_BITS.includes(v as PosterizeBits)) f.fail(where, 'one of 4, 8', v);
  return v as PosterizeBits;
}

const CONFIG_KEYS = [
  'preset', 'epochs', 'initChannels', 'batchSize', 'lr', 'schedule', 'gamma', 'warmupEpochs', 'momentum', 'nesterov',
  'weightDecay', 'maxGradNorm', 'augmix', 'seed', 'maxImages',
];
/** Config fields added after the first files were written: absent means LEGACY_CONFIG's value. */
const OPTIONAL_CONFIG_KEYS = ['weightDecayOn'];

/** A TrainConfig decoded from a file, every field checked (also read by ground-truth tables). */
export function readTrainConfig(f: FieldChecker, v: unknown, where = 'config'): TrainConfig {
  const c = f.record(v, where);
  f.keys(c, where, CONFIG_KEYS, OPTIONAL_CONFIG_KEYS);
  return {
    preset: nullable(c.preset, (p) => f.choice<PresetName>(p, `${where}.preset`, PRESET_NAMES)),
    epochs: f.integer(c.epochs, `${where}.epochs`, 1),
    initChannels: f.integer(c.initChannels, `${where}.initChannels`, 4),
    batchSize: f.integer(c.batchSize, `${where}.batchSize`, 1),
    lr: f.number(c.lr, `${where}.lr`),
    schedule: f.choice<ScheduleKind>(c.schedule, `${where}.schedule`, ['cosine', 'exponential', 'constant']),
    gamma: nullable(c.gamma, (g) => f.number(g, `${where}.gamma`)),
    warmupEpochs: f.integer(c.warmupEpochs, `${where}.warmupEpochs`, 0),
    momentum: f.number(c.momentum, `${where}.momentum`),
    nesterov: f.boolean(c.nesterov, `${where}.nesterov`),
    weightDecay: f.number(c.weightDecay, `${where}.weightDecay`),
    weightDecayOn: 'weightDecayOn' in c ? f.choice<WeightDecayOn>(c.weightDecayOn, `${where}.weightDecayOn`, WEIGHT_DECAY_ON) : LEGACY_CONFIG.weightDecayOn,
    maxGradNorm: nullable(c.maxGradNorm, (g) => f.number(g, `${where}.maxGradNorm`)),
    augmix: nullable(c.augmix, (a) => {
      const r = f.record(a, `${where}.augmix`);
      f.keys(r, `${where}.augmix`, ['severity', 'width', 'depth', 'alpha'], ['posterizeBits']);
      return {
        severity: f.number(r.severity, `${where}.augmix.severity`),
        width: f.integer(r.width, `${where}.augmix.width`, 1),
        depth: f.integer(r.depth, `${where}.augmix.depth`, -1),
        alpha: f.number(r.alpha, `${where}.augmix.alpha`),
        posterizeBits: 'posterizeBits' in r ? posterizeBits(f, r.posterizeBits, `${where}.augmix.posterizeBits`) : LEGACY_CONFIG.posterizeBits,
      };
    }),
    seed: f.integer(c.seed, `${where}.seed`),
    maxImages: nullable(c.maxImages, (n) => f.integer(n, `${where}.maxImages`, 1)),
  };
}


/** A stored normalisation: one finite mean and one finite std > 0 per input channel (what the loader accepts). */
function readNormalization(f: FieldChecker, v: unknown, channels: number): ChannelStats {
  const r = f.record(v, 'normalization');
  f.keys(r, 'normalization', ['mean', 'std']);
  const values = (key: 'mean' | 'std') => {
    const a = f.array(r[key], `normalization.${key}`);
    if (a.length !== channels) f.fail(`normalization.${key}`, `${channels} value(s), one per input channel`, a);
    return a.map((x, i) => f.number(x, `normalization.${key}[${i}]`));
  };
  const mean = values('mean');
  const std = values('std');
  std.forEach((s, i) => {
    if (!(s > 0)) f.fail(`normalization.std[${i}]`, 'a number > 0', s);
  });
  return { mean, std };
}

function readClassNames(f: FieldChecker, v: unknown, classes: number): string[] {
  const a = f.array(v, 'classNames');
  if (a.length !== classes) f.fail('classNames', `${classes} names, one per output (network.numClasses)`, a);
  return a.map((x, i) => f.string(x, `classNames[${i}]`));
}

function epochRecord(f: FieldChecker, v: unknown, where: string): EpochRecord {
  const r = f.record(v, where);
  f.keys(r, where, ['epoch', 'lr', 'trainLoss', 'val', 'best', 'seconds', 'imagesPerSecond']);
  return {
    epoch: f.integer(r.epoch, `${where}.epoch`),
    lr: f.number(r.lr, `${where}.lr`),
    trainLoss: f.number(r.trainLoss, `${where}.trainLoss`),
    val: metrics(f, r.val, `${where}.val`),
    best: f.boolean(r.best, `${where}.best`),
    seconds: f.number(r.seconds, `${where}.seconds`),
    imagesPerSecond: f.number(r.imagesPerSecond, `${where}.imagesPerSecond`),
  };
}

/**
 * Reads and checks a model file's bytes. Every fault (not a mednas file, truncated, damaged, another
 * format or version, a field of the wrong type) is a FileFormatError naming `source`.
 */
export function decodeModelFile(bytes: Uint8Array, source = 'the model file'): ModelFile {
  const { payload, version } = decodeEnvelope(bytes, { format: MODEL_FORMAT, versions: MODEL_VERSIONS_READ, source });
  const f = new FieldChecker(source);
  const top = f.record(payload, 'the payload');
  const what = version === 1 ? 'genotype' : 'architecture';
  const since3 = version >= 3 ? ['normalization', 'classNames'] : [];
  f.keys(top, 'the payload', [what, 'network', 'dataset', 'config', 'epochsDone', 'finished', 'tensors', 'momentum', 'rng', 'best', 'history', 'test', ...since3]);
  const architecture: Architecture = version === 1 ? { kind: 'mstf', genotype: readGenotypeField(f, top.genotype, 'genotype') } : readArchitecture(f, top.architecture);
  const net = f.record(top.network, 'network');
  f.keys(net, 'network', ['inChannels', 'numClasses', 'initChannels', 'inputSize']);
  const cfg = readTrainConfig(f, top.config);
  const epochsDone = f.integer(top.epochsDone, 'epochsDone', 0, cfg.epochs);
  const rng = f.record(top.rng, 'rng');
  f.keys(rng, 'rng', ['seed']);
  const best = nullable(top.best, (b) => {
    const r = f.record(b, 'best');
    f.keys(r, 'best', ['epoch', 'val', 'tensors']);
    return { epoch: f.integer(r.epoch, 'best.epoch'), val: metrics(f, r.val, 'best.val'), tensors: decodePackedTensors(f, r.tensors, 'best.tensors') };
  });
  const test = nullable(top.test, (t) => {
    const r = f.record(t, 'test');
    f.keys(r, 'test', ['epoch', 'acc', 'auc']);
    return { epoch: f.integer(r.epoch, 'test.epoch'), acc: f.number(r.acc, 'test.acc'), auc: f.number(r.auc, 'test.auc') };
  });
  const history = f.array(top.history, 'history').map((h, i) => epochRecord(f, h, `history[${i}]`));
  if (history.length !== epochsDone) f.fail('history', `${epochsDone} epoch records (epochsDone)`, top.history);
  const network = {
    inChannels: f.integer(net.inChannels, 'network.inChannels', 1),
    numClasses: f.integer(net.numClasses, 'network.numClasses', 1),
    initChannels: f.integer(net.initChannels, 'network.initChannels', 4),
    inputSize: f.integer(net.inputSize, 'network.inputSize', 1),
  };
  return {
    architecture,
    network,
    dataset: readDatasetId(f, top.dataset),
    config: cfg,
    epochsDone,
    finished: f.boolean(top.finished, 'finished'),
    tensors: decodePackedTensors(f, top.tensors, 'tensors'),
    momentum: decodePackedTensors(f, top.momentum, 'momentum'),
    rng: { seed: f.integer(rng.seed, 'rng.seed') },
    best,
    history,
    test,
    // Absent before version 3 (null in a version 3 file only when the writer did not know them).
    normalization: version >= 3 ? nullable(top.normalization, (n) => readNormalization(f, n, network.inChannels)) : null,
    classNames: version >= 3 ? nullable(top.classNames, (c) => readClassNames(f, c, network.numClasses)) : null,
  };
}
