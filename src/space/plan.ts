// The network's sizes before anything is built: channels and spatial size at every block, checked
// against what the space can do (C divisible by 4 for the reduction branches, an input large enough
// to halve once per block). The builder and the cost counter both read this plan, so bad settings
// fail here, before any GPU work.
import { SpaceConfigError } from './errors.ts';

export const DEFAULT_INIT_CHANNELS = 128;
export const DEFAULT_INPUT_SIZE = 28;
/** Reduction branches: each takes the cell's channels down to a quarter, four are concatenated. */
export const REDUCTION_BRANCHES = 4;

/** What a network is built for, besides its genotype. */
export interface NetworkConfig {
  /** Image channels of the dataset (1 for grey-scale MedMNIST subsets, 3 for colour). */
  inChannels: number;
  numClasses: number;
  /** C, the stem's output channels (the paper's 128); a positive multiple of 4. */
  initChannels?: number;
  /** The number of blocks; by default as many as the genotype has. */
  blocks?: number;
  /** Input height and width (one number for square images); default 28 (MedMNIST). */
  inputSize?: number | readonly [number, number];
}

/** One block: its normal cell runs at (channels, height, width), its reduction cell halves that. */
export interface BlockPlan {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

export interface NetworkPlan {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly initChannels: number;
  readonly inputHeight: number;
  readonly inputWidth: number;
  readonly blocks: readonly BlockPlan[];
  /** Channels into the classifier (8C for 3 blocks). */
  readonly features: number;
}

function positiveInt(what: string, v: unknown, advice: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new SpaceConfigError(`${what} must be a whole number >= 1, got ${String(v)}: ${advice}`);
  }
  return v;
}

/**
 * The padding that makes a stride-2 pooling window of `kernel` give floor(size / 2) outputs:
 * 2x2 -> 0; 3x3 -> 1 at even sizes, 0 at odd ones (padding 1 at 7 would give 4); 4x4 -> 1.
 * In general it solves floor((size + 2p - kernel) / 2) + 1 = floor(size / 2).
 */
export function halvingPadding(kernel: number, size: number): number {
  return size % 2 === 0 ? Math.ceil(kernel / 2) - 1 : Math.ceil((kernel - 1) / 2) - 1;
}

/** Checks a configuration and works out every block's sizes; `blocks` is the genotype's count. */
export function planNetwork(config: NetworkConfig, genotypeBlocks: number): NetworkPlan {
  const inChannels = positiveInt('inChannels', config.inChannels, "the dataset's image channels (1 or 3)");
  const numClasses = positiveInt('numClasses', config.numClasses, "the dataset's number of classes");
  const initChannels = positiveInt('initChannels', config.initChannels ?? DEFAULT_INIT_CHANNELS, 'e.g. 16 or 128');
  if (initChannels % REDUCTION_BRANCHES !== 0) {
    const lower = Math.max(4, initChannels - (initChannels % 4));
    throw new SpaceConfigError(
      `initChannels ${initChannels} is not divisible by 4: each reduction cell splits its channels into 4 pooling branches of C/4; use ${lower} or ${lower + 4}`,
    );
  }
  const blocks = config.blocks ?? genotypeBlocks;
  positiveInt('blocks', blocks, 'the number of blocks (3 in the paper)');
  if (blocks !== genotypeBlocks) {
    throw new SpaceConfigError(`the network is set to ${blocks} block(s) but the genotype has ${genotypeBlocks} (14 genes each): give a genotype of ${blocks * 14} genes`);
  }
  const size = config.inputSize ?? DEFAULT_INPUT_SIZE;
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  const inputHeight = positiveInt('input height', h, 'the image size, e.g. 28');
  const inputWidth = positiveInt('input width', w, 'the image size, e.g. 28');
  const plans: BlockPlan[] = [];
  let [c, height, width] = [initChannels, inputHeight, inputWidth];
  for (let b = 0; b < blocks; b++) {
    if (height < 2 || width < 2) {
      const trail = [Math.min(inputHeight, inputWidth)];
      for (let i = 0; i < blocks; i++) trail.push(Math.floor(trail[i] / 2));
      const need = 2 ** blocks;
      throw new SpaceConfigError(
        `a ${inputHeight} x ${inputWidth} input is too small for ${blocks} blocks: each block's reduction cell halves the size ` +
          `(${trail.join(' -> ')}), so block ${b + 1} would get ${height} x ${width}; ` +
          `use an input of at least ${need} x ${need} or at most ${Math.max(0, Math.floor(Math.log2(Math.min(inputHeight, inputWidth))))} block(s)`,
      );
    }
    const next = { outChannels: 2 * c, outHeight: Math.floor(height / 2), outWidth: Math.floor(width / 2) };
    plans.push({ channels: c, height, width, ...next });
    [c, height, width] = [next.outChannels, next.outHeight, next.outWidth];
  }
  return { inChannels, numClasses, initChannels, inputHeight, inputWidth, blocks: plans, features: c };
}
