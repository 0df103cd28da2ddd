// Your own data: PNG/JPEG decoding (PNG exact, JPEG within a tolerance), resizing, image folders
// (class folders, train/val/test folders, the seeded stratified split), custom .npz files, the
// dataset id, and every bad input's error, named. Images are written with fast-png's and jpeg-js's
// encoders into a temporary folder; no GPU.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  convertChannels, CUSTOM_NPZ_RELEASE, decodeImage, ImageFileError, ImageFolderError, imageFolderRelease, MedMnistFileError,
  parseImageFolderRelease, resizeImage, UnknownDatasetError, writeNpz, type ImageDataset, type NpyArray,
} from '../../src/data/index.ts';
import { CUSTOM_SETTINGS, datasetId, presetConfig } from '../../src/train/index.ts';
import { datasetSource, FileAccessError, loadDataset, loadImageFolder } from '../../src/node/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-images-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A gray test picture: pixel (x, y) of image `seed` (distinct per image, smooth enough for JPEG). */
const grayPixels = (w: number, h: number, seed: number) => Uint8Array.from({ length: w * h }, (_, p) => (((p % w) * 9 + Math.floor(p / w) * 5 + seed * 17) % 200) + 20);
const rgbPixels = (w: number, h: number, seed: number) =>
  Uint8Array.from({ length: w * h * 3 }, (_, i) => (Math.floor(i / 3) % w) * 7 + (i % 3) * 60 + seed * 3 + Math.floor(Math.floor(i / 3) / w) * 2);
const png = (w: number, h: number, data: Uint8Array, channels: number) => encodePng({ width: w, height: h, data, channels, depth: 8 });
const jpg = (w: number, h: number, rgb: Uint8Array, quality = 95) => {
  const rgba = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) rgba.set([rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], 255], 4 * p);
  return new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, quality).data);
};
function write(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}
/** A folder ROOT/CLASS/NNN.png with `perClass` gray 12 x 10 images per class. */
function classFolder(name: string, classes: readonly string[], perClass: number): string {
  const root = join(dir, name);
  classes.forEach((c, k) => {
    for (let i = 0; i < perClass; i++) write(join(root, c, `${String(i).padStart(3, '0')}.png`), png(12, 10, grayPixels(12, 10, k * 100 + i), 1));
  });
  return root;
}
async function throwsAsync(run: () => Promise<unknown>, check: (e: Error) => void): Promise<void> {
  try {
    await run();
  } catch (e) {
    check(e as Error);
    return;
  }
  assert.unreachable('expected an error');
}

test('PNG decodes exactly: gray, RGB, RGBA (alpha dropped), 16-bit, 1-bit, palette; equal channels are gray', () => {
  const g = decodeImage(png(3, 2, Uint8Array.of(0, 1, 2, 253, 254, 255), 1), 'g.png');
  assert.equal([g.width, g.height, g.channels, g.format, [...g.data]], [3, 2, 1, 'png', [0, 1, 2, 253, 254, 255]]);
  const rgb = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30);
  const c = decodeImage(png(2, 2, rgb, 3), 'c.png');
  assert.equal([c.channels, [...c.data]], [3, [...rgb]]);
  const rgba = decodeImage(png(2, 1, Uint8Array.of(1, 2, 3, 0, 4, 5, 6, 128), 4), 'a.png');
  assert.equal([rgba.channels, [...rgba.data]], [3, [1, 2, 3, 4, 5, 6]]);
  const deep = decodeImage(encodePng({ width: 3, height: 1, data: Uint16Array.of(0, 32896, 65535), channels: 1, depth: 16 }), 'd.png');
  assert.equal([...deep.data], [0, 128, 255]);
  const bits = decodeImage(encodePng({ width: 10, height: 1, data: Uint8Array.of(0b10110000, 0b01000000), channels: 1, depth: 1 }), 'b.png');
  assert.equal([...bits.data], [255, 0, 255, 255, 0, 0, 0, 0, 0, 255]);
  const pal = decodeImage(encodePng({ width: 3, height: 1, data: Uint8Array.of(2, 0, 1), channels: 1, depth: 8, palette: [[10, 20, 30], [40, 50, 60], [70, 80, 90]] }), 'p.png');
  assert.equal([pal.channels, [...pal.data]], [3, [70, 80, 90, 10, 20, 30, 40, 50, 60]]);
  const grayAsRgb = decodeImage(png(2, 1, Uint8Array.of(9, 9, 9, 200, 200, 200), 3), 'e.png');
  assert.equal([grayAsRgb.channels, [...grayAsRgb.data]], [1, [9, 200]]);
});

