// Batches for training and scoring: split selection, seeded shuffling, optional augmentation,
// NCHW float32 images normalised per channel, int32 labels (multi-hot float32 for multi-label).
//
// Determinism: every random choice derives from (seed, epoch) for the order and from
// (seed, epoch, sample position) for augmentation, so a batch is a pure function of
// (options, epoch, batch index). Resuming is therefore just `epoch(e, startBatch)`, and the
// prefetch depth cannot change the result.
import { augmix, AUGMIX_DEFAULTS, type AugMixOptions } from './augmix.ts';
import { MedMnistFileError } from './errors.ts';
import { trainStats, type ChannelStats, type ImageDataset } from './dataset.ts';
import { randomFlipCrop, type FlipCropOptions } from './flipcrop.ts';
import { makeImage } from './ops.ts';
import type { SplitName } from './registry.ts';
import { Rng } from '../util/rng.ts';

export interface LoaderOptions {
  readonly split: SplitName;
  readonly batchSize: number;
  /** Shuffle each epoch (default: true for 'train', false otherwise). */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Drop a final batch smaller than batchSize (default false). */
  readonly dropLast?: boolean;
  /**
   * 'train-stats' (default): subtract the training split's per-channel mean and divide by its std
   * (trainStats()); 'none': leave [0, 1]; or explicit numbers (e.g. mean 0.5, std 0.5 as in
   * MedMNIST's examples).
   */
  readonly normalize?: 'train-stats' | 'none' | ChannelStats;
  /** Repeat a grayscale channel 3 times, for networks built for RGB input (default false). */
  readonly replicateGray?: boolean;
  /** AugMix (true = paper defaults) and/or flips and crops; applied before normalisation. */
  readonly augmix?: boolean | Partial<AugMixOptions>;
  readonly flipCrop?: FlipCropOptions;
  /** Batches prepared ahead of the consumer (default 2; 0 = compute on demand). */
  readonly prefetchBatches?: number;
}

export interface Batch {
  /** NCHW float32, normalised. */
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** Class indices (N), or multi-hot 0/1 rows (N x K) for multi-label datasets. */
  readonly labels: Int32Array | Float32Array;
  readonly labelShape: readonly [number] | readonly [number, number];
  /** Positions of the samples in the split (for bookkeeping and tests). */
  readonly indices: Int32Array;
  readonly epoch: number;
  readonly batchIndex: number;
}

