// Plain random flips and padded random crops (the standard CIFAR-style augmentation), for runs
// that want light augmentation without AugMix.
import type { Rng } from '../util/rng.ts';
import { makeImage, type U8Image } from './ops.ts';

export interface FlipCropOptions {
  /** 'horizontal' mirrors left-right with p = 0.5; 'both' also up-down with p = 0.5. */
  readonly flip: 'none' | 'horizontal' | 'both';
  /** Zero-pad by this many pixels on every side, then crop back to the original size at random. */
  readonly cropPaddingPx: number;
}

export function randomFlipCrop(img: U8Image, options: FlipCropOptions, rng: Rng): U8Image {
  const { height: H, width: W, channels: C, data } = img;
  const flipX = options.flip !== 'none' && rng.uniform() < 0.5;
  const flipY = options.flip === 'both' && rng.uniform() < 0.5;
  const p = Math.max(0, Math.floor(options.cropPaddingPx));
  // A crop of the padded image at (p + dx, p + dy) is the original shifted by (dx, dy).
  const dx = p > 0 ? rng.integer(-p, p) : 0;
  const dy = p > 0 ? rng.integer(-p, p) : 0;
  if (!flipX && !flipY && dx === 0 && dy === 0) return img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    const sy0 = y + dy;
    if (sy0 < 0 || sy0 >= H) continue;
    const sy = flipY ? H - 1 - sy0 : sy0;
    for (let x = 0; x < W; x++) {
      const sx0 = x + dx;
      if (sx0 < 0 || sx0 >= W) continue;
      const sx = flipX ? W - 1 - sx0 : sx0;
      for (let ch = 0; ch < C; ch++) out[(y * W + x) * C + ch] = data[(sy * W + sx) * C + ch];
    }
  }
  return makeImage(H, W, C, out);
}