test('JPEG decodes within a tolerance; a gray JPEG is one channel', () => {
  const w = 16, h = 16;
  const rgb = rgbPixels(w, h, 1);
  const d = decodeImage(jpg(w, h, rgb, 100), 'c.jpg');
  assert.equal([d.width, d.height, d.channels, d.format], [16, 16, 3, 'jpeg']);
  let maxError = 0;
  for (let i = 0; i < rgb.length; i++) maxError = Math.max(maxError, Math.abs(d.data[i] - rgb[i]));
  assert.ok(maxError <= 8, `JPEG error ${maxError}`);
  const gray = grayPixels(w, h, 3);
  const g = decodeImage(jpg(w, h, convertChannels({ width: w, height: h, channels: 1, data: gray, format: 'png' }, 3).data, 100), 'g.jpg');
  assert.is(g.channels, 1);
  let grayError = 0;
  for (let i = 0; i < gray.length; i++) grayError = Math.max(grayError, Math.abs(g.data[i] - gray[i]));
  assert.ok(grayError <= 4, `gray JPEG error ${grayError}`);
});

test('resize: block means when shrinking, bilinear when growing, copy at the same size; channel conversion', () => {
  const img = Uint8Array.from({ length: 16 }, (_, i) => i * 10); // 4 x 4
  assert.equal([...resizeImage(img, 4, 4, 1, 2, 2)], [25, 45, 105, 125]);
  assert.equal([...resizeImage(Uint8Array.of(0, 100, 200, 50), 2, 2, 1, 4, 4)], [0, 25, 75, 100, 50, 59, 78, 88, 150, 128, 84, 63, 200, 163, 88, 50]);
  const same = resizeImage(img, 4, 4, 1, 4, 4);
  assert.equal([...same], [...img]);
  assert.is.not(same, img);
  // 3 -> 2: each output pixel covers 1.5 source pixels; RGB channels stay apart.
  assert.equal([...resizeImage(Uint8Array.of(0, 0, 30, 90, 0, 60, 180, 0, 90), 3, 1, 3, 2, 1)], [30, 0, 40, 150, 0, 80]);
  // Non-square to square: stretched.
  assert.equal(resizeImage(new Uint8Array(6 * 3).fill(7), 6, 3, 1, 4, 4).length, 16);
  assert.equal([...convertChannels({ width: 2, height: 1, channels: 3, data: Uint8Array.of(255, 0, 0, 10, 200, 30), format: 'png' }, 1).data], [76, 124]);
  assert.equal([...convertChannels({ width: 2, height: 1, channels: 1, data: Uint8Array.of(5, 6), format: 'png' }, 3).data], [5, 5, 5, 6, 6, 6]);
});

