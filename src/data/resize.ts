// Resizing 8-bit images (H x W x C, channels interleaved), one axis at a time. Shrinking an axis
// averages the source pixels each output pixel covers, weighted by how much of each it covers
// (area averaging, as OpenCV's INTER_AREA and PIL's BOX filter): no aliasing, and an exact block
// mean when the factor is a whole number. Growing an axis interpolates linearly between the two
// nearest source pixels, pixel centres aligned (PyTorch's bilinear with align_corners=False, edges
// clamped). The same size is an exact copy. Results are rounded to the nearest integer. Images
// are stretched to the new size (no crop, no padding): MedMNIST's images are square already.

interface Tap {
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/** For each of `outSize` output positions, the source positions and weights along one axis. */
function axisTaps(inSize: number, outSize: number): Tap[] {
  const scale = inSize / outSize;
  const taps: Tap[] = [];
  for (let o = 0; o < outSize; o++) {
    if (scale >= 1) {
      const from = o * scale;
      const to = (o + 1) * scale;
      const first = Math.floor(from);
      const last = Math.min(Math.ceil(to), inSize) - 1;
      const index = new Int32Array(last - first + 1);
      const weight = new Float64Array(last - first + 1);
      for (let j = first; j <= last; j++) {
        index[j - first] = j;
        weight[j - first] = (Math.min(j + 1, to) - Math.max(j, from)) / scale;
      }
      taps.push({ index, weight });
    } else {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
      const j0 = Math.floor(x);
      const j1 = Math.min(j0 + 1, inSize - 1);
      const f = x - j0;
      taps.push({ index: Int32Array.of(j0, j1), weight: Float64Array.of(1 - f, f) });
    }
  }
  return taps;
}

/**
 * `data` (height x width x channels, uint8) resized to outHeight x outWidth: area averaging to
 * shrink, bilinear to grow, per axis. Returns a new array; the same size returns a copy.
 */
export function resizeImage(data: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Uint8Array {
  if (data.length !== width * height * channels) {
    throw new RangeError(`resizeImage: ${data.length} values for ${width} x ${height} x ${channels}`);
  }
  for (const [what, v] of [['width', outWidth], ['height', outHeight]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`resizeImage: the new ${what} must be a positive integer, got ${v}`);
  }
  if (width === outWidth && height === outHeight) return data.slice();
  const C = channels;
  // Rows first (width), into float; then columns (height), rounded.
  const xTaps = axisTaps(width, outWidth);
  const mid = new Float64Array(height * outWidth * C);
  for (let y = 0; y < height; y++) {
    for (let o = 0; o < outWidth; o++) {
      const { index, weight } = xTaps[o];
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let t = 0; t < index.length; t++) s += weight[t] * data[(y * width + index[t]) * C + c];
        mid[(y * outWidth + o) * C + c] = s;
      }
    }
  }
  const yTaps = axisTaps(height, outHeight);
  const out = new Uint8Array(outHeight * outWidth * C);
  for (let o = 0; o < outHeight; o++) {
    const { index, weight } = yTaps[o];
    for (let x = 0; x < outWidth * C; x++) {
      let s = 0;
      for (let t = 0; t < index.length; t++) s += weight[t] * mid[index[t] * outWidth * C + x];
      // 1e-9: a mean of integers that should be exactly k + 0.5 may land a hair below it.
      out[o * outWidth * C + x] = Math.min(255, Math.max(0, Math.round(s + 1e-9)));
    }
  }
  return out;
}
