// A dataset from a folder of images (the user's own data): one subfolder per class, class names
// the folder names (sorted), optionally inside train/, val/ and test/ folders; else a seeded,
// stratified 70/10/20 split. Every image is decoded (decode.ts: PNG or JPEG), made grayscale or
// RGB as the dataset is (grayscale when every image is; else RGB, gray images repeated into three
// channels) and resized to sizePx x sizePx (resize.ts). The result is an ImageDataset like a
// MedMNIST file's, so everything downstream (loader, training, the dataset id in model files and
// checkpoints) is the same.
//
// This is core code: it never touches a file system. The caller lists the folder (the Node side:
// src/node/data/image-folder.ts; a browser: a directory picker) and gives a `read` function.
import type { ImageDataset, ImageSplit } from './dataset.ts';
import { convertChannels, decodeImage, type DecodedImage } from './decode.ts';
import { ImageFileError, ImageFolderError } from './errors.ts';
import { SPLITS, type SplitName } from './registry.ts';
import { resizeImage } from './resize.ts';
import { Rng } from '../util/rng.ts';

/** One file of a listed folder. */
export interface ImageFolderFile {
  /** The path shown in messages (e.g. the folder as the user gave it, joined with the file's place in it). */
  readonly path: string;
  readonly className: string;
  /** The split folder the file is in; null when the folder has no train/val/test folders. */
  readonly split: SplitName | null;
}

/** What a folder holds, as the caller listed it. */
export interface ImageFolderListing {
  /** The dataset's name (in messages, model files, checkpoints). */
  readonly name: string;
  /** The folder, for messages. */
  readonly root: string;
  /** Every class folder's name; sorted here (by UTF-16 code units), so the order is the same everywhere. */
  readonly classNames: readonly string[];
  readonly files: readonly ImageFolderFile[];
  /** Whether the files come from train/, val/ and test/ folders (then every file has its split). */
  readonly splitFolders: boolean;
  /** Entries that are not in a class folder or are hidden (dot files), left out and listed in the summary. */
  readonly ignored?: readonly string[];
}

/** How the images were divided into train, val and test. */
export type ImageFolderSplit =
  | { readonly kind: 'folders' }
  | { readonly kind: 'stratified'; readonly seed: number; readonly percent: readonly [number, number, number] };

/** The stratified split: train, val, test percentages. */
export const SPLIT_PERCENT: readonly [number, number, number] = [70, 10, 20];

export interface ImageFolderOptions {
  /** Side of the square images the dataset holds (default 28, as MedMNIST's). */
  readonly sizePx?: number;
  /** Seed of the stratified split and of each split's order (default 0). */
  readonly splitSeed?: number;
  /** Skip files that are not decodable PNG/JPEG images (listed in the summary) instead of failing. */
  readonly skipBad?: boolean;
  /** The bytes of a listed file. */
  readonly read: (file: ImageFolderFile) => Promise<Uint8Array>;
  /** Called after each file with how many of them are done. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImageFolderSummary {
  readonly name: string;
  readonly root: string;
  readonly classNames: readonly string[];
  readonly sizePx: number;
  readonly channels: 1 | 3;
  readonly split: ImageFolderSplit;
  /** Images per class in each split. */
  readonly counts: Readonly<Record<SplitName, readonly number[]>>;
  /** Source images that were grayscale / RGB (mixed: the gray ones were repeated into RGB). */
  readonly grayImages: number;
  readonly rgbImages: number;
  /** Files left out with --skip-bad, and why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  readonly ignored: readonly string[];
  /** Each split's files in the dataset's order (sample i of a split is files[split][i]). */
  readonly files: Readonly<Record<SplitName, readonly string[]>>;
}

/** The `release` recorded for an image folder (in the dataset id of model files and checkpoints): how it was split. */
export function imageFolderRelease(split: ImageFolderSplit): string {
  return split.kind === 'folders'
    ? 'image-folder: train/val/test folders'
    : `image-folder: ${split.percent.join('/')} stratified split, seed ${split.seed}`;
}

/** The split an image folder's `release` records, or null when it is not an image folder's. */
export function parseImageFolderRelease(release: string | null): ImageFolderSplit | null {
  if (release === 'image-folder: train/val/test folders') return { kind: 'folders' };
  const m = /^image-folder: (\d+)\/(\d+)\/(\d+) stratified split, seed (\d+)$/.exec(release ?? '');
  return m ? { kind: 'stratified', seed: Number(m[4]), percent: [Number(m[1]), Number(m[2]), Number(m[3])] } : null;
}

