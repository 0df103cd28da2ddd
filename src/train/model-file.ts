// The model file of a training run: everything needed to evaluate the trained network and to
// continue the run exactly where it stopped. One msgpack value in the file envelope (format
// 'mednas-model', version 2, CRC-32; src/util/envelope.ts), written after every epoch:
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
// Tensors are stored as state files store them (name -> { shape, dtype 'f32', data }).
// Version 1 (before ResNet-18) held `genotype` (the genes) where version 2 holds `architecture`; it
// is still read, as { kind: 'mstf', genotype }, and nothing else about it differs.
import { POSTERIZE_BITS, type PosterizeBits } from '../data/augmix.ts';
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
export const MODEL_VERSION = 2;
/** Every version decodeModelFile reads (1: a genotype instead of an architecture). */
export const MODEL_VERSIONS_READ: readonly number[] = [1, 2];

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
  f.keys(top, 'the payload', [what, 'network', 'dataset', 'config', 'epochsDone', 'finished', 'tensors', 'momentum', 'rng', 'best', 'history', 'test']);
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
  return {
    architecture,
    network: {
      inChannels: f.integer(net.inChannels, 'network.inChannels', 1),
      numClasses: f.integer(net.numClasses, 'network.numClasses', 1),
      initChannels: f.integer(net.initChannels, 'network.initChannels', 4),
      inputSize: f.integer(net.inputSize, 'network.inputSize', 1),
    },
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
  };
}