test('an image folder: classes sorted, a stratified 70/10/20 split by seed (counts per class, deterministic), resized', async () => {
  const root = classFolder('Lesions', ['normal', 'benign', 'malignant'], 10);
  write(join(root, 'README.txt'), 'not a class');
  write(join(root, 'benign', '.DS_Store'), 'x');
  const { dataset: a, summary } = await loadImageFolder(root, { sizePx: 16 });
  assert.is(a.name, 'lesions');
  assert.equal(a.classNames, ['benign', 'malignant', 'normal']);
  assert.equal([a.task, a.channels, a.sizePx, a.labelWidth], ['multi-class', 1, 16, 1]);
  // 10 per class: test round(2) = 2, val round(1) = 1, train 7.
  assert.equal(summary.counts, { train: [7, 7, 7], val: [1, 1, 1], test: [2, 2, 2] });
  assert.equal([a.splits.train.count, a.splits.val.count, a.splits.test.count], [21, 3, 6]);
  assert.is(a.splits.train.images.length, 21 * 16 * 16);
  assert.is(a.release, 'image-folder: 70/10/20 stratified split, seed 0');
  assert.equal(parseImageFolderRelease(a.release), { kind: 'stratified', seed: 0, percent: [70, 10, 20] });
  assert.equal(summary.ignored.map((p) => p.slice(root.length + 1)).sort(), ['README.txt', 'benign/.DS_Store']);
  // Sample i of a split is summary.files[split][i], labelled by its folder.
  summary.files.test.forEach((f, i) => assert.is(a.classNames[a.splits.test.labels[i]], f.split('/').at(-2)));
  // Same seed: the same dataset; another seed: another split (same class counts), another id.
  const again = await loadDataset(root, { sizePx: 16 });
  assert.equal(datasetId(again), datasetId(a));
  const { dataset: b, summary: sb } = await loadImageFolder(root, { sizePx: 16, splitSeed: 7 });
  assert.equal(sb.counts, summary.counts);
  assert.not.equal(sb.files.test, summary.files.test);
  assert.is.not(datasetId(b).crc32, datasetId(a).crc32);
  assert.is(b.release, 'image-folder: 70/10/20 stratified split, seed 7');
  // The default size is 28.
  assert.is((await loadDataset(root)).sizePx, 28);
});

test('an image folder with train/val/test folders keeps them; the dataset id changes when one pixel does', async () => {
  const root = join(dir, 'given');
  const put = (split: string, cls: string, i: number, pixels = grayPixels(8, 8, i)) => write(join(root, split, cls, `${i}.png`), png(8, 8, pixels, 1));
  for (const [split, n] of [['train', 4], ['val', 1], ['test', 2]] as const) for (const cls of ['no', 'yes']) for (let i = 0; i < n; i++) put(split, cls, i + (cls === 'yes' ? 50 : 0));
  const { dataset, summary } = await loadImageFolder(root, { sizePx: 8 });
  assert.equal(summary.split, { kind: 'folders' });
  assert.is(dataset.release, imageFolderRelease({ kind: 'folders' }));
  assert.equal(summary.counts, { train: [4, 4], val: [1, 1], test: [2, 2] });
  assert.is(dataset.task, 'binary-class');
  // 8 px at size 8: the pixels as they are.
  const first = summary.files.train[0];
  const i = Number(first.split('/').at(-1)!.replace('.png', ''));
  assert.equal([...dataset.splits.train.images.subarray(0, 64)], [...grayPixels(8, 8, i)]);
  const id = datasetId(dataset);
  const changed = grayPixels(8, 8, 1);
  changed[20] ^= 1;
  put('test', 'no', 1, changed);
  assert.is.not(datasetId(await loadDataset(root, { sizePx: 8 })).crc32, id.crc32);
});

test('mixed grayscale and RGB images make an RGB dataset (gray repeated); JPEG and PNG together', async () => {
  const root = join(dir, 'mixed');
  for (let i = 0; i < 3; i++) {
    write(join(root, 'a', `${i}.png`), png(8, 8, grayPixels(8, 8, i), 1));
    write(join(root, 'b', `${i}.jpg`), jpg(8, 8, rgbPixels(8, 8, i)));
  }
  const { dataset, summary } = await loadImageFolder(root, { sizePx: 8 });
  assert.equal([dataset.channels, summary.grayImages, summary.rgbImages], [3, 3, 3]);
  const split = summary.files.train.findIndex((f) => f.endsWith('.png'));
  const pixels = dataset.splits.train.images.subarray(split * 192, (split + 1) * 192);
  for (let p = 0; p < 64; p++) assert.ok(pixels[3 * p] === pixels[3 * p + 1] && pixels[3 * p] === pixels[3 * p + 2]);
});

