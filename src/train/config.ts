// A training run's settings, and the two presets: `paper` (the MedNAS paper's C = 128, 100 epochs,
// with Table 1's settings per subset) and `quick` (C = 8, 15 epochs, one SGD recipe, Table 1's
// AugMix: minutes on a CPU adapter for the small subsets). Every field is plain data: the model file stores the config as it is,
// and a resumed run reads it back instead of taking new flags.
import { LEGACY_POSTERIZE_BITS, POSTERIZE_BITS, type AugMixOptions } from '../data/augmix.ts';
import { UnknownDatasetError } from '../data/errors.ts';
import { getMedMnistInfo } from '../data/registry.ts';
import { SYNTHETIC_NAME } from '../data/synthetic.ts';
import { TrainConfigError } from './errors.ts';
import { checkSchedule, type LrSchedule, type ScheduleKind } from './schedule.ts';
import type { WeightDecayOn } from './sgd.ts';

export type PresetName = 'quick' | 'paper';
export const PRESET_NAMES: readonly PresetName[] = ['quick', 'paper'];

export interface TrainConfig {
  readonly preset: PresetName | null;
  readonly epochs: number;
  readonly initChannels: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly schedule: ScheduleKind;
  /** Exponential schedule's factor per epoch (null otherwise). */
  readonly gamma: number | null;
  /** Epochs of linear warm-up (0: none). */
  readonly warmupEpochs: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  /**
   * Which parameters weight decay falls on: 'all' (DARTS: model.parameters()) or 'weights' (tensors of
   * two or more dimensions: convolution and linear weights; not BatchNorm's scale and shift, nor
   * biases). A config stored without the field (before issue 21) is 'all'.
   */
  readonly weightDecayOn: WeightDecayOn;
  /** Clip gradients to this global norm (null: no clipping). */
  readonly maxGradNorm: number | null;
  /**
   * AugMix on the training split (null: none); depth -1 draws 1-3 ops per chain. A stored config
   * without `posterizeBits` is 8 (mednas before issue 21); presets give the reference's 4.
   */
  readonly augmix: AugMixOptions | null;
  /** Seed of the network's initial weights, the data order and the augmentation. */
  readonly seed: number;
  /** Train, validate and test on only the first N images of each split (null: all). */
  readonly maxImages: number | null;
}

/** Table 1 of the seed (the MedNAS paper's training settings) for one subset. */
export interface SubsetSettings {
  readonly lr: number;
  readonly batchSize: number;
  /** AugMix severity, mixture width, alpha; null: no AugMix. */
  readonly augmix: { readonly severity: number; readonly width: number; readonly alpha: number } | null;
  readonly schedule: ScheduleKind;
  readonly gamma: number | null;
}

const cosine = (lr: number, batchSize: number, augmix: [number, number, number] | null): SubsetSettings => ({
  lr,
  batchSize,
  augmix: augmix && { severity: augmix[0], width: augmix[1], alpha: augmix[2] },
  schedule: 'cosine',
  gamma: null,
});

/**
 * Per subset, as the issue gives Table 1: lr / batch / AugMix severity, width, alpha. ChestMNIST
 * and TissueMNIST are not in the table: they get lr 0.025, batch 128, no AugMix (our choice, the
 * most common row). The synthetic set: lr 0.05, batch 32, no AugMix (its classes are counts and
 * sizes of blobs, which AugMix's translations can push out of the image; small batches give its
 * 2000 training images enough steps per epoch for BatchNorm's running statistics to settle).
 */
export const SUBSET_SETTINGS: Readonly<Record<string, SubsetSettings>> = {
  pathmnist: cosine(0.05, 512, [10, 1, 1.5]),
  dermamnist: cosine(0.025, 128, [10, 1, 1.0]),
  octmnist: cosine(0.05, 512, [10, 1, 1.5]),
  pneumoniamnist: { ...cosine(0.0005, 128, [10, 1, 1.5]), schedule: 'exponential', gamma: 0.9 },
  retinamnist: cosine(0.001, 128, [3, 3, 1.0]),
  breastmnist: cosine(0.001, 128, [3, 3, 1.0]),
  bloodmnist: cosine(0.025, 128, null),
  organamnist: cosine(0.025, 256, [10, 1, 1.5]),
  organcmnist: cosine(0.025, 128, null),
  organsmnist: cosine(0.025, 128, [10, 1, 1.5]),
  chestmnist: cosine(0.025, 128, null),
  tissuemnist: cosine(0.025, 128, null),
  [SYNTHETIC_NAME]: cosine(0.05, 32, null),
};

/**
 * Any other dataset (your own data: an image folder or a custom .npz): the table's most common
 * row, lr 0.025, batch 128, cosine, and no AugMix (its strong geometric ops suit some images and
 * not others: it is not switched on for data we know nothing about).
 */
export const CUSTOM_SETTINGS: SubsetSettings = cosine(0.025, 128, null);

export interface PresetSettings {
  readonly epochs: number;
  readonly initChannels: number;
  /** Batch size and learning rate for every subset; null: the subset's Table 1 row. */
  readonly batchSize: number | null;
  readonly lr: number | null;
}

/**
 * The presets. `paper` is Table 1 at the paper's size. `quick` keeps each subset's AugMix but not
 * its learning rate and batch: those are tuned for 100 epochs, and in 15 they barely move the
 * weights (BreastMNIST at lr 0.001, batch 128 for 10 epochs, C = 16: test AUC 0.55, chance). One
 * recipe for all, batch 32 at lr 0.025 with cosine annealing, gives BreastMNIST 270 steps in 15
 * epochs (546 images: 17 batches of 32 and one of 2 per epoch) and test ACC / AUC 0.82-0.85 /
 * 0.85-0.87 in about 2 minutes on a 2-core CPU (docs/training.md).
 */
