// ResNet-18 as MedMNIST trains it at 28 x 28 (MedMNIST v2's experiments, MedMNIST2D/models.py
// ResNet18, adapted from kuangliu/pytorch-cifar): torchvision's BasicBlock ResNet-18 [2, 2, 2, 2]
// with widths 64/128/256/512, but a CIFAR stem (conv 3x3 stride 1 padding 1, BN, ReLU) and no max
// pool, so a 28 px image is 28 -> 28 -> 14 -> 7 -> 4 through layer1..layer4; then adaptive average
// pooling to 1 x 1 and a linear head with bias. No layer has a custom initialisation (PyTorch's
// defaults). Module names are models.py's, so a state dict reads the same as torch's:
//   conv1, bn1                                stem: conv 3x3 in -> W (no bias), BN
//   layerL.b.conv1, .bn1, .conv2, .bn2        block b of stage L: conv 3x3 (stride s on b = 0), BN,
//                                             ReLU, conv 3x3, BN
//   layerL.b.shortcut.0, .shortcut.1         conv 1x1 stride s (no bias), BN, where the block changes
//                                             channels or size (b = 0 of layers 2-4); else identity
//   avgpool (no state), linear                 linear 8W -> classes
// Block output: relu(bn2(conv2(...)) + shortcut(x)).
//
// This file is plain data (no GPU): the module (resnet.ts), the cost counter and the exporters all
// read the same plan. The width W is 64 for ResNet-18; another W scales every stage (W, 2W, 4W, 8W)
// for quick checks.

/** The stem's width of ResNet-18 (stages: 64, 128, 256, 512). */
export const RESNET18_WIDTH = 64;
/** BasicBlocks per stage. */
export const RESNET18_BLOCKS: readonly number[] = [2, 2, 2, 2];

/** A ResNet setting that cannot be built (a channel count or size that is not a whole number >= 1). */
export class ResNetConfigError extends Error {
  override name = 'ResNetConfigError';
}

export interface ResNetConfig {
  /** Image channels (1 for grey-scale MedMNIST subsets, 3 for colour). */
  readonly inChannels: number;
  readonly numClasses: number;
  /** Stem channels W; default 64 (ResNet-18). */
  readonly width?: number;
  /** Input height and width; default 28. */
  readonly inputSize?: number;
}

/** A bias-free square convolution, with the spatial size it sees and gives. */
export interface ResNetConvPlan {
  /** Module name; its weight is `${name}.weight`. */
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly inputSize: number;
  readonly outputSize: number;
}

/** A conv and the BatchNorm after it (affine, eps 1e-5). */
export interface ResNetConvBn {
  readonly conv: ResNetConvPlan;
  /** The BatchNorm's module name. */
  readonly bn: string;
}

export interface ResNetBlockPlan {
  /** `layerL.b`. */
  readonly name: string;
  readonly first: ResNetConvBn;
  readonly second: ResNetConvBn;
  /** The projection shortcut, or null for the identity. */
  readonly shortcut: ResNetConvBn | null;
}

export interface ResNetPlan {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly width: number;
  readonly inputSize: number;
  readonly stem: ResNetConvBn;
  /** Every block in order, stage by stage (layer1.0, layer1.1, layer2.0, ...). */
  readonly blocks: readonly ResNetBlockPlan[];
  /** Channels into the linear head (8W). */
  readonly features: number;
  /** Spatial size of layer4's output (4 at 28 px). */
  readonly outputSize: number;
  /** The head's module name. */
  readonly linear: string;
}

function wholeNumber(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ResNetConfigError(`ResNet-18: ${what} must be a whole number >= 1, got ${String(v)}`);
  return v;
}

function conv(name: string, cin: number, cout: number, kernel: number, stride: number, padding: number, inputSize: number): ResNetConvPlan {
  const outputSize = Math.floor((inputSize + 2 * padding - kernel) / stride) + 1;
  return { name, inChannels: cin, outChannels: cout, kernel, stride, padding, inputSize, outputSize };
}

