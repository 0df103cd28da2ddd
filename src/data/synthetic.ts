// The built-in "lesion" dataset: deterministic 28x28 grayscale images of tissue-like noise with
// bright blobs, generated from a seed in a few tens of milliseconds, so that search and train
// work with no download. The class is decided by blob sizes and counts, so a network must look
// at fine and coarse scales together (the point of multi-scale search):
//   0 one large lesion          (1 blob, radius 5.5-7.5 px)
//   1 many small lesions        (4-6 blobs, radius 1.2-2.2 px)
//   2 a large and small lesions (1 large + 3-5 small)
//   3 a few medium lesions      (2-3 blobs, radius 3-4.5 px)
// Blob brightness, position and the background texture vary, so neither mean brightness nor any
// single scale gives the class away.
import type { ImageDataset, ImageSplit } from './dataset.ts';
import type { SplitName } from './registry.ts';
import { Rng } from '../util/rng.ts';
import { addValueNoise } from './noise.ts';

export const SYNTHETIC_NAME = 'synthetic';
export const SYNTHETIC_CLASSES = ['one large lesion', 'many small lesions', 'large and small lesions', 'few medium lesions'] as const;

export interface SyntheticOptions {
  readonly seed?: number;
  readonly sizes?: Readonly<Record<SplitName, number>>;
  readonly sizePx?: number;
}

export const SYNTHETIC_DEFAULT_SIZES: Readonly<Record<SplitName, number>> = { train: 2000, val: 500, test: 1000 };

/** Adds an anti-aliased disc (soft 1-px edge) of the given radius and contrast. */
function addBlob(field: Float32Array, S: number, cx: number, cy: number, radius: number, contrast: number): void {
  const x0 = Math.max(0, Math.floor(cx - radius - 1));
  const x1 = Math.min(S - 1, Math.ceil(cx + radius + 1));
  const y0 = Math.max(0, Math.floor(cy - radius - 1));
  const y1 = Math.min(S - 1, Math.ceil(cy + radius + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const d = Math.sqrt(dx * dx + dy * dy); // (Math.hypot is several times slower)
      const cover = Math.min(1, Math.max(0, radius - d + 0.5));
      field[y * S + x] += contrast * cover;
    }
  }
}

function blobs(field: Float32Array, S: number, rng: Rng, count: number, rMin: number, rMax: number): void {
  for (let i = 0; i < count; i++) {
    const r = rng.range(rMin, rMax);
    const margin = Math.min(r + 1, S / 2);
    addBlob(field, S, rng.range(margin, S - margin), rng.range(margin, S - margin), r, rng.range(0.22, 0.42));
  }
}

/** One image of class `label` into `out` (S*S bytes). */
function drawImage(out: Uint8Array, S: number, label: number, rng: Rng): void {
  const field = new Float32Array(S * S).fill(rng.range(0.3, 0.45));
  // Tissue texture at three scales plus pixel noise (speckle).
  addValueNoise(field, S, 3, 0.12, rng);
  addValueNoise(field, S, 7, 0.07, rng);
  addValueNoise(field, S, 14, 0.04, rng);
  const k = S / 28; // radii are given for 28 px and scale with the image
  if (label === 0) blobs(field, S, rng, 1, 5.5 * k, 7.5 * k);
  else if (label === 1) blobs(field, S, rng, rng.integer(4, 6), 1.2 * k, 2.2 * k);
  else if (label === 2) {
    blobs(field, S, rng, 1, 5.5 * k, 7.5 * k);
    blobs(field, S, rng, rng.integer(3, 5), 1.2 * k, 2.2 * k);
  } else blobs(field, S, rng, rng.integer(2, 3), 3 * k, 4.5 * k);
  for (let i = 0; i < field.length; i++) {
    const v = field[i] + (rng.uniform() - 0.5) * 0.06;
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
}

/** Generates the synthetic dataset. Same options, same bytes, on any platform. */
export function syntheticDataset(options: SyntheticOptions = {}): ImageDataset {
  const seed = options.seed ?? 20240601;
  const sizes = options.sizes ?? SYNTHETIC_DEFAULT_SIZES;
  const S = options.sizePx ?? 28;
  const k = SYNTHETIC_CLASSES.length;
  const make = (split: SplitName, stream: number): ImageSplit => {
    const n = sizes[split];
    const images = new Uint8Array(n * S * S);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % k; // balanced classes; the loader shuffles
      // One generator per image: any image can be regenerated alone, and the splits are independent.
      drawImage(images.subarray(i * S * S, (i + 1) * S * S), S, labels[i], new Rng(seed, stream, i));
    }
    return { count: n, images, labels };
  };
  return {
    name: SYNTHETIC_NAME,
    task: 'multi-class',
    channels: 1,
    sizePx: S,
    classNames: SYNTHETIC_CLASSES,
    labelWidth: 1,
    splits: { train: make('train', 1), val: make('val', 2), test: make('test', 3) },
    release: 'synthetic',
    source: SYNTHETIC_NAME,
  };
}
