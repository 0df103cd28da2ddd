// AugMix and its operations: each op on a tiny image with a result computed by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUG_OPS, augmix, imageOps, posterizeBitsAt, randomFlipCrop, type AugMixOptions, type U8Image } from '../../src/data/index.ts';
import { Rng } from '../../src/util/rng.ts';

const { autocontrast, equalize, makeImage, posterize, rotate, shearX, shearY, solarize, translateX, translateY } = imageOps;
const img = (h: number, w: number, c: number, values: number[]): U8Image => makeImage(h, w, c, Uint8Array.from(values));
const px = (im: U8Image): number[] => Array.from(im.data);

test('autocontrast stretches each channel to 0..255 (PIL: truncating)', () => {
  // 50 -> 0, 100 -> (100 - 50) * 255 / 100 = 127.5 -> 127, 150 -> 255
  assert.equal(px(autocontrast(img(1, 3, 1, [50, 100, 150]))), [0, 127, 255]);
  // Per channel: channel 0 spans 0..51 (x5), channel 1 is flat (unchanged).
  assert.equal(px(autocontrast(img(1, 2, 2, [0, 9, 51, 9]))), [0, 9, 255, 9]);
});

test('equalize spreads a two-level histogram; a flat image stays unchanged', () => {
  // 256 pixels of 10 and 256 of 20: step = (512 - 256) // 255 = 1 and n starts at step // 2 = 0;
  // lut[i] = n // step before adding h[i]: lut[10] = 0, lut[20] = 256, clipped to 255.
  const values = [...new Array(256).fill(10), ...new Array(256).fill(20)];
  const out = px(equalize(img(16, 32, 1, values)));
  assert.equal([out[0], out[511]], [0, 255]);
  assert.equal(px(equalize(img(1, 4, 1, [7, 7, 7, 7]))), [7, 7, 7, 7]);
  // Too few pixels for a step of 1: identity (PIL's rule).
  assert.equal(px(equalize(img(1, 3, 1, [0, 100, 200]))), [0, 100, 200]);
});

test('posterize keeps the top bits; 8 bits is the identity', () => {
  assert.equal(px(posterize(img(1, 3, 1, [200, 15, 255]), 4)), [192, 0, 240]);
  assert.equal(px(posterize(img(1, 3, 1, [200, 15, 255]), 1)), [128, 0, 128]);
  assert.equal(px(posterize(img(1, 3, 1, [200, 15, 255]), 8)), [200, 15, 255]);
});

test('solarize inverts values at or above the threshold; 256 is the identity', () => {
  assert.equal(px(solarize(img(1, 4, 1, [200, 100, 128, 127]), 128)), [55, 100, 127, 127]);
  assert.equal(px(solarize(img(1, 2, 1, [255, 0]), 256)), [255, 0]);
});

test('translate moves content by whole pixels with zero fill', () => {
  assert.equal(px(translateX(img(1, 3, 1, [1, 2, 3]), 1)), [2, 3, 0]); // reads x + 1: moves left
  assert.equal(px(translateX(img(1, 3, 1, [1, 2, 3]), -1)), [0, 1, 2]);
  assert.equal(px(translateY(img(3, 1, 1, [1, 2, 3]), -1)), [0, 1, 2]); // moves down
  assert.equal(px(translateX(img(1, 2, 3, [1, 2, 3, 4, 5, 6]), 1)), [4, 5, 6, 0, 0, 0]); // RGB
});