/** `image` as the dataset holds it: `channels` channels (decode.ts's conversions), resized to sizePx x sizePx. */
export function prepareImage(image: DecodedImage, channels: 1 | 3, sizePx: number): Uint8Array {
  const c = convertChannels(image, channels);
  return resizeImage(c.data, c.width, c.height, channels, sizePx, sizePx);
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const plural = (n: number, word: string): string => (n === 1 ? `${n} ${word}` : `${n} ${/(s|x|ch|sh)$/.test(word) ? `${word}es` : /[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`}`);

/** Train, val and test counts of a class of n images under the stratified split (each at least 1). */
function stratifiedCounts(n: number): [number, number, number] {
  const test = Math.max(1, Math.round((n * SPLIT_PERCENT[2]) / 100));
  const val = Math.max(1, Math.round((n * SPLIT_PERCENT[1]) / 100));
  return [n - val - test, val, test];
}

interface Sample {
  readonly path: string;
  readonly label: number;
  /** Resized pixels in the image's own channels (1 or 3). */
  readonly pixels: Uint8Array;
  readonly channels: 1 | 3;
  split: SplitName | null;
}

/**
 * Reads a listed folder into a dataset. Errors (ImageFolderError, ImageFileError) name the folder
 * or file: no class folders, one class, an empty class folder, a class too small to split, a split
 * with no images, a file that is not a readable image (unless skipBad).
 */
export async function imageFolderDataset(listing: ImageFolderListing, options: ImageFolderOptions): Promise<{ dataset: ImageDataset; summary: ImageFolderSummary }> {
  const sizePx = options.sizePx ?? 28;
  const seed = options.splitSeed ?? 0;
  if (!Number.isInteger(sizePx) || sizePx < 1) throw new RangeError(`sizePx must be a positive integer, got ${sizePx}`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`splitSeed must be a non-negative integer, got ${seed}`);
  const { root } = listing;
  const classNames = [...new Set(listing.classNames)].sort(byCodeUnits);
  if (classNames.length === 0) {
    throw new ImageFolderError(root, listing.files.length === 0 ? 'holds no images at all (no class folders)' : 'holds no class folders');
  }
  if (classNames.length === 1) {
    throw new ImageFolderError(root, `has one class only ('${classNames[0]}'): a classifier needs at least two class folders`);
  }
  const labelOf = new Map(classNames.map((c, i) => [c, i]));
  const files = [...listing.files].sort((a, b) => byCodeUnits(a.path, b.path));
  for (const f of files) {
    if (!labelOf.has(f.className)) throw new ImageFolderError(root, `lists ${f.path} in class '${f.className}', which is not one of its class folders`);
    if (listing.splitFolders !== (f.split !== null)) {
      throw new ImageFolderError(root, `lists ${f.path} ${f.split === null ? 'outside' : 'inside'} a split folder, but the folder ${listing.splitFolders ? 'has' : 'has no'} train/val/test folders`);
    }
  }
  const samples: Sample[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    let image: DecodedImage;
    try {
      image = decodeImage(await options.read(f), f.path);
    } catch (e) {
      if (!(e instanceof ImageFileError) || !options.skipBad) throw e;
      skipped.push({ path: f.path, reason: e.fault });
      options.onProgress?.(i + 1, files.length);
      continue;
    }
    samples.push({ path: f.path, label: labelOf.get(f.className)!, pixels: prepareImage(image, image.channels, sizePx), channels: image.channels, split: f.split });
    options.onProgress?.(i + 1, files.length);
  }
  // Every class needs images (a folder whose files were all skipped is as empty as an empty one).
  const perClass = classNames.map(() => [] as Sample[]);
  for (const s of samples) perClass[s.label].push(s);
  perClass.forEach((list, k) => {
    if (list.length === 0) {
      const all = files.filter((f) => f.className === classNames[k]).length;
      throw new ImageFolderError(
        `${root}/${classNames[k]}`,
        all === 0 ? 'is an empty class folder (no image files)' : `holds no readable image (${plural(all, 'file')} skipped as bad)`,
        'Put images in it, or remove the folder if it is not a class.',
      );
    }
  });
  let split: ImageFolderSplit;
  if (listing.splitFolders) {
    split = { kind: 'folders' };
  } else {
    split = { kind: 'stratified', seed, percent: SPLIT_PERCENT };
    perClass.forEach((list, k) => {
      if (list.length < 3) {
        throw new ImageFolderError(
          `${root}/${classNames[k]}`,
          `has ${plural(list.length, 'image')}: a stratified ${SPLIT_PERCENT.join('/')} split needs at least 3 per class (one each for train, val and test)`,
          'Add images, or give train/, val/ and test/ folders that each hold the class folders.',
        );
      }
      // The files are sorted, so the shuffle depends only on the seed and the class's files.
      const order = new Rng(seed, 0x5971, k).permutation(list.length);
      const [, val, test] = stratifiedCounts(list.length);
      order.forEach((j, pos) => (list[j].split = pos < test ? 'test' : pos < test + val ? 'val' : 'train'));
    });
  }
  const grayImages = samples.filter((s) => s.channels === 1).length;
  const channels: 1 | 3 = grayImages === samples.length ? 1 : 3;
  const plane = sizePx * sizePx * channels;
  const splits = {} as Record<SplitName, ImageSplit>;
  const counts = {} as Record<SplitName, number[]>;
  const filesBySplit = {} as Record<SplitName, string[]>;
  SPLITS.forEach((name, si) => {
    const members = samples.filter((s) => s.split === name);
    if (members.length === 0) {
      throw new ImageFolderError(`${root}/${name}`, 'holds no images: every split needs some', 'Put images of each class in train/, val/ and test/.');
    }
    // A seeded order within each split, so that "the first N images" (--max-images) mixes the classes.
    new Rng(seed, 0x0de5, si).shuffle(members);
    const images = new Uint8Array(members.length * plane);
    const labels = new Int32Array(members.length);
    members.forEach((s, i) => {
      // Gray images in an RGB dataset: each value repeated into R, G, B (resizing commutes with it).
      images.set(s.channels === channels ? s.pixels : convertChannels({ width: sizePx, height: sizePx, channels: s.channels, data: s.pixels, format: 'png' }, channels).data, i * plane);
      labels[i] = s.label;
    });
    splits[name] = { count: members.length, images, labels };
    counts[name] = classNames.map((_, k) => members.filter((s) => s.label === k).length);
    filesBySplit[name] = members.map((s) => s.path);
  });
  const dataset: ImageDataset = {
    name: listing.name,
    task: classNames.length === 2 ? 'binary-class' : 'multi-class',
    channels,
    sizePx,
    classNames,
    labelWidth: 1,
    splits,
    release: imageFolderRelease(split),
    source: root,
  };
  const summary: ImageFolderSummary = {
    name: listing.name, root, classNames, sizePx, channels, split, counts, grayImages, rgbImages: samples.length - grayImages,
    skipped, ignored: listing.ignored ?? [], files: filesBySplit,
  };
  return { dataset, summary };
}

/** The summary in a few lines, for a command's output: classes, split, channels, skipped and ignored files. */
export function describeImageFolder(s: ImageFolderSummary): string[] {
  const total = (split: SplitName) => s.counts[split].reduce((a, b) => a + b, 0);
  const how = s.split.kind === 'folders' ? 'split by its train/, val/, test/ folders' : `split ${s.split.percent.join('/')} per class, seed ${s.split.seed} (--split-seed)`;
  const colour =
    s.channels === 1 ? 'grayscale'
      : s.grayImages > 0 ? `RGB (${plural(s.grayImages, 'grayscale image')} of ${s.grayImages + s.rgbImages} repeated into R, G, B)`
        : 'RGB';
  const lines = [
    `${s.root}: image folder '${s.name}', ${plural(s.classNames.length, 'class')} (${s.classNames.join(', ')}), ${s.sizePx} x ${s.sizePx} ${colour}`,
    `  ${how}: train ${total('train')}, val ${total('val')}, test ${total('test')} images (per class: ${SPLITS.map((sp) => `${sp} ${s.counts[sp].join('/')}`).join(', ')})`,
  ];
  if (s.skipped.length > 0) {
    lines.push(`  skipped ${plural(s.skipped.length, 'bad file')} (--skip-bad):`);
    for (const f of s.skipped) lines.push(`    ${f.path}: ${f.reason}`);
  }
  if (s.ignored.length > 0) {
    const shown = s.ignored.slice(0, 10);
    lines.push(`  left out ${plural(s.ignored.length, 'entry')} not in a class folder or hidden: ${shown.join(', ')}${s.ignored.length > shown.length ? ', ...' : ''}`);
  }
  return lines;
}
