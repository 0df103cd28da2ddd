// The built-in lesion sets of known lesion size (issue 21, Fig 7: which reduction pooling suits
// which lesion size): deterministic grayscale images (28 x 28 by default) of tissue-like texture with
// one lesion each, generated from a seed, three sets by lesion size:
//   lesions-small    core radius 1.5-2.5 px   (at 28 px; every length scales with sizePx / 28)
//   lesions-medium   core radius 3.5-5.0 px
//   lesions-large    core radius 7.0-9.0 px
// Two classes by lesion type, as mammography tells masses apart by their margin:
//   0 round        a filled disc of the core radius with a soft (anti-aliased) edge
//   1 spiculated   the same disc with 5-9 thin spikes around it (evenly spread, jittered), each
//                  reaching 0.5-0.9 core radii + 0.5 px beyond the core, its half-width 0.45 px +
//                  0.15 core radii at the base, tapering to a point, and fainter than the core
//                  (0.45-0.75 of its contrast), as a mass's spicules
// The core's contrast is 0.20-0.40 over a background level of 0.30-0.45 (pixel values in [0, 1])
// with value noise at three scales and speckle; brightness, position and texture vary in both
// classes. The spikes add some brightness, so a spiculated lesion is on average a little brighter
// (a cue a network may use beside the margin). Classes alternate within each split (balanced:
// equal counts for an even split size). Splits are independent streams of the seed, and every
// image has its own generator, so any image can be regenerated alone and the bytes are the same on
// every platform.
import type { ImageDataset, ImageSplit } from './dataset.ts';
import { addValueNoise } from './noise.ts';
import type { SplitName } from './registry.ts';
import { Rng } from '../util/rng.ts';

export type LesionSize = 'small' | 'medium' | 'large';
export const LESION_SIZES: readonly LesionSize[] = ['small', 'medium', 'large'];

/** Core radius range [min, max) in pixels at 28 x 28, per set. */
export const LESION_RADII_PX: Readonly<Record<LesionSize, readonly [number, number]>> = {
  small: [1.5, 2.5],
  medium: [3.5, 5.0],
  large: [7.0, 9.0],
};

/** Spike length beyond the core: a fraction [min, max) of the core radius, plus LESION_SPIKE_BASE_PX. */
export const LESION_SPIKE_LENGTH: readonly [number, number] = [0.5, 0.9];
export const LESION_SPIKE_BASE_PX = 0.5;

/** A spike's half-width at its base: [px at 28 x 28, fraction of the core radius] added. */
export const LESION_SPIKE_WIDTH: readonly [number, number] = [0.45, 0.15];

/** The lesion core's contrast over the background (pixel values in [0, 1]), [min, max). */
export const LESION_CONTRAST: readonly [number, number] = [0.2, 0.4];

/** The spikes' contrast as a fraction [min, max) of the core's: fainter than the core, as a mass's spicules. */
export const LESION_SPIKE_CONTRAST: readonly [number, number] = [0.45, 0.75];

export const LESION_CLASSES = ['round', 'spiculated'] as const;

export const LESION_DEFAULT_SIZES: Readonly<Record<SplitName, number>> = { train: 2000, val: 500, test: 1000 };

/** The sets' registered names: lesions-small, lesions-medium, lesions-large. */
export const LESION_DATASET_NAMES: readonly string[] = LESION_SIZES.map((s) => `lesions-${s}`);

/** What the sets' release field says (a later change of the generator gets a new one). */
export const LESION_RELEASE = 'lesions-v1';

/** The lesion size a dataset name asks for ('lesions-small', or 'lesions:small'; any case), else null. */
export function lesionSizeOf(name: string): LesionSize | null {
  const m = /^lesions[-:](small|medium|large)$/.exec(name.trim().toLowerCase());
  return m ? (m[1] as LesionSize) : null;
}

export interface LesionOptions {
  readonly size: LesionSize;
  readonly seed?: number;
  readonly sizes?: Readonly<Record<SplitName, number>>;
  /** Image side in pixels (default 28); radii and textures scale with it. */
  readonly sizePx?: number;
}

/** One drawn lesion: its parameters and its coverage of every pixel (the mask: coverage >= 0.5). */
export interface DrawnLesion {
  readonly label: number;
  /** Core radius in pixels (at the image's size). */
  readonly radius: number;
  readonly cx: number;
  readonly cy: number;
  /** Spikes (0 for a round lesion) and the longest one's length in pixels. */
  readonly spikes: number;
  readonly spikeLength: number;
  /** The core's contrast over the background, and the spikes' as a fraction of it (0 for a round lesion). */
  readonly contrast: number;
  readonly spikeContrast: number;
  /** S x S fraction of each pixel inside the lesion (4 x 4 samples per pixel). */
  readonly coverage: Float32Array;
}

interface Spike {
  readonly cos: number;
  readonly sin: number;
  readonly length: number;
  readonly halfWidth: number;
}

const SUB = 4; // samples per pixel side
const HALF_DIAGONAL = Math.SQRT1_2; // a pixel's samples lie within this of its centre

/** Whether (dx, dy) from the centre is inside a spike: a wedge along its axis, tapering from the half-width at the core to a point. */
function inSpike(dx: number, dy: number, r: number, s: Spike): boolean {
  const along = dx * s.cos + dy * s.sin;
  if (along < r * 0.5 || along > r + s.length) return false;
  const across = Math.abs(dy * s.cos - dx * s.sin);
  return across <= s.halfWidth * Math.min(1, (r + s.length - along) / s.length);
}

