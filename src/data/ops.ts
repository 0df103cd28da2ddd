// Image operations for AugMix, on 8-bit images of any size (HWC, 1 or 3 channels). They follow
// PIL's ImageOps / Image.transform, which the AugMix reference implementation calls, so that
// results match what the paper trained with: per-channel LUT ops, bilinear geometry, zero fill.

/** An 8-bit image, row-major H x W x C (the .npz layout). */
export interface U8Image {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export function makeImage(height: number, width: number, channels: number, data?: Uint8Array): U8Image {
  return { data: data ?? new Uint8Array(height * width * channels), height, width, channels };
}

/** Applies a 256-entry lookup table per channel (luts[c]). */
function applyLuts(img: U8Image, luts: Uint8Array[]): U8Image {
  const out = new Uint8Array(img.data.length);
  const c = img.channels;
  for (let i = 0; i < out.length; i++) out[i] = luts[i % c][img.data[i]];
  return makeImage(img.height, img.width, c, out);
}

function histograms(img: U8Image): Uint32Array[] {
  const h = Array.from({ length: img.channels }, () => new Uint32Array(256));
  for (let i = 0; i < img.data.length; i++) h[i % img.channels][img.data[i]]++;
  return h;
}

/** Stretches each channel so that its darkest pixel becomes 0 and brightest 255 (PIL, cutoff 0). */
export function autocontrast(img: U8Image): U8Image {
  const luts = histograms(img).map((h) => {
    let lo = 0;
    while (lo < 255 && h[lo] === 0) lo++;
    let hi = 255;
    while (hi > 0 && h[hi] === 0) hi--;
    const lut = new Uint8Array(256);
    if (hi <= lo) {
      for (let i = 0; i < 256; i++) lut[i] = i;
      return lut;
    }
    const scale = 255 / (hi - lo);
    const offset = -lo * scale;
    // PIL truncates (int()) after scaling; values below lo/above hi clip.
    for (let i = 0; i < 256; i++) lut[i] = Math.min(255, Math.max(0, Math.trunc(i * scale + offset)));
    return lut;
  });
  return applyLuts(img, luts);
}

/** Histogram equalisation per channel, PIL's algorithm (step from all but the last used bin). */
export function equalize(img: U8Image): U8Image {
  const luts = histograms(img).map((h) => {
    const lut = new Uint8Array(256);
    const used = Array.from(h).filter((n) => n > 0);
    const step = used.length <= 1 ? 0 : Math.floor((used.reduce((a, b) => a + b, 0) - used[used.length - 1]) / 255);
    if (step === 0) {
      for (let i = 0; i < 256; i++) lut[i] = i;
      return lut;
    }
    let n = Math.floor(step / 2);
    for (let i = 0; i < 256; i++) {
      lut[i] = Math.min(255, Math.floor(n / step));
      n += h[i];
    }
    return lut;
  });
  return applyLuts(img, luts);
}

/** Keeps the top `bits` bits of every value (bits 8 = unchanged). */
export function posterize(img: U8Image, bits: number): U8Image {
  const mask = (0xff << (8 - Math.max(0, Math.min(8, bits)))) & 0xff;
  const lut = new Uint8Array(256).map((_, i) => i & mask);
  return applyLuts(img, new Array(img.channels).fill(lut));
}

/** Inverts every value at or above `threshold` (256 = unchanged). */
export function solarize(img: U8Image, threshold: number): U8Image {
  const lut = new Uint8Array(256).map((_, i) => (i >= threshold ? 255 - i : i));
  return applyLuts(img, new Array(img.channels).fill(lut));
}

/**
 * Inverse-mapped affine warp, PIL's Image.transform(AFFINE, (a, b, c, d, e, f), BILINEAR): the
 * output pixel whose centre is (x, y) reads the input at (a x + b y + c, d x + e y + f), both in
 * pixel-edge coordinates (pixel i spans [i, i+1)). Outside the input reads as 0.
 */
export function affine(img: U8Image, m: readonly [number, number, number, number, number, number]): U8Image {
  const { height: H, width: W, channels: C, data } = img;
  const out = new Uint8Array(data.length);
  const [a, b, c, d, e, f] = m;
  const px = (yy: number, xx: number, ch: number): number =>
    xx < 0 || yy < 0 || xx >= W || yy >= H ? 0 : data[(yy * W + xx) * C + ch];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Source position in pixel-centre coordinates (pixel i has its centre at i).
      const sx = a * (x + 0.5) + b * (y + 0.5) + c - 0.5;
      const sy = d * (x + 0.5) + e * (y + 0.5) + f - 0.5;
      // Snap values within float noise of an integer so that exact shifts/rotations stay exact.
      const rx = Math.abs(sx - Math.round(sx)) < 1e-6 ? Math.round(sx) : sx;
      const ry = Math.abs(sy - Math.round(sy)) < 1e-6 ? Math.round(sy) : sy;
      const x0 = Math.floor(rx);
      const y0 = Math.floor(ry);
      const fx = rx - x0;
      const fy = ry - y0;
      for (let ch = 0; ch < C; ch++) {
        const v =
          (1 - fy) * ((1 - fx) * px(y0, x0, ch) + fx * px(y0, x0 + 1, ch)) +
          fy * ((1 - fx) * px(y0 + 1, x0, ch) + fx * px(y0 + 1, x0 + 1, ch));
        out[(y * W + x) * C + ch] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return makeImage(H, W, C, out);
}

/** Rotates counter-clockwise by `degrees` about the image centre, same size, zero fill. */
export function rotate(img: U8Image, degrees: number): U8Image {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = img.width / 2;
  const cy = img.height / 2;
  // Output offset (u, v) from the centre reads the input at (u cos - v sin, u sin + v cos) (y down).
  return affine(img, [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy]);
}

/** Horizontal shear as in AugMix: output (x, y) reads input (x + s y, y). */
export function shearX(img: U8Image, s: number): U8Image {
  return affine(img, [1, s, 0, 0, 1, 0]);
}

/** Vertical shear: output (x, y) reads input (x, y + s x). */
export function shearY(img: U8Image, s: number): U8Image {
  return affine(img, [1, 0, 0, s, 1, 0]);
}

/** Output (x, y) reads input (x + px, y): content moves left by `px`. */
export function translateX(img: U8Image, px: number): U8Image {
  return affine(img, [1, 0, px, 0, 1, 0]);
}

/** Output (x, y) reads input (x, y + px): content moves up by `px`. */
export function translateY(img: U8Image, px: number): U8Image {
  return affine(img, [1, 0, 0, 0, 1, px]);
}