/** A macrotask yield that works in Node, Deno and browsers. */
const nextTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export class DataLoader {
  readonly options: Required<Omit<LoaderOptions, 'augmix' | 'flipCrop'>> & {
    augmix: AugMixOptions | null;
    flipCrop: FlipCropOptions | null;
  };
  readonly sampleCount: number;
  readonly batchesPerEpoch: number;
  private readonly stats: ChannelStats;
  private readonly outChannels: number;

  constructor(
    readonly dataset: ImageDataset,
    options: LoaderOptions,
  ) {
    if (!(options.batchSize >= 1) || !Number.isInteger(options.batchSize)) {
      throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.options = {
      split: options.split,
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? options.split === 'train',
      seed: options.seed ?? 0,
      dropLast: options.dropLast ?? false,
      normalize: options.normalize ?? 'train-stats',
      replicateGray: options.replicateGray ?? false,
      prefetchBatches: options.prefetchBatches ?? 2,
      augmix: options.augmix ? { ...AUGMIX_DEFAULTS, ...(options.augmix === true ? {} : options.augmix) } : null,
      flipCrop: options.flipCrop ?? null,
    };
    this.sampleCount = dataset.splits[options.split].count;
    const n = this.sampleCount / options.batchSize;
    this.batchesPerEpoch = this.options.dropLast ? Math.floor(n) : Math.ceil(n);
    const norm = this.options.normalize;
    const c = dataset.channels;
    this.stats =
      norm === 'train-stats' ? trainStats(dataset) : norm === 'none' ? { mean: new Array(c).fill(0), std: new Array(c).fill(1) } : norm;
    if (this.stats.mean.length !== c || this.stats.std.length !== c) {
      throw new RangeError(`normalize needs ${c} mean/std value(s) for ${dataset.name}, got ${this.stats.mean.length}/${this.stats.std.length}`);
    }
    // A constant (or empty) training split has std 0: dividing by it would hand out NaN/Infinity images.
    const badChannel = this.stats.mean.findIndex((m, ch) => !Number.isFinite(m) || !(this.stats.std[ch] > 0) || !Number.isFinite(this.stats.std[ch]));
    if (badChannel >= 0) {
      const stats = `mean ${this.stats.mean[badChannel]}, std ${this.stats.std[badChannel]} in channel ${badChannel}`;
      if (norm === 'train-stats') {
        throw new MedMnistFileError(
          dataset.source ?? dataset.name,
          `the 'train' split gives no usable normalisation (${stats}: its images are constant)`,
          "Use a file with real training images, or pass normalize: 'none' or explicit { mean, std }.",
        );
      }
      throw new RangeError(`normalize needs finite means and stds > 0, got ${stats}`);
    }
    this.outChannels = this.options.replicateGray && c === 1 ? 3 : c;
  }

  /** The sample order of an epoch (a permutation of 0..count-1, or the identity). */
  order(epoch: number): Int32Array {
    const idx = new Int32Array(this.sampleCount);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    if (this.options.shuffle) new Rng(this.options.seed, 0x5eed, epoch).shuffle(idx);
    return idx;
  }

  /** Builds one batch synchronously (CPU work: decode, augment, normalise). */
  batch(epoch: number, batchIndex: number, order: Int32Array = this.order(epoch)): Batch {
    if (batchIndex < 0 || batchIndex >= this.batchesPerEpoch) {
      throw new RangeError(`batch ${batchIndex} is out of range: an epoch has ${this.batchesPerEpoch} batches`);
    }
    const { batchSize, seed, augmix: mixOpts, flipCrop } = this.options;
    const ds = this.dataset;
    const split = ds.splits[this.options.split];
    const start = batchIndex * batchSize;
    const n = Math.min(batchSize, this.sampleCount - start);
    const S = ds.sizePx;
    const C = ds.channels;
    const plane = S * S;
    const OC = this.outChannels;
    const images = new Float32Array(n * OC * plane);
    const indices = order.slice(start, start + n);
    const scratch = new Float32Array(C * plane);
    const { mean, std } = this.stats;
    for (let b = 0; b < n; b++) {
      const s = indices[b];
      const pixels = split.images.subarray(s * plane * C, (s + 1) * plane * C);
      if (mixOpts || flipCrop) {
        const rng = new Rng(seed, 0xa06, epoch, start + b);
        let img = makeImage(S, S, C, pixels);
        if (flipCrop) img = randomFlipCrop(img, flipCrop, rng);
        if (mixOpts) augmix(img, mixOpts, rng, scratch, 0);
        else for (let p = 0; p < plane; p++) for (let ch = 0; ch < C; ch++) scratch[ch * plane + p] = img.data[p * C + ch] / 255;
      } else {
        for (let p = 0; p < plane; p++) for (let ch = 0; ch < C; ch++) scratch[ch * plane + p] = pixels[p * C + ch] / 255;
      }
      const base = b * OC * plane;
      for (let oc = 0; oc < OC; oc++) {
        const ch = C === 1 ? 0 : oc;
        const m = mean[ch];
        const inv = 1 / std[ch];
        const src = ch * plane;
        const dst = base + oc * plane;
        for (let p = 0; p < plane; p++) images[dst + p] = (scratch[src + p] - m) * inv;
      }
    }
    return { images, shape: [n, OC, S, S], ...this.labelsOf(indices), indices, epoch, batchIndex };
  }

  private labelsOf(indices: Int32Array): Pick<Batch, 'labels' | 'labelShape'> {
    const { labels } = this.dataset.splits[this.options.split];
    const k = this.dataset.labelWidth;
    const n = indices.length;
    if (k === 1) return { labels: Int32Array.from(indices, (s) => labels[s]), labelShape: [n] };
    const multiHot = new Float32Array(n * k);
    for (let b = 0; b < n; b++) for (let j = 0; j < k; j++) multiHot[b * k + j] = labels[indices[b] * k + j];
    return { labels: multiHot, labelShape: [n, k] };
  }

  /**
   * The batches of one epoch, from `startBatch` on. Up to `prefetchBatches` batches are built
   * ahead in macrotasks, so that they are computed while the consumer awaits its GPU work
   * (JavaScript runs them in the gaps; the consumer finds the next batch ready).
   */
  async *epoch(epoch = 0, startBatch = 0): AsyncGenerator<Batch, void, undefined> {
    const order = this.order(epoch);
    const ahead = Math.max(0, Math.floor(this.options.prefetchBatches));
    const queue: Promise<Batch>[] = [];
    let next = startBatch;
    const schedule = (): void => {
      const index = next++;
      const p = nextTick().then(() => this.batch(epoch, index, order));
      // Mark it handled now: a failure surfaces when the consumer awaits it, not as an
      // unhandled rejection while it waits in the queue.
      p.catch(() => undefined);
      queue.push(p);
    };
    while (next < this.batchesPerEpoch && queue.length < ahead) schedule();
    for (let i = startBatch; i < this.batchesPerEpoch; i++) {
      if (queue.length === 0) schedule();
      const ready = queue.shift()!;
      // Top the queue up before handing this batch out, so the next one builds meanwhile.
      while (next < this.batchesPerEpoch && queue.length < ahead) schedule();
      yield await ready;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Batch, void, undefined> {
    return this.epoch(0);
  }
}
