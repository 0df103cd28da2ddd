// The proxy batch: N images of a dataset's training split, chosen by the seeded Rng, one batch for a
// whole search so that every architecture is scored on the same data (the public MSTF-NAS
// reproduction draws 24 x 20 = 480). Images are normalised as the data loader does for training
// (the training split's per-channel mean and std), without augmentation. The batch's id is a
// checksum of its content, so a score cache never mixes scores of different batches.
import { crc32 } from '../util/crc32.ts';
import type { ImageDataset } from '../data/dataset.ts';
import { DataLoader } from '../data/loader.ts';
import { Rng } from '../util/rng.ts';
import { ProxyInputError } from './errors.ts';

export interface ProxyBatch {
  /** `dataset/nN/sSEED/CRC`: the same id means the same images and labels. */
  readonly id: string;
  /** NCHW float32, normalised. */
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** Class indices (N), or multi-hot rows (N x K) for multi-label datasets. */
  readonly labels: Int32Array | Float32Array;
  /** Classes (or labels, for multi-label datasets): the network's outputs. */
  readonly numClasses: number;
  /** True when labels are multi-hot rows: the ablation proxies then use BCE-with-logits, not cross-entropy. */
  readonly multiLabel: boolean;
  readonly dataset: string;
  /** Positions of the images in the split (empty for a batch made from arrays). */
  readonly indices: Int32Array;
}

export interface ProxyBatchOptions {
  /** N, the number of images (the public reproduction: 480). */
  size: number;
  /** Seeds the choice of images; default 0. */
  seed?: number;
}

/** Stream id of the image choice (so that it never coincides with the loader's shuffles). */
const CHOICE_STREAM = 0x9b0c;

/** N training images chosen by `new Rng(seed)`: the same dataset, N and seed give the same batch. */
export function proxyBatch(dataset: ImageDataset, options: ProxyBatchOptions): ProxyBatch {
  const n = options.size;
  const seed = options.seed ?? 0;
  const available = dataset.splits.train.count;
  if (!Number.isInteger(n) || n < 1) throw new ProxyInputError(`the proxy batch size must be a whole number >= 1, got ${n}`);
  if (n > available) {
    throw new ProxyInputError(`a proxy batch of ${n} images is more than ${dataset.name}'s training split holds (${available}): use at most ${available}`);
  }
  const order = new Rng(seed, CHOICE_STREAM).shuffle(Int32Array.from({ length: available }, (_, i) => i)).slice(0, n);
  const loader = new DataLoader(dataset, { split: 'train', batchSize: n, shuffle: false, prefetchBatches: 0 });
  const b = loader.batch(0, 0, order);
  return makeBatch(dataset.name, seed, b.images, b.shape, b.labels, dataset.classNames.length, dataset.labelWidth > 1, b.indices);
}

/**
 * A batch from arrays (tests, or data that is not a registered dataset): NCHW images and labels,
 * class indices or, with `multiLabel`, multi-hot rows of numClasses.
 */
export function batchFromArrays(
  images: Float32Array,
  shape: readonly [number, number, number, number],
  labels: Int32Array | Float32Array,
  options: { numClasses: number; multiLabel?: boolean; name?: string },
): ProxyBatch {
  const [n, c, h, w] = shape;
  if (shape.some((d) => !Number.isInteger(d) || d < 1) || images.length !== n * c * h * w) {
    throw new ProxyInputError(`the batch's ${images.length} values do not fill shape [${shape.join(', ')}]`);
  }
  const multiLabel = options.multiLabel ?? false;
  const k = options.numClasses;
  if (labels.length !== (multiLabel ? n * k : n)) {
    throw new ProxyInputError(`the batch has ${labels.length} labels for ${n} images${multiLabel ? ` of ${k} labels each` : ''}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    const ok = multiLabel ? v === 0 || v === 1 : Number.isInteger(v) && v >= 0 && v < k;
    if (!ok) throw new ProxyInputError(`label ${i} of the batch is ${v}: expected ${multiLabel ? '0 or 1' : `a class in 0..${k - 1}`}`);
  }
  return makeBatch(options.name ?? 'arrays', 0, images, shape, labels, k, multiLabel, new Int32Array(0));
}

function makeBatch(
  dataset: string, seed: number, images: Float32Array, shape: readonly [number, number, number, number],
  labels: Int32Array | Float32Array, numClasses: number, multiLabel: boolean, indices: Int32Array,
): ProxyBatch {
  const bytes = new Uint8Array(images.byteLength + labels.byteLength + 16);
  bytes.set(new Uint8Array(images.buffer, images.byteOffset, images.byteLength), 0);
  bytes.set(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength), images.byteLength);
  new Uint32Array(bytes.buffer, images.byteLength + labels.byteLength, 4).set(shape);
  const sum = crc32(bytes).toString(16).padStart(8, '0');
  const id = `${dataset}/n${shape[0]}/s${seed}/${sum}`;
  return { id, images, shape, labels, numClasses, multiLabel, dataset, indices };
}
