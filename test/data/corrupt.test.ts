// Damaged or wrong input must give a typed error that names the file and the fault.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataLoader, MedMnistFileError, NpzFormatError, parseMedMnist, writeNpy, writeNpz } from '../../src/data/index.ts';
import { zipSync } from 'fflate';
import { catchError, fakeArrays, fakeNpz } from './helpers.ts';

const parse = (bytes: Uint8Array, name = 'breastmnist') => () => parseMedMnist(bytes, name, 'breastmnist.npz');

function expectFault(fn: () => unknown, type: typeof NpzFormatError | typeof MedMnistFileError, pattern: RegExp): void {
  const e = catchError(fn);
  assert.instance(e, type, `${e.name}: ${e.message}`);
  assert.ok(e.message.includes('breastmnist.npz'), `message names the file: ${e.message}`);
  assert.match(e.message, pattern);
}

test('a well-formed fake file parses (baseline for the corruptions below)', () => {
  const ds = parseMedMnist(fakeNpz(), 'breastmnist', 'breastmnist.npz');
  assert.is(ds.splits.train.count, 6);
  assert.is(ds.release, null); // split sizes of no official release
});

test('truncated zip (end cut off) -> NpzFormatError "truncated"', () => {
  const good = fakeNpz();
  expectFault(parse(good.subarray(0, Math.floor(good.length / 2))), NpzFormatError, /truncated/);
  expectFault(parse(good.subarray(0, good.length - 30)), NpzFormatError, /truncated/);
});

test('truncated member data (directory intact, data cut) -> names the member', () => {
  // Keep the end records but drop bytes from the middle, so that offsets point past the data.
  const good = fakeNpz();
  const a = Math.floor(good.length / 4);
  const b = Math.floor(good.length / 2);
  const cut = new Uint8Array(good.length - (b - a));
  cut.set(good.subarray(0, a));
  cut.set(good.subarray(b), a);
  const e = catchError(parse(cut));
  assert.instance(e, NpzFormatError);
  assert.match(e.message, /breastmnist\.npz/);
});

test('wrong CRC -> NpzFormatError "CRC-32 mismatch" naming the member', () => {
  const bad = fakeNpz().slice();
  // Flip one bit of the CRC in the first central-directory record (offset 16 in the record).
  let cd = -1;
  for (let i = 0; i < bad.length - 4; i++) if (bad[i] === 0x50 && bad[i + 1] === 0x4b && bad[i + 2] === 1 && bad[i + 3] === 2) { cd = i; break; }
  assert.ok(cd > 0);
  bad[cd + 16] ^= 0x01;
  expectFault(parse(bad), NpzFormatError, /CRC-32 mismatch/);
  expectFault(parse(bad), NpzFormatError, /train_images\.npy/);
});

test('corrupt deflate stream -> NpzFormatError, not a crash inside the inflater', () => {
  const bad = fakeNpz().slice();
  for (let i = 60; i < 200; i++) bad[i] = 0xff; // inside the first member's compressed data
  const e = catchError(parse(bad));
  assert.instance(e, NpzFormatError, e.message);
  assert.match(e.message, /breastmnist\.npz\/train_images\.npy/);
});

test('not a zip at all -> NpzFormatError "not a zip"', () => {
  expectFault(parse(new TextEncoder().encode('<html>404 Not Found</html>')), NpzFormatError, /not a zip/);
  expectFault(parse(new Uint8Array(0)), NpzFormatError, /not a zip/);
});

test('a bare .npy instead of an .npz -> says so', () => {
  const npy = writeNpy({ dtype: 'u1', shape: [2], data: new Uint8Array(2) });
  expectFault(parse(npy), NpzFormatError, /single \.npy/);
});

test('unsupported dtype (big-endian, string, structured) -> NpzFormatError naming the dtype', () => {
  const arrays = fakeArrays();
  const npy = writeNpy(arrays.train_images);
  for (const [from, to] of [["'|u1'", "'>f4'"], ["'|u1'", "'<U8'"], ["'|u1'", "'>i2'"]]) {
    const text = new TextDecoder('latin1').decode(npy.subarray(0, 128)).replace(from, to);
    const bytes = npy.slice();
    for (let i = 0; i < 128; i++) bytes[i] = text.charCodeAt(i);
    expectFault(() => parseFromMember(bytes), NpzFormatError, new RegExp(`unsupported dtype '${to.slice(1, -1)}'`));
  }
});

/** Puts a raw .npy in as train_images of an otherwise good file and parses the whole thing. */
function parseFromMember(npy: Uint8Array): unknown {
  const arrays = fakeArrays();
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[k] = writeNpy(v);
  files.train_images = npy;
  return parseMedMnist(zipRaw(files), 'breastmnist', 'breastmnist.npz');
}

function zipRaw(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [`${k}.npy`, v])));
}