test('rotate: 90 degrees counter-clockwise and 180 degrees are exact', () => {
  assert.equal(px(rotate(img(2, 2, 1, [1, 2, 3, 4]), 90)), [2, 4, 1, 3]);
  assert.equal(px(rotate(img(3, 3, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9]), 180)), [9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(px(rotate(img(2, 2, 1, [1, 2, 3, 4]), 0)), [1, 2, 3, 4]);
});

test('shear x/y: bilinear, about the top-left corner, zero fill', () => {
  // Output (x, y) reads input x + s * (y + 0.5) in pixel units; with s = 1: row 0 reads x + 0.5
  // (average of neighbours), row 1 reads x + 1.5.
  // Row 0 [10 20 30] -> [15, 25, (30 + 0) / 2 = 15]; row 1 [40 50 60] -> [55, (60 + 0) / 2 = 30, 0].
  assert.equal(px(shearX(img(2, 3, 1, [10, 20, 30, 40, 50, 60]), 1)), [15, 25, 15, 55, 30, 0]);
  // The transpose for shear y: columns [10 20 30] and [40 50 60].
  assert.equal(px(shearY(img(3, 2, 1, [10, 40, 20, 50, 30, 60]), 1)), [15, 55, 25, 30, 15, 0]);
  assert.equal(px(shearX(img(2, 3, 1, [10, 20, 30, 40, 50, 60]), 0)), [10, 20, 30, 40, 50, 60]);
});

function randomImage(h: number, w: number, c: number, seed: number): U8Image {
  const rng = new Rng(seed);
  return makeImage(h, w, c, Uint8Array.from({ length: h * w * c }, () => rng.integer(0, 255)));
}
const opts: AugMixOptions = { severity: 3, width: 3, depth: -1, alpha: 1, posterizeBits: 4 };

// The reference (google-research/augmix augmentations.py, which MedNAS's code uses):
//   def posterize(pil_img, level):
//     level = int_parameter(sample_level(level), 4)      # int(level * 4 / 10)
//     return ImageOps.posterize(pil_img, 4 - level)
const referenceBits = (level: number): number => 4 - Math.trunc((level * 4) / 10);

test('posterize keeps 4 - int(level * 4 / 10) bits, as the reference; the legacy setting 8 - that', () => {
  // Level bands: [0.1, 2.5) keeps 4 bits, [2.5, 5) 3, [5, 7.5) 2, [7.5, 10) 1, 10 keeps 0 (black).
  const bands: [number, number][] = [[0.1, 4], [2.49, 4], [2.5, 3], [4.99, 3], [5, 2], [7.5, 1], [9.99, 1], [10, 0]];
  for (const [level, bits] of bands) {
    assert.is(posterizeBitsAt(level, 4), bits, `level ${level}`);
    assert.is(posterizeBitsAt(level, 4), referenceBits(level), `level ${level}`);
    assert.is(posterizeBitsAt(level, 8), bits + 4, `legacy, level ${level}`);
  }
  for (let level = 0.1; level <= 10; level += 0.037) assert.is(posterizeBitsAt(level, 4), referenceBits(level), `level ${level}`);
  // The op itself: the image posterized to those bits (0 bits: every value 0, as PIL's mask ~255).
  const im = randomImage(5, 5, 3, 11);
  const rng = new Rng(1);
  for (const level of [0.5, 3, 6, 8, 10]) {
    assert.equal(px(AUG_OPS.posterize(im, level, rng, opts)), px(posterize(im, referenceBits(level))), `level ${level}`);
  }
  assert.ok(px(AUG_OPS.posterize(im, 10, rng, opts)).every((v) => v === 0));
  assert.equal(px(AUG_OPS.posterize(im, 1, rng, { ...opts, posterizeBits: 8 })), px(im)); // legacy: 8 bits, unchanged
});

test('at severity 3 the legacy posterize leaves ~83% of images unchanged; the reference never keeps all 8 bits', () => {
  // level ~ U(0.1, 3): 8 - k bits is 8 (the identity) whenever level < 2.5, probability 2.4 / 2.9.
  const rng = new Rng(3);
  const draws = 20_000;
  let unchanged = 0;
  for (let i = 0; i < draws; i++) {
    const level = rng.range(0.1, 3);
    if (posterizeBitsAt(level, 8) === 8) unchanged++;
    assert.ok(posterizeBitsAt(level, 4) <= 4);
  }
  assert.ok(Math.abs(unchanged / draws - 2.4 / 2.9) < 0.01, `${unchanged / draws}`);
});

test('augmix refuses a posterizeBits other than 4 or 8', () => {
  assert.throws(() => augmix(randomImage(4, 4, 1, 1), { ...opts, posterizeBits: 6 as 4 }, new Rng(1)), /posterizeBits must be 4 or 8/);
});

test('augmix: CHW output in [0, 1], for gray and RGB, 28 px and other sizes', () => {
  for (const [h, c] of [[28, 1], [28, 3], [64, 3], [9, 1]] as const) {
    const out = augmix(randomImage(h, h, c, h + c), opts, new Rng(1));
    assert.is(out.length, c * h * h);
    for (const v of out) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1);
  }
});

test('augmix: deterministic for a seed, different across seeds', () => {
  const im = randomImage(28, 28, 3, 5);
  const a = augmix(im, opts, new Rng(42));
  const b = augmix(im, opts, new Rng(42));
  const c = augmix(im, opts, new Rng(43));
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(c));
});

test('augmix: severity 0 leaves the image (nearly) unchanged; severity 10 changes it a lot', () => {
  const im = randomImage(28, 28, 1, 9);
  const diff = (severity: number) => {
    let total = 0;
    for (let seed = 0; seed < 10; seed++) {
      const out = augmix(im, { ...opts, severity }, new Rng(seed));
      for (let i = 0; i < out.length; i++) total += Math.abs(out[i] - im.data[i] / 255);
    }
    return total / (10 * im.data.length);
  };
  assert.ok(diff(0) < 1e-6, `severity 0 mean |diff| ${diff(0)}`);
  assert.ok(diff(10) > 0.05, `severity 10 mean |diff| ${diff(10)}`);
});

test('augmix: writes into a given buffer at an offset; rejects bad options', () => {
  const buf = new Float32Array(10 + 4 * 4).fill(-1);
  augmix(randomImage(4, 4, 1, 1), opts, new Rng(3), buf, 10);
  assert.ok(buf.subarray(0, 10).every((v) => v === -1));
  assert.ok(buf.subarray(10).every((v) => v >= 0 && v <= 1));
  assert.throws(() => augmix(randomImage(4, 4, 1, 1), { ...opts, depth: 0 }, new Rng(1)), /depth/);
  assert.throws(() => augmix(randomImage(4, 4, 1, 1), { ...opts, alpha: 0 }, new Rng(1)), /alpha/);
});

test('flip/crop: outputs are the original, its mirror, or a zero-filled shift', () => {
  const im = img(1, 3, 1, [1, 2, 3]);
  const seen = new Set<string>();
  for (let seed = 0; seed < 40; seed++) seen.add(px(randomFlipCrop(im, { flip: 'horizontal', cropPaddingPx: 0 }, new Rng(seed))).join(','));
  assert.equal([...seen].sort(), ['1,2,3', '3,2,1']);
  seen.clear();
  for (let seed = 0; seed < 60; seed++) seen.add(px(randomFlipCrop(img(1, 3, 1, [1, 2, 3]), { flip: 'none', cropPaddingPx: 1 }, new Rng(seed))).join(','));
  // A 1x3 image padded by 1 and cropped: shifts of -1/0/+1 in x; a y shift empties the row.
  assert.ok(seen.has('1,2,3') && seen.has('2,3,0') && seen.has('0,1,2') && seen.has('0,0,0'), [...seen].join(' | '));
  for (const s of seen) assert.ok(['1,2,3', '2,3,0', '0,1,2', '0,0,0'].includes(s), s);
});

test.run();
