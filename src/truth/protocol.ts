// A ground-truth table's protocol: what every architecture in it is trained and scored under. One
// fixed TrainConfig (its `seed` is replaced by each training seed), the training seeds, the table's
// size and sampling seed, and the proxy settings (C is the training C; one proxy batch; weights from
// each init seed). Plain data: the table stores it, and a resumed build compares the one it would
// use with the stored one field by field.
import { SYNTHETIC_NAME } from '../data/synthetic.ts';
import { checkTrainConfig, configDifferences, presetConfig, type PresetName, type TrainConfig } from '../train/config.ts';
import { TruthConfigError } from './errors.ts';

export interface TruthProtocol {
  /** The dataset's name (a MedMNIST subset or 'synthetic'). */
  readonly dataset: string;
  /** The training recipe; `seed` is 0 here and each run takes one of `seeds`. */
  readonly train: TrainConfig;
  /** Training seeds: every architecture is trained once per seed (>= 2 for a noise ceiling). */
  readonly seeds: readonly number[];
  /** K, the number of architectures. */
  readonly count: number;
  /** Seeds the choice of architectures. */
  readonly sampleSeed: number;
  /** Train on a seeded subset of this many training images (null: the whole split); val and test stay whole. */
  readonly trainImages: number | null;
  /** N, the proxy batch's images (drawn once from the training split with proxyBatchSeed). */
  readonly proxyBatch: number;
  readonly proxyBatchSeed: number;
  /** Seeds of the initial weights each proxy is computed at (its rank stability is measured across them). */
  readonly initSeeds: readonly number[];
}

export interface ProtocolChoice {
  readonly dataset: string;
  readonly preset?: PresetName;
  /** Fields of the TrainConfig to set over the preset's. */
  readonly train?: Partial<Omit<TrainConfig, 'seed'>>;
  readonly seeds?: number;
  readonly count?: number;
  readonly sampleSeed?: number;
  readonly trainImages?: number | null;
  readonly proxyBatch?: number;
  readonly proxyBatchSeed?: number;
  readonly initSeeds?: number;
}

/** Default proxy batch: 64 images (enough for jacob_cov's N x N kernel to be meaningful, cheap at small C). */
export const DEFAULT_TRUTH_PROXY_BATCH = 64;

/** The protocol for a choice of settings: the preset's training, 3 seeds, 60 architectures. */
export function truthProtocol(choice: ProtocolChoice): TruthProtocol {
  const dataset = choice.dataset.toLowerCase() === SYNTHETIC_NAME ? SYNTHETIC_NAME : choice.dataset.toLowerCase();
  const train: TrainConfig = { ...presetConfig(dataset, choice.preset ?? 'quick'), ...(choice.train ?? {}), seed: 0 };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const protocol: TruthProtocol = {
    dataset,
    train,
    seeds: range(choice.seeds ?? 3),
    count: choice.count ?? 60,
    sampleSeed: choice.sampleSeed ?? 0,
    trainImages: choice.trainImages ?? null,
    proxyBatch: choice.proxyBatch ?? DEFAULT_TRUTH_PROXY_BATCH,
    proxyBatchSeed: choice.proxyBatchSeed ?? 0,
    initSeeds: range(choice.initSeeds ?? 3),
  };
  checkProtocol(protocol);
  return protocol;
}

/** Checks every field (TruthConfigError naming the first bad one). */
export function checkProtocol(p: TruthProtocol): void {
  const whole = (name: string, v: number, min: number, max = 1_000_000) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new TruthConfigError(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
  };
  checkTrainConfig(p.train);
  if (p.train.seed !== 0) throw new TruthConfigError(`the protocol's training config has seed ${p.train.seed}: it must be 0 (each run takes one of the protocol's seeds)`);
  whole('the number of architectures', p.count, 1, 100_000);
  whole('the number of training seeds', p.seeds.length, 1, 100);
  whole('the number of init seeds', p.initSeeds.length, 1, 100);
  whole('the sampling seed', p.sampleSeed, 0, 2 ** 32 - 1);
  whole('the proxy batch', p.proxyBatch, 1, 100_000);
  whole('the proxy batch seed', p.proxyBatchSeed, 0, 2 ** 32 - 1);
  if (p.trainImages !== null) whole('the training images', p.trainImages, 2, 10_000_000);
  for (const s of [...p.seeds, ...p.initSeeds]) whole('a seed', s, 0, 2 ** 32 - 1);
}

/** The names of the fields in which two protocols differ ('count', 'train.epochs', ...). */
export function protocolDifferences(a: TruthProtocol, b: TruthProtocol): string[] {
  const out: string[] = [];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const k of ['dataset', 'seeds', 'count', 'sampleSeed', 'trainImages', 'proxyBatch', 'proxyBatchSeed', 'initSeeds'] as const) {
    if (!same(a[k], b[k])) out.push(k);
  }
  out.push(...configDifferences(a.train, b.train).map((k) => `train.${k}`));
  return out;
}

/**
 * The fields in which `wanted` differs from a table's protocol `base`, beyond the two ways a table
 * may grow: more architectures (the sample is a sequence, so the first K stay the same) and more
 * training seeds (`base`'s seeds extended, e.g. 0, 1 -> 0, 1, 2: every architecture gains a run).
 */
export function truthResumeDifferences(base: TruthProtocol, wanted: TruthProtocol): string[] {
  const seedsGrow = wanted.seeds.length >= base.seeds.length && base.seeds.every((s, i) => wanted.seeds[i] === s);
  return protocolDifferences(base, { ...wanted, count: base.count, seeds: seedsGrow ? base.seeds : wanted.seeds });
}

/** A field's value in words, for messages ('train.epochs' -> '15'). */
export function protocolField(p: TruthProtocol, field: string): string {
  const v = field.startsWith('train.') ? p.train[field.slice(6) as keyof TrainConfig] : p[field as keyof TruthProtocol];
  return JSON.stringify(v);
}
