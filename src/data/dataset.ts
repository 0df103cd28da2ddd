// The in-memory dataset every loader works on, and its construction from an .npz's arrays with
// the checks that turn a malformed file into a MedMnistFileError instead of a crash later on.
import { MedMnistFileError } from './errors.ts';
import type { NpyArray } from './npy.ts';
import { SPLITS, getMedMnistInfo, releaseBySplits, type MedMnistTask, type SplitName } from './registry.ts';

export interface ImageSplit {
  readonly count: number;
  /** uint8 pixels in the .npz layout: N x H x W x C (C = channels, 1 for grayscale). */
  readonly images: Uint8Array;
  /** Integer labels, N x labelWidth, row-major. */
  readonly labels: Int32Array;
}

export interface ImageDataset {
  readonly name: string;
  readonly task: MedMnistTask;
  readonly channels: 1 | 3;
  readonly sizePx: number;
  readonly classNames: readonly string[];
  /** 1 for single-label tasks; the number of labels for multi-label (ChestMNIST: 14). */
  readonly labelWidth: number;
  readonly splits: Readonly<Record<SplitName, ImageSplit>>;
  /** The registry release the split sizes match ('v3', 'v2'), 'synthetic', or null (unofficial file). */
  readonly release: string | null;
  /** Where it came from, for messages: the file name, or 'synthetic'. */
  readonly source?: string;
}

/** Per-channel mean and standard deviation of pixel values scaled to [0, 1]. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

const INTEGER_DTYPES = new Set(['u1', 'i1', 'u2', 'i2', 'u4', 'i4', 'i8', 'u8', 'b1']);

/** What a file's arrays are checked against: a registry subset's shape, or (custom files) only the layout. */
interface ArrayChecks {
  /** Registry subset name, or null for a custom file. */
  readonly subset: string | null;
  /** Required channels (null: 1 or 3, taken from the file). */
  readonly channels: 1 | 3 | null;
  /** Required label columns. */
  readonly labelWidth: number;
  /** Labels must be below this (null: any non-negative int32). */
  readonly limit: number | null;
}

interface CheckedArrays {
  readonly splits: Record<SplitName, ImageSplit>;
  readonly sizePx: number;
  readonly channels: 1 | 3;
  /** The largest label value in any split. */
  readonly maxLabel: number;
}

function checkArrays(arrays: ReadonlyMap<string, NpyArray>, file: string, checks: ArrayChecks, expectedSizePx?: number): CheckedArrays {
  const has = [...arrays.keys()].join(', ') || 'nothing';
  const who = checks.subset ?? 'a custom dataset';
  const splits = {} as Record<SplitName, ImageSplit>;
  let sizePx = -1;
  let channels: 1 | 3 | null = checks.channels;
  let maxLabel = -1;
  for (const split of SPLITS) {
    const images = arrays.get(`${split}_images`);
    const labels = arrays.get(`${split}_labels`);
    for (const [key, arr] of [[`${split}_images`, images], [`${split}_labels`, labels]] as const) {
      if (!arr) throw new MedMnistFileError(file, `the '${split}' split is missing: no '${key}' array (the file has ${has})`);
    }
    const im = images!;
    const lb = labels!;
    if (im.dtype !== 'u1') throw new MedMnistFileError(file, `${split}_images has dtype ${im.dtype}, expected uint8`);
    const [n, h, w, c = 1] = im.shape;
    if (im.shape.length < 3 || im.shape.length > 4 || h !== w) {
      throw new MedMnistFileError(file, `${split}_images has shape (${im.shape.join(', ')}), expected (N, S, S) or (N, S, S, 3)`);
    }
    if (n === 0) throw new MedMnistFileError(file, `the '${split}' split is empty (0 images)`, 'Every split needs images: use the official file (mednas data download NAME).');
    if (channels === null) {
      if (c !== 1 && c !== 3) throw new MedMnistFileError(file, `${split}_images has ${c} channels, expected 1 (grayscale) or 3 (RGB)`);
      channels = c;
    } else if (c !== channels) {
      throw new MedMnistFileError(file, `${split}_images has ${c} channel(s), ${checks.subset === null ? `the train images have ${channels}` : `${who} has ${channels}`}`);
    }
    if (sizePx >= 0 && h !== sizePx) throw new MedMnistFileError(file, `${split}_images are ${h}x${h} but train images are ${sizePx}x${sizePx}`);
    sizePx = h;
    if (!INTEGER_DTYPES.has(lb.dtype)) throw new MedMnistFileError(file, `${split}_labels has dtype ${lb.dtype}, expected integers`);
    const width = lb.shape.length === 1 ? 1 : lb.shape[1];
    if (lb.shape.length > 2) throw new MedMnistFileError(file, `${split}_labels has shape (${lb.shape.join(', ')}), expected (N, 1) or (N, K)`);
    if (lb.shape[0] !== n) throw new MedMnistFileError(file, `image/label count mismatch in '${split}': ${n} images but ${lb.shape[0]} labels`);
    if (width !== checks.labelWidth) {
      throw new MedMnistFileError(
        file,
        `${split}_labels has ${width} column(s), ${checks.subset === null ? 'a custom dataset needs 1 (one class index per image: binary or multi-class)' : `${who} needs ${checks.labelWidth}`}`,
      );
    }
    // Range-checked on the stored values (int64/uint32 included) before narrowing to int32, so that
    // 2^32 + 1 is an error and not class 1.
    const raw = lb.data as ArrayLike<number | bigint>;
    const limit = checks.limit ?? 2 ** 31;
    const ints = new Int32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (typeof v === 'bigint' ? v < 0n || v >= BigInt(limit) : !(v >= 0 && v < limit)) {
        const range = checks.limit === null ? 'class indices must be 0, 1, 2, ...' : `outside 0..${limit - 1} for ${who}`;
        throw new MedMnistFileError(file, `${split}_labels[${Math.floor(i / width)}] is ${v}, ${range}`);
      }
      ints[i] = Number(v);
      if (ints[i] > maxLabel) maxLabel = ints[i];
    }
    splits[split] = { count: n, images: im.data as Uint8Array, labels: ints };
  }
  if (expectedSizePx !== undefined && sizePx !== expectedSizePx) {
    throw new MedMnistFileError(file, `images are ${sizePx}x${sizePx}, expected ${expectedSizePx}x${expectedSizePx}`);
  }
  return { splits, sizePx, channels: channels!, maxLabel };
}

