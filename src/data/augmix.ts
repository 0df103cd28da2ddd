// AugMix (Hendrycks et al., "AugMix: A Simple Data Processing Method to Improve Robustness and
// Uncertainty", ICLR 2020). `width` chains of `depth` random ops each are mixed with Dirichlet(alpha)
// weights, and the mix is blended with the original with a Beta(alpha, alpha) weight:
//   x_aug = (1 - m) x + m * sum_i w_i chain_i(x),  w ~ Dir(alpha), m ~ Beta(alpha, alpha).
// Magnitudes follow the reference code (google-research/augmix augmentations.py, which MedNAS's
// code uses): level ~ U(0.1, severity), and an op's parameter is level/10 of its maximum
// (int_parameter truncates). Posterize keeps 4 - int(level * 4 / 10) bits there
// (`ImageOps.posterize(img, 4 - level)`), and so does torchvision's AugMix.
//
// Posterize before issue 21 kept 8 - k bits (the range of torchvision's AutoAugment and
// RandAugment, not of AugMix): at severity 3, k = 0 whenever level < 2.5, so 83% of posterize
// draws returned the image unchanged. `posterizeBits` records which: 4 (the reference, every
// preset since) or 8 (what a config read from an older model file or table means, so that a
// resumed run trains exactly as it started).
//
// One deliberate deviation: in the reference the magnitude-free ops (autocontrast, equalize) are
// drawn at any severity, so even severity 0 alters an image. Here severity 0 leaves out every op that is not the
// identity at level 0 (those two, and posterize, which keeps 4 bits at level 0), so severity 0
// returns the input image: severity is a true "how much" knob from 0 up. At severity > 0 the op
// set is the reference's. (With the legacy 8 bits, leaving posterize out at severity 0 changes only
// which identity ops are drawn: the output is the input either way.)
import type { Rng } from '../util/rng.ts';
import {
  autocontrast, equalize, posterize, rotate, shearX, shearY, solarize, translateX, translateY, type U8Image,
} from './ops.ts';

export interface AugMixOptions {
  /** Magnitude of each op, 0 (identity) to 10; the paper's default is 3. */
  readonly severity: number;
  /** Number of chains mixed (paper: 3). */
  readonly width: number;
  /** Ops per chain; -1 draws 1..3 per chain (paper default). */
  readonly depth: number;
  /** Dirichlet and Beta concentration (paper: 1). */
  readonly alpha: number;
  /**
   * Bits posterize keeps at level 0: a posterize of level L keeps posterizeBits - int(L * 4 / 10).
   * 4: the reference (augmentations.py); 8: mednas before issue 21 (a config without the field).
   */
  readonly posterizeBits: PosterizeBits;
}

export type PosterizeBits = 4 | 8;
export const POSTERIZE_BITS: readonly PosterizeBits[] = [4, 8];
/** What a stored AugMix config without `posterizeBits` trained with. */
export const LEGACY_POSTERIZE_BITS: PosterizeBits = 8;

export const AUGMIX_DEFAULTS: AugMixOptions = { severity: 3, width: 3, depth: -1, alpha: 1, posterizeBits: 4 };

/** Bits a posterize of `level` keeps (the reference: 4 - int_parameter(level, 4)). */
export function posterizeBitsAt(level: number, base: PosterizeBits): number {
  return base - intParam(level, 4);
}

export type AugOpName =
  | 'autocontrast' | 'equalize' | 'posterize' | 'rotate' | 'solarize' | 'shear_x' | 'shear_y' | 'translate_x' | 'translate_y';

type Op = (img: U8Image, level: number, rng: Rng, options: AugMixOptions) => U8Image;

/** A random sign, as the reference flips every geometric op's direction with p = 0.5. */
const signed = (rng: Rng, v: number): number => (rng.uniform() < 0.5 ? -v : v);
const intParam = (level: number, max: number): number => Math.trunc((level * max) / 10);
const floatParam = (level: number, max: number): number => (level * max) / 10;

export const AUG_OPS: Readonly<Record<AugOpName, Op>> = {
  autocontrast: (img) => autocontrast(img),
  equalize: (img) => equalize(img),
  posterize: (img, level, _rng, options) => posterize(img, posterizeBitsAt(level, options.posterizeBits)),
  rotate: (img, level, rng) => rotate(img, signed(rng, intParam(level, 30))),
  solarize: (img, level) => solarize(img, 256 - intParam(level, 256)),
  shear_x: (img, level, rng) => shearX(img, signed(rng, floatParam(level, 0.3))),
  shear_y: (img, level, rng) => shearY(img, signed(rng, floatParam(level, 0.3))),
  // The reference's maximum shift is a third of the image size (IMAGE_SIZE / 3).
  translate_x: (img, level, rng) => translateX(img, signed(rng, intParam(level, img.width / 3))),
  translate_y: (img, level, rng) => translateY(img, signed(rng, intParam(level, img.height / 3))),
};

const ALL_OPS = Object.keys(AUG_OPS) as AugOpName[];
/** The ops that are the identity at level 0 (severity 0 draws only these). */
const LEVEL_ZERO_OPS = ALL_OPS.filter((o) => o !== 'autocontrast' && o !== 'equalize' && o !== 'posterize');

/**
 * AugMix of one 8-bit image. Writes the result, scaled to [0, 1], as CHW floats into `out`
 * (length C*H*W) at `outOffset`; returns `out`.
 */
export function augmix(img: U8Image, options: AugMixOptions, rng: Rng, out?: Float32Array, outOffset = 0): Float32Array {
  const { severity, width, depth, alpha, posterizeBits } = options;
  if (!(severity >= 0 && severity <= 10)) throw new RangeError(`AugMix severity must be in [0, 10], got ${severity}`);
  if (!(width >= 1) || !Number.isInteger(width)) throw new RangeError(`AugMix width must be a positive integer, got ${width}`);
  if (!(depth === -1 || (depth >= 1 && Number.isInteger(depth)))) throw new RangeError(`AugMix depth must be -1 or >= 1, got ${depth}`);
  if (!(alpha > 0)) throw new RangeError(`AugMix alpha must be > 0, got ${alpha}`);
  if (!POSTERIZE_BITS.includes(posterizeBits)) throw new RangeError(`AugMix posterizeBits must be 4 or 8, got ${posterizeBits}`);
  const { height: H, width: W, channels: C } = img;
  const plane = H * W;
  const target = out ?? new Float32Array(C * plane);
  const ops = severity === 0 ? LEVEL_ZERO_OPS : ALL_OPS;
  const ws = rng.dirichlet(new Array<number>(width).fill(alpha));
  const m = rng.beta(alpha, alpha);
  const mix = new Float32Array(img.data.length); // HWC, in 0..255
  for (let i = 0; i < width; i++) {
    let aug = img;
    const d = depth > 0 ? depth : rng.integer(1, 3);
    for (let k = 0; k < d; k++) {
      const op = AUG_OPS[ops[rng.integer(0, ops.length - 1)]];
      const level = severity === 0 ? 0 : rng.range(0.1, Math.max(severity, 0.1));
      aug = op(aug, level, rng, options);
    }
    const wi = ws[i];
    for (let p = 0; p < mix.length; p++) mix[p] += wi * aug.data[p];
  }
  // HWC -> CHW while blending, scaled to [0, 1].
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < C; ch++) {
      const j = p * C + ch;
      target[outOffset + ch * plane + p] = ((1 - m) * img.data[j] + m * mix[j]) / 255;
    }
  }
  return target;
}