export const PRESETS: Readonly<Record<PresetName, PresetSettings>> = {
  paper: { epochs: 100, initChannels: 128, batchSize: null, lr: null },
  quick: { epochs: 15, initChannels: 8, batchSize: 32, lr: 0.025 },
};

/**
 * Settings shared by every preset: the public MSTF-NAS reproduction's SGD (momentum 0.9, gradients
 * clipped to global norm 2) with DARTS's weight decay 3e-4 on every parameter (docs/training.md).
 */
export const COMMON_SETTINGS = {
  momentum: 0.9, nesterov: false, weightDecay: 3e-4, weightDecayOn: 'all', maxGradNorm: 2, warmupEpochs: 0, seed: 0,
} as const satisfies Partial<TrainConfig>;

/** What a config stored before issue 21 means for the fields it lacks (readers fill these in). */
export const LEGACY_CONFIG = { weightDecayOn: 'all', posterizeBits: LEGACY_POSTERIZE_BITS } as const;
export const WEIGHT_DECAY_ON: readonly WeightDecayOn[] = ['all', 'weights'];

/** The table's key of a subset name or 'synthetic'; null for any other name (your own data). */
function settingsKey(dataset: string): string | null {
  if (dataset.toLowerCase() === SYNTHETIC_NAME) return SYNTHETIC_NAME;
  try {
    return getMedMnistInfo(dataset).name;
  } catch (e) {
    if (e instanceof UnknownDatasetError) return null;
    throw e;
  }
}

/**
 * The settings of `dataset` under `preset`: a subset's Table 1 row, the synthetic set's, or for
 * any other name (your own data) CUSTOM_SETTINGS.
 */
export function presetConfig(dataset: string, preset: PresetName = 'quick'): TrainConfig {
  const key = settingsKey(dataset);
  const s = key === null ? CUSTOM_SETTINGS : SUBSET_SETTINGS[key];
  const p = PRESETS[preset];
  const ownRecipe = p.lr !== null;
  return {
    preset,
    epochs: p.epochs,
    initChannels: p.initChannels,
    batchSize: p.batchSize ?? s.batchSize,
    lr: p.lr ?? s.lr,
    schedule: ownRecipe ? 'cosine' : s.schedule,
    gamma: ownRecipe ? null : s.gamma,
    ...COMMON_SETTINGS,
    augmix: s.augmix && { ...s.augmix, depth: -1, posterizeBits: 4 },
    maxImages: null,
  };
}

/** Checks every field (TrainConfigError naming the first bad one). */
export function checkTrainConfig(c: TrainConfig): void {
  const whole = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new TrainConfigError(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
  };
  whole('epochs', c.epochs, 1, 100_000);
  whole('batch size', c.batchSize, 2, 65_536);
  whole('warm-up epochs', c.warmupEpochs, 0, c.epochs);
  whole('seed', c.seed, 0, 2 ** 32 - 1);
  if (c.initChannels % 4 !== 0 || c.initChannels < 4) throw new TrainConfigError(`initChannels must be a positive multiple of 4, got ${c.initChannels}`);
  if (c.maxImages !== null) whole('max images', c.maxImages, 2);
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new TrainConfigError(`momentum must be in [0, 1), got ${c.momentum}`);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw new TrainConfigError(`weight decay must be a finite number >= 0, got ${c.weightDecay}`);
  if (!WEIGHT_DECAY_ON.includes(c.weightDecayOn)) throw new TrainConfigError(`weightDecayOn must be 'all' or 'weights', got ${String(c.weightDecayOn)}`);
  if (c.augmix && !POSTERIZE_BITS.includes(c.augmix.posterizeBits)) throw new TrainConfigError(`AugMix posterizeBits must be 4 or 8, got ${String(c.augmix.posterizeBits)}`);
  if (c.maxGradNorm !== null && !(c.maxGradNorm > 0 && Number.isFinite(c.maxGradNorm))) throw new TrainConfigError(`the clipping norm must be a finite number > 0, got ${c.maxGradNorm}`);
  if (c.nesterov && c.momentum === 0) throw new TrainConfigError('Nesterov momentum needs momentum > 0');
  checkSchedule(scheduleOf(c, 1));
}

/** The LR schedule of a run whose epochs have `stepsPerEpoch` steps. */
export function scheduleOf(c: TrainConfig, stepsPerEpoch: number): LrSchedule {
  return {
    kind: c.schedule,
    lr: c.lr,
    epochs: c.epochs,
    gamma: c.gamma ?? undefined,
    warmupSteps: c.warmupEpochs * stepsPerEpoch,
  };
}

/** The names of the fields in which two configs differ ('epochs', 'augmix', ...). */
export function configDifferences(a: TrainConfig, b: TrainConfig): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof TrainConfig)[];
  return keys.filter((k) => {
    const x = a[k];
    const y = b[k];
    if (k === 'augmix' && x && y && typeof x === 'object' && typeof y === 'object') {
      const ax = x as AugMixOptions;
      const ay = y as AugMixOptions;
      return ax.severity !== ay.severity || ax.width !== ay.width || ax.depth !== ay.depth || ax.alpha !== ay.alpha || ax.posterizeBits !== ay.posterizeBits;
    }
    return x !== y;
  });
}