/**
 * Builds a dataset from an .npz's arrays (train/val/test _images and _labels), checking
 * presence, dtypes, shapes, counts and, for a registry name, channels, size and label range.
 */
export function datasetFromArrays(arrays: ReadonlyMap<string, NpyArray>, file: string, name: string, expectedSizePx?: number): ImageDataset {
  const info = getMedMnistInfo(name);
  const multiLabel = info.task === 'multi-label, binary-class';
  const { splits, sizePx } = checkArrays(
    arrays, file,
    { subset: info.name, channels: info.channels, labelWidth: multiLabel ? info.classNames.length : 1, limit: multiLabel ? 2 : info.classNames.length },
    expectedSizePx,
  );
  const sizes = { train: splits.train.count, val: splits.val.count, test: splits.test.count };
  return {
    name: info.name,
    task: info.task,
    channels: info.channels,
    sizePx,
    classNames: info.classNames,
    labelWidth: multiLabel ? info.classNames.length : 1,
    splits,
    release: releaseBySplits(info.name, sizes)?.id ?? null,
    source: file,
  };
}

/** The `release` of a dataset read from a custom .npz (not a registry subset). */
export const CUSTOM_NPZ_RELEASE = 'custom npz';

/**
 * A dataset from an .npz in MedMNIST's layout that is not a registry subset (the user's own data):
 * channels and size from the arrays, one class index per image; the task is binary for two
 * classes, multi-class for more (classes = the largest label + 1, named '0', '1', ...). `name` is
 * what it is called in messages, model files and checkpoints (the file name, by the Node loader).
 */
export function customDatasetFromArrays(arrays: ReadonlyMap<string, NpyArray>, file: string, name: string, expectedSizePx?: number): ImageDataset {
  const { splits, sizePx, channels, maxLabel } = checkArrays(arrays, file, { subset: null, channels: null, labelWidth: 1, limit: null }, expectedSizePx);
  const classes = maxLabel + 1;
  if (classes < 2) {
    throw new MedMnistFileError(file, `every label is 0: one class only`, 'A classifier needs at least two classes: label the images 0, 1, ... by class.');
  }
  return {
    name,
    task: classes === 2 ? 'binary-class' : 'multi-class',
    channels,
    sizePx,
    classNames: Array.from({ length: classes }, (_, i) => String(i)),
    labelWidth: 1,
    splits,
    release: CUSTOM_NPZ_RELEASE,
    source: file,
  };
}

/** Per-label sample counts of a split (for multi-label: how many samples have each label). */
export function classCounts(dataset: ImageDataset, split: SplitName): number[] {
  const k = dataset.classNames.length;
  const counts = new Array<number>(k).fill(0);
  const { labels } = dataset.splits[split];
  if (dataset.labelWidth === 1) for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  else for (let i = 0; i < labels.length; i++) counts[i % k] += labels[i];
  return counts;
}

const statsCache = new WeakMap<ImageDataset, ChannelStats>();

/**
 * Per-channel mean/std over a dataset's training split, pixels scaled to [0, 1]. This is where
 * the loader's normalisation numbers come from (docs/data.md lists them for the local files).
 */
export function trainStats(dataset: ImageDataset): ChannelStats {
  const cached = statsCache.get(dataset);
  if (cached) return cached;
  const c = dataset.channels;
  const { images } = dataset.splits.train;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  // Sum integer histograms first: exact and fast, then derive the moments from them.
  const hist = new Float64Array(256 * c);
  for (let i = 0; i < images.length; i++) hist[(i % c) * 256 + images[i]]++;
  const n = images.length / c;
  for (let ch = 0; ch < c; ch++) {
    for (let v = 0; v < 256; v++) {
      const x = v / 255;
      sum[ch] += hist[ch * 256 + v] * x;
      sumSq[ch] += hist[ch * 256 + v] * x * x;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sumSq, (s, ch) => Math.sqrt(Math.max(s / n - mean[ch] * mean[ch], 0)));
  const stats = { mean, std };
  statsCache.set(dataset, stats);
  return stats;
}