test('Fortran-order array -> NpzFormatError "Fortran order"', () => {
  const npy = writeNpy(fakeArrays().train_images).slice();
  const text = new TextDecoder('latin1').decode(npy.subarray(0, 128)).replace("'fortran_order': False", "'fortran_order': True ");
  for (let i = 0; i < 128; i++) npy[i] = text.charCodeAt(i);
  expectFault(() => parseFromMember(npy), NpzFormatError, /Fortran order/);
});

test('npy data length disagrees with its shape -> NpzFormatError', () => {
  const npy = writeNpy(fakeArrays().train_images);
  expectFault(() => parseFromMember(npy.subarray(0, npy.length - 5)), NpzFormatError, /bytes but shape/);
});

test('missing split -> MedMnistFileError naming the missing array', () => {
  const arrays = fakeArrays();
  delete arrays.val_labels;
  expectFault(parse(writeNpz(arrays)), MedMnistFileError, /'val' split is missing: no 'val_labels'/);
});

test('image/label count mismatch -> MedMnistFileError with both counts', () => {
  const arrays = fakeArrays();
  arrays.test_labels = { dtype: 'u1', shape: [2, 1], data: new Uint8Array([0, 1]) };
  expectFault(parse(writeNpz(arrays)), MedMnistFileError, /count mismatch in 'test': 3 images but 2 labels/);
});

test('wrong channel count, label out of range, float images -> MedMnistFileError', () => {
  expectFault(parse(fakeNpz({ channels: 3 })), MedMnistFileError, /3 channel\(s\), breastmnist has 1/);
  expectFault(parse(fakeNpz({ classes: 3 })), MedMnistFileError, /outside 0\.\.1/);
  const arrays = fakeArrays();
  arrays.val_images = { dtype: 'f4', shape: [2, 28, 28], data: new Float32Array(2 * 784) };
  expectFault(parse(writeNpz(arrays)), MedMnistFileError, /val_images has dtype f4, expected uint8/);
  expectFault(() => parseMedMnist(fakeNpz({ sizePx: 8 }), 'breastmnist', 'breastmnist.npz', 28), MedMnistFileError, /8x8, expected 28x28/);
});

test('an empty split, an int64 label of 2^32 + 1, constant training images -> MedMnistFileError naming file and split', () => {
  expectFault(parse(fakeNpz({ counts: { train: 0, val: 2, test: 3 } })), MedMnistFileError, /the 'train' split is empty \(0 images\)/);
  expectFault(parse(fakeNpz({ counts: { train: 6, val: 0, test: 3 } })), MedMnistFileError, /the 'val' split is empty/);
  const arrays = fakeArrays();
  arrays.train_labels = { dtype: 'i8', shape: [6, 1], data: BigInt64Array.from([0n, 1n, 2n ** 32n + 1n, 0n, 1n, 0n]) };
  expectFault(parse(writeNpz(arrays)), MedMnistFileError, /train_labels\[2\] is 4294967297, outside 0\.\.1 for breastmnist/);
  arrays.train_labels = { dtype: 'u4', shape: [6, 1], data: Uint32Array.from([0, 1, 2 ** 32 - 1, 0, 1, 0]) };
  expectFault(parse(writeNpz(arrays)), MedMnistFileError, /train_labels\[2\] is 4294967295/);
  const flat = fakeArrays();
  (flat.train_images.data as Uint8Array).fill(77);
  const ds = parseMedMnist(writeNpz(flat), 'breastmnist', 'breastmnist.npz');
  expectFault(() => new DataLoader(ds, { split: 'train', batchSize: 2 }), MedMnistFileError, /'train' split gives no usable normalisation \(mean 0\.30\d*, std 0 in channel 0/);
  // Explicit statistics still work on such a file, and bad explicit ones are refused.
  assert.ok(new DataLoader(ds, { split: 'train', batchSize: 2, normalize: 'none' }).batch(0, 0).images.every(Number.isFinite));
  assert.throws(() => new DataLoader(ds, { split: 'train', batchSize: 2, normalize: { mean: [0.5], std: [0] } }), /finite means and stds > 0/);
});

test('fuzz: random truncations and byte flips only ever give typed data errors', () => {
  const good = fakeNpz({ counts: { train: 3, val: 1, test: 1 }, sizePx: 8 });
  let seed = 12345;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let trial = 0; trial < 400; trial++) {
    let bytes = good.slice();
    if (trial % 2 === 0) bytes = bytes.subarray(0, rand(bytes.length));
    else for (let k = 0; k <= rand(4); k++) bytes[rand(bytes.length)] ^= 1 << rand(8);
    try {
      parseMedMnist(bytes, 'breastmnist', 'breastmnist.npz');
    } catch (e) {
      assert.ok(e instanceof NpzFormatError || e instanceof MedMnistFileError, `trial ${trial}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
});

test.run();