/** The spikes that may reach into the pixel centred at (dx, dy) (a bound: its samples are within HALF_DIAGONAL). */
function nearSpikes(dx: number, dy: number, r: number, spikes: readonly Spike[]): Spike[] {
  return spikes.filter((s) => {
    const along = dx * s.cos + dy * s.sin;
    const across = Math.abs(dy * s.cos - dx * s.sin);
    return along >= r * 0.5 - HALF_DIAGONAL && along <= r + s.length + HALF_DIAGONAL && across <= s.halfWidth + HALF_DIAGONAL;
  });
}

/** Draws one image of class `label` (0 round, 1 spiculated) into `out` (S * S bytes) and says what it drew. */
export function drawLesion(out: Uint8Array, S: number, size: LesionSize, label: number, rng: Rng): DrawnLesion {
  const k = S / 28;
  const field = new Float32Array(S * S).fill(rng.range(0.3, 0.45));
  addValueNoise(field, S, 3, 0.12, rng);
  addValueNoise(field, S, 7, 0.07, rng);
  addValueNoise(field, S, 14, 0.04, rng);
  const [rMin, rMax] = LESION_RADII_PX[size];
  const r = rng.range(rMin, rMax) * k;
  const margin = r + k;
  const cx = rng.range(margin, S - margin);
  const cy = rng.range(margin, S - margin);
  const contrast = rng.range(LESION_CONTRAST[0], LESION_CONTRAST[1]);
  const spikes: Spike[] = [];
  let spikeContrast = 0;
  if (label === 1) {
    spikeContrast = rng.range(LESION_SPIKE_CONTRAST[0], LESION_SPIKE_CONTRAST[1]);
    const count = rng.integer(5, 9);
    const start = rng.range(0, 2 * Math.PI);
    for (let j = 0; j < count; j++) {
      const angle = start + ((j + rng.range(-0.3, 0.3)) * 2 * Math.PI) / count;
      const length = r * rng.range(LESION_SPIKE_LENGTH[0], LESION_SPIKE_LENGTH[1]) + LESION_SPIKE_BASE_PX * k;
      spikes.push({ cos: Math.cos(angle), sin: Math.sin(angle), length, halfWidth: LESION_SPIKE_WIDTH[0] * k + LESION_SPIKE_WIDTH[1] * r });
    }
  }
  const spikeLength = Math.max(0, ...spikes.map((s) => s.length));
  const reach = r + spikeLength + 1;
  const coverage = new Float32Array(S * S);
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(S - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(S - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const d = Math.sqrt(px * px + py * py);
      let core = 1; // the fractions of the pixel in the core and in a spike alone
      let spike = 0;
      if (d + HALF_DIAGONAL > r) {
        const near = nearSpikes(px, py, r, spikes);
        if (d - HALF_DIAGONAL > r && near.length === 0) continue; // no sample can be inside
        let inCore = 0;
        let inSpikeOnly = 0;
        for (let sy = 0; sy < SUB; sy++) {
          for (let sx = 0; sx < SUB; sx++) {
            const dx = x + (sx + 0.5) / SUB - cx;
            const dy = y + (sy + 0.5) / SUB - cy;
            if (dx * dx + dy * dy <= r * r) inCore++;
            else if (near.some((s) => inSpike(dx, dy, r, s))) inSpikeOnly++;
          }
        }
        core = inCore / (SUB * SUB);
        spike = inSpikeOnly / (SUB * SUB);
      }
      coverage[y * S + x] = core + spike;
      field[y * S + x] += contrast * (core + spikeContrast * spike);
    }
  }
  for (let i = 0; i < field.length; i++) {
    const v = field[i] + (rng.uniform() - 0.5) * 0.06;
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return { label, radius: r, cx, cy, spikes: spikes.length, spikeLength, contrast, spikeContrast, coverage };
}

/** Generates a lesion set. Same options, same bytes, on any platform. */
export function lesionDataset(options: LesionOptions): ImageDataset {
  const size = options.size;
  const which = LESION_SIZES.indexOf(size);
  if (which < 0) throw new RangeError(`lesion size must be one of ${LESION_SIZES.join(', ')}, got ${String(size)}`);
  const seed = options.seed ?? 20240607;
  const sizes = options.sizes ?? LESION_DEFAULT_SIZES;
  const S = options.sizePx ?? 28;
  const classes = LESION_CLASSES.length;
  const make = (split: SplitName, stream: number): ImageSplit => {
    const n = sizes[split];
    const images = new Uint8Array(n * S * S);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % classes;
      drawLesion(images.subarray(i * S * S, (i + 1) * S * S), S, size, labels[i], new Rng(seed, which, stream, i));
    }
    return { count: n, images, labels };
  };
  return {
    name: `lesions-${size}`,
    task: 'binary-class',
    channels: 1,
    sizePx: S,
    classNames: LESION_CLASSES,
    labelWidth: 1,
    splits: { train: make('train', 1), val: make('val', 2), test: make('test', 3) },
    release: LESION_RELEASE,
    source: `lesions-${size} (built in)`,
  };
}