test('bad input: each a clear error naming the file or folder; --skip-bad skips bad files and lists them', async () => {
  // A corrupt PNG (one byte of its pixel data changed: the CRC catches it).
  const corrupt = classFolder('corrupt', ['x', 'y'], 3);
  const bytes = png(12, 10, grayPixels(12, 10, 1), 1);
  bytes[bytes.length - 20] ^= 0xff;
  write(join(corrupt, 'y', 'bad.png'), bytes);
  await throwsAsync(() => loadDataset(corrupt), (e) => {
    assert.instance(e, ImageFileError);
    assert.match(e.message, `${join(corrupt, 'y', 'bad.png')}: is not a readable PNG`);
    assert.match(e.message, '--skip-bad');
  });
  // A non-image file, refused, then skipped and listed.
  write(join(corrupt, 'x', 'notes.txt'), 'hello');
  const { summary } = await loadImageFolder(corrupt, { skipBad: true });
  assert.equal(summary.skipped.map((s) => s.path), [join(corrupt, 'x', 'notes.txt'), join(corrupt, 'y', 'bad.png')]);
  assert.match(summary.skipped[0].reason, 'not a PNG or JPEG');
  // An empty class folder.
  const empty = classFolder('empty', ['x', 'y'], 3);
  mkdirSync(join(empty, 'z'));
  await throwsAsync(() => loadDataset(empty), (e) => {
    assert.instance(e, ImageFolderError);
    assert.match(e.message, `${join(empty, 'z')}: is an empty class folder`);
  });
  // One class only.
  const one = classFolder('one', ['only'], 3);
  await throwsAsync(() => loadDataset(one), (e) => {
    assert.instance(e, ImageFolderError);
    assert.match(e.message, `${one}: has one class only ('only')`);
  });
  // A symlink loop.
  const loop = classFolder('loop', ['x', 'y'], 3);
  symlinkSync('..', join(loop, 'x', 'back'));
  await throwsAsync(() => loadDataset(loop), (e) => {
    assert.instance(e, ImageFolderError);
    assert.match(e.message, `${join(loop, 'x', 'back')}: is a symbolic link back to`);
    assert.match(e.message, 'symlink loop');
  });
  const self = classFolder('selfloop', ['x', 'y'], 3);
  symlinkSync('me', join(self, 'y', 'me'));
  await throwsAsync(() => loadDataset(self), (e) => assert.match(e.message, `${join(self, 'y', 'me')}: is a symbolic link loop`));
  // No images at all.
  const none = join(dir, 'none');
  mkdirSync(none);
  await throwsAsync(() => loadDataset(none), (e) => {
    assert.instance(e, ImageFolderError);
    assert.match(e.message, `${none}: holds no images at all`);
  });
  // Every file of a class skipped: as empty as an empty folder.
  const allBad = classFolder('allbad', ['x'], 3);
  write(join(allBad, 'y', 'a.txt'), 'no');
  await throwsAsync(() => loadDataset(allBad, { skipBad: true }), (e) => assert.match(e.message, `${join(allBad, 'y')}: holds no readable image (1 file skipped as bad)`));
  // Too few images to split; split folders half given.
  const small = classFolder('small', ['x', 'y'], 3);
  rmSync(join(small, 'y', '002.png'));
  await throwsAsync(() => loadDataset(small), (e) => assert.match(e.message, `${join(small, 'y')}: has 2 images: a stratified 70/10/20 split needs at least 3 per class`));
  const half = join(dir, 'half');
  write(join(half, 'train', 'a', '0.png'), png(4, 4, grayPixels(4, 4, 0), 1));
  write(join(half, 'test', 'a', '0.png'), png(4, 4, grayPixels(4, 4, 0), 1));
  await throwsAsync(() => loadDataset(half), (e) => assert.match(e.message, `${half}: has test/, train/ but no val/`));
  // A truncated JPEG.
  const cut = classFolder('cutjpeg', ['x', 'y'], 3);
  write(join(cut, 'x', 'c.jpg'), jpg(16, 16, rgbPixels(16, 16, 0)).subarray(0, 300));
  await throwsAsync(() => loadDataset(cut), (e) => assert.match(e.message, `${join(cut, 'x', 'c.jpg')}: is not a readable JPEG`));
});