/** The layers of ResNet-18 for `config` (see the header). Bad settings throw ResNetConfigError. */
export function planResNet18(config: ResNetConfig): ResNetPlan {
  const inChannels = wholeNumber('inChannels', config.inChannels);
  const numClasses = wholeNumber('numClasses', config.numClasses);
  const width = wholeNumber('width', config.width ?? RESNET18_WIDTH);
  const inputSize = wholeNumber('inputSize', config.inputSize ?? 28);
  const stem: ResNetConvBn = { conv: conv('conv1', inChannels, width, 3, 1, 1, inputSize), bn: 'bn1' };
  const blocks: ResNetBlockPlan[] = [];
  let channels = width;
  let size = stem.conv.outputSize;
  RESNET18_BLOCKS.forEach((count, stage) => {
    const planes = width * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const name = `layer${stage + 1}.${b}`;
      const first: ResNetConvBn = { conv: conv(`${name}.conv1`, channels, planes, 3, stride, 1, size), bn: `${name}.bn1` };
      const out = first.conv.outputSize;
      const second: ResNetConvBn = { conv: conv(`${name}.conv2`, planes, planes, 3, 1, 1, out), bn: `${name}.bn2` };
      const shortcut = stride !== 1 || channels !== planes ? { conv: conv(`${name}.shortcut.0`, channels, planes, 1, stride, 0, size), bn: `${name}.shortcut.1` } : null;
      blocks.push({ name, first, second, shortcut });
      channels = planes;
      size = out;
    }
  });
  return { inChannels, numClasses, width, inputSize, stem, blocks, features: channels, outputSize: size, linear: 'linear' };
}

/** The convolutions and BatchNorms in module order (the order of PyTorch's state_dict). */
export function resnetConvBns(plan: ResNetPlan): ResNetConvBn[] {
  const out: ResNetConvBn[] = [plan.stem];
  for (const b of plan.blocks) out.push(b.first, b.second, ...(b.shortcut ? [b.shortcut] : []));
  return out;
}

/** One tensor of the state: its PyTorch state_dict name and shape. */
export interface ResNetStateEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** A trained parameter (weights, BN scale and shift, the head) or a buffer (BN running statistics). */
  readonly parameter: boolean;
}

/**
 * The network's state in PyTorch's state_dict order (per module: weight, bias, running_mean,
 * running_var), without BatchNorm's num_batches_tracked, which mednas does not keep.
 */
export function resnetStateEntries(plan: ResNetPlan): ResNetStateEntry[] {
  const out: ResNetStateEntry[] = [];
  for (const { conv: c, bn } of resnetConvBns(plan)) {
    const n = c.outChannels;
    out.push(
      { name: `${c.name}.weight`, shape: [n, c.inChannels, c.kernel, c.kernel], parameter: true },
      { name: `${bn}.weight`, shape: [n], parameter: true },
      { name: `${bn}.bias`, shape: [n], parameter: true },
      { name: `${bn}.running_mean`, shape: [n], parameter: false },
      { name: `${bn}.running_var`, shape: [n], parameter: false },
    );
  }
  out.push(
    { name: `${plan.linear}.weight`, shape: [plan.numClasses, plan.features], parameter: true },
    { name: `${plan.linear}.bias`, shape: [plan.numClasses], parameter: true },
  );
  return out;
}

export interface ResNetCost {
  /** Trained scalars (PyTorch's sum(p.numel() for p in model.parameters())). */
  readonly params: number;
  /**
   * Multiply-accumulates of one image's forward pass at the plan's input size, counted as
   * countForwardMacs counts them: conv = output elements x input channels x k x k (padded taps
   * included), linear = inputs x outputs; BN, ReLU, the residual adds and pooling are not counted.
   */
  readonly macs: number;
}

/** Parameters and multiply-accumulates per image of the plan's network. */
export function resnetCost(plan: ResNetPlan): ResNetCost {
  const params = resnetStateEntries(plan).filter((e) => e.parameter).reduce((n, e) => n + e.shape.reduce((p, d) => p * d, 1), 0);
  let macs = plan.features * plan.numClasses;
  for (const { conv: c } of resnetConvBns(plan)) macs += c.outChannels * c.outputSize * c.outputSize * c.inChannels * c.kernel * c.kernel;
  return { params, macs };
}
