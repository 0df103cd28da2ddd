// What a model file records about the data it was trained on: the name, task, size, release and a
// CRC-32 over every split's pixels and labels, so a resumed run can refuse another dataset (or a
// changed file) and eval can tell when it scores a different copy. Plus the "first N images of
// each split" subset that quick checks and tests train on.
import type { ImageDataset, ImageSplit } from '../data/dataset.ts';
import { SPLITS, type SplitName } from '../data/registry.ts';
import { crc32 } from '../util/crc32.ts';
import type { FieldChecker } from '../util/fields.ts';

export interface DatasetId {
  readonly name: string;
  readonly task: string;
  readonly sizePx: number;
  readonly channels: number;
  readonly classes: number;
  readonly release: string | null;
  readonly counts: Readonly<Record<SplitName, number>>;
  /** CRC-32 over train, val, test: images then labels (int32 little-endian) of each. */
  readonly crc32: number;
}

function labelBytes(labels: Int32Array): Uint8Array {
  const out = new Uint8Array(labels.length * 4);
  const view = new DataView(out.buffer);
  labels.forEach((v, i) => view.setInt32(i * 4, v, true));
  return out;
}

/** The identity of `dataset` (hashing every byte: about 1 s for PathMNIST's 250 MB on a CPU). */
export function datasetId(dataset: ImageDataset): DatasetId {
  let crc = 0;
  for (const split of SPLITS) {
    const s = dataset.splits[split];
    crc = crc32(s.images, crc);
    crc = crc32(labelBytes(s.labels), crc);
  }
  return {
    name: dataset.name,
    task: dataset.task,
    sizePx: dataset.sizePx,
    channels: dataset.channels,
    classes: dataset.classNames.length,
    release: dataset.release,
    counts: { train: dataset.splits.train.count, val: dataset.splits.val.count, test: dataset.splits.test.count },
    crc32: crc,
  };
}

/** The first `maxImages` images of each split (all of a smaller split), for quick runs and tests. */
export function firstImages(dataset: ImageDataset, maxImages: number): ImageDataset {
  const cut = (s: ImageSplit): ImageSplit => {
    const n = Math.min(s.count, maxImages);
    const pixels = s.images.length / Math.max(1, s.count);
    const labels = s.labels.length / Math.max(1, s.count);
    return { count: n, images: s.images.subarray(0, n * pixels), labels: s.labels.subarray(0, n * labels) };
  };
  return {
    ...dataset,
    splits: { train: cut(dataset.splits.train), val: cut(dataset.splits.val), test: cut(dataset.splits.test) },
    // A registry release names the whole published file, which a cut is not; the synthetic set's and your own
    // data's (custom npz, image folder: how it was split) still describe where the images come from.
    release: dataset.release !== null && !/^v\d+$/.test(dataset.release) ? dataset.release : null,
    source: `${dataset.source ?? dataset.name} (first ${maxImages} images of each split)`,
  };
}

/** A DatasetId read from a file's payload, every field checked (model files, search checkpoints). */
export function readDatasetId(f: FieldChecker, v: unknown): DatasetId {
  const d = f.record(v, 'dataset');
  f.keys(d, 'dataset', ['name', 'task', 'sizePx', 'channels', 'classes', 'release', 'counts', 'crc32']);
  const counts = f.record(d.counts, 'dataset.counts');
  f.keys(counts, 'dataset.counts', ['train', 'val', 'test']);
  return {
    name: f.string(d.name, 'dataset.name'),
    task: f.string(d.task, 'dataset.task'),
    sizePx: f.integer(d.sizePx, 'dataset.sizePx', 1),
    channels: f.integer(d.channels, 'dataset.channels', 1),
    classes: f.integer(d.classes, 'dataset.classes', 1),
    release: d.release === null ? null : f.string(d.release, 'dataset.release'),
    counts: {
      train: f.integer(counts.train, 'dataset.counts.train'),
      val: f.integer(counts.val, 'dataset.counts.val'),
      test: f.integer(counts.test, 'dataset.counts.test'),
    },
    crc32: f.integer(d.crc32, 'dataset.crc32', 0, 0xffffffff),
  };
}