test('--dataset values: names first, paths of .npz files and folders, unknown names and missing paths explained', async () => {
  assert.equal(datasetSource('BreastMNIST'), { name: 'breastmnist', kind: 'medmnist', path: null });
  assert.equal(datasetSource('synthetic'), { name: 'synthetic', kind: 'synthetic', path: null });
  const blood = classFolder('Blood', ['a', 'b'], 3);
  assert.equal(datasetSource(blood), { name: 'blood-custom', kind: 'image-folder', path: blood });
  assert.throws(() => datasetSource('nosuchset'), (e: Error) => e instanceof UnknownDatasetError && /or give the path of an \.npz/.test(e.message));
  assert.throws(() => datasetSource(join(dir, 'missing')), (e: Error) => e instanceof FileAccessError && e.message.includes(`dataset ${join(dir, 'missing')} does not exist`));
  write(join(dir, 'x.csv'), 'a,b');
  assert.throws(() => datasetSource(join(dir, 'x.csv')), (e: Error) => e instanceof ImageFolderError && /is a file but not an \.npz/.test(e.message));
  // A MedMNIST file by its official name is that subset (read and checked as it); any other .npz is your own.
  write(join(dir, 'PneumoniaMNIST_64.npz'), '');
  assert.equal(datasetSource(join(dir, 'PneumoniaMNIST_64.npz')), { name: 'pneumoniamnist', kind: 'medmnist-file', path: join(dir, 'PneumoniaMNIST_64.npz') });
  write(join(dir, 'chest_scans.npz'), '');
  assert.equal(datasetSource(join(dir, 'chest_scans.npz')).kind, 'custom-npz');
  // Your own data trains with its own settings (no AugMix), not a subset's.
  assert.equal(presetConfig('lesions', 'paper').augmix, null);
  assert.is(presetConfig('lesions', 'paper').batchSize, CUSTOM_SETTINGS.batchSize);
});

test('an .npz of your own in MedMNIST layout: task from the labels, its name from the file, its content hash as id', async () => {
  const arrays = (classes: number, pixel = 0): Record<string, NpyArray> => {
    const out: Record<string, NpyArray> = {};
    for (const [split, n] of [['train', 6], ['val', 3], ['test', 3]] as const) {
      const images = Uint8Array.from({ length: n * 5 * 5 * 3 }, (_, i) => (i * 7) % 251);
      if (split === 'test') images[0] = pixel;
      out[`${split}_images`] = { dtype: 'u1', shape: [n, 5, 5, 3], data: images };
      out[`${split}_labels`] = { dtype: 'u1', shape: [n, 1], data: Uint8Array.from({ length: n }, (_, i) => i % classes) };
    }
    return out;
  };
  const path = join(dir, 'MyScans.npz');
  writeFileSync(path, writeNpz(arrays(3)));
  const d: ImageDataset = await loadDataset(path);
  assert.equal([d.name, d.task, d.channels, d.sizePx, d.classNames, d.release], ['myscans', 'multi-class', 3, 5, ['0', '1', '2'], CUSTOM_NPZ_RELEASE]);
  writeFileSync(path, writeNpz(arrays(2)));
  const binary = await loadDataset(path);
  assert.is(binary.task, 'binary-class');
  writeFileSync(path, writeNpz(arrays(2, 1)));
  assert.is.not(datasetId(await loadDataset(path)).crc32, datasetId(binary).crc32);
  writeFileSync(path, writeNpz(arrays(1)));
  await throwsAsync(() => loadDataset(path), (e) => {
    assert.instance(e, MedMnistFileError);
    assert.match(e.message, `${path}: every label is 0: one class only`);
  });
});

test.run();
