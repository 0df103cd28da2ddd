// The layers the MSTF-NAS networks are built from, with PyTorch's constructor defaults and weight
// initialisation. Each is a thin Module over one op in src/ops.
import type { Runtime } from '../gpu/runtime.ts';
import { conv2d, reluConv2d, type Pair, type Padding } from '../ops/conv.ts';
import { relu } from '../ops/elementwise.ts';
import { linear } from '../ops/linear.ts';
import { batchNorm2d } from '../ops/norm.ts';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../ops/pool.ts';
import { reshape } from '../ops/shape.ts';
import { tensor } from '../tensor/create.ts';
import { ShapeError, type Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';
import { biasUniform, kaimingUniform } from './init.ts';
import { Module } from './module.ts';

/** Where a layer's initial weights come from (and which device holds them). */
export interface InitOptions {
  rng: Rng;
  rt?: Runtime;
}

export interface Conv2dLayerOptions extends InitOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  /** Learnable bias (PyTorch's default true; convolutions before BatchNorm usually turn it off). */
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: Conv2dLayerOptions,
  ) {
    super();
    const groups = options.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ShapeError(`Conv2d: channels ${inChannels} -> ${outChannels} are not divisible by groups=${groups}`);
    }
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const fanIn = (inChannels / groups) * kh * kw;
    this.weight = this.addParameter('weight', kaimingUniform([outChannels, inChannels / groups, kh, kw], fanIn, options.rng, options.rt));
    this.bias = options.bias === false ? null : this.addParameter('bias', biasUniform(outChannels, fanIn, options.rng, options.rt));
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this.options;
    return conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }

  /** this.forward(relu(x)) with the ReLU fused into the convolution where its kernels allow (reluConv2d). */
  forwardRelu(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this.options;
    return reluConv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}

export interface BatchNorm2dOptions {
  /** Learnable scale and shift (PyTorch's default true). */
  affine?: boolean;
  momentum?: number;
  eps?: number;
  rt?: Runtime;
}

/**
 * Which statistics a BatchNorm2d normalises with. 'mode' (the default, torch's behaviour): the batch's
 * in training mode, moving the running statistics towards them, and the running ones in eval mode.
 * 'batch': the batch's statistics in either mode, and the running ones never move, so that scoring
 * a network with batch statistics leaves it exactly as it was.
 */
export type BatchNormStatistics = 'mode' | 'batch';

export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  /**
   * When set, forward is the identity. Synflow scores a network with its BatchNorms removed
   * (Tanaka et al. 2020); `setBatchNormBypass` flips it for a whole network.
   */
  bypass = false;
  /** See BatchNormStatistics; `setBatchNormStatistics` sets it for a whole network. */
  statistics: BatchNormStatistics = 'mode';

  constructor(
    readonly channels: number,
    readonly options: BatchNorm2dOptions = {},
  ) {
    super();
    const rt = options.rt;
    const affine = options.affine ?? true;
    // Filled on the host and written, not by a fill kernel: a dispatch between two weight uploads
    // makes the next upload submit first, and a network's build then cost one submit per layer.
    const filled = (v: number): Tensor => tensor(new Float32Array(channels).fill(v), [channels], rt);
    this.weight = affine ? this.addParameter('weight', filled(1)) : null;
    this.bias = affine ? this.addParameter('bias', filled(0)) : null;
    this.addBuffer('running_mean', filled(0));
    this.addBuffer('running_var', filled(1));
  }

  get runningMean(): Tensor {
    return this.namedBuffers().find(([n]) => n === 'running_mean')![1];
  }

  get runningVar(): Tensor {
    return this.namedBuffers().find(([n]) => n === 'running_var')![1];
  }

  forward(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /** relu(this.forward(x)) in the same passes. */
  forwardRelu(x: Tensor): Tensor {
    return this.normalise(x, true);
  }

  private normalise(x: Tensor, withRelu: boolean): Tensor {
    if (this.bypass) return withRelu ? relu(x) : x;
    const batchOnly = this.statistics === 'batch';
    // batchNorm2d with no running tensors normalises with the batch's statistics and updates nothing.
    return batchNorm2d(x, batchOnly ? null : this.runningMean, batchOnly ? null : this.runningVar, this.weight, this.bias, {
      training: batchOnly || this.training,
      momentum: this.options.momentum,
      eps: this.options.eps,
      relu: withRelu,
    });
  }
}

/** Turns every BatchNorm2d under `root` into the identity (on = true) or back. */
export function setBatchNormBypass(root: Module, on: boolean): void {
  for (const m of root.modules()) if (m instanceof BatchNorm2d) m.bypass = on;
}

/** Sets every BatchNorm2d under `root` to normalise with the given statistics. */
export function setBatchNormStatistics(root: Module, statistics: BatchNormStatistics): void {
  for (const m of root.modules()) if (m instanceof BatchNorm2d) m.statistics = statistics;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: InitOptions & { bias?: boolean },
  ) {
    super();
    this.weight = this.addParameter('weight', kaimingUniform([outFeatures, inFeatures], inFeatures, options.rng, options.rt));
    this.bias = options.bias === false ? null : this.addParameter('bias', biasUniform(outFeatures, inFeatures, options.rng, options.rt));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: { stride?: Pair; padding?: Pair } = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: { stride?: Pair; padding?: Pair; countIncludePad?: boolean } = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/** [N, C, H, W] -> [N, C]: AdaptiveAvgPool2d(1) and flatten in one. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}

/** [N, ...] -> [N, prod(...)]. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], x.size / Math.max(1, x.shape[0])]);
  }
}

/**
 * Holds modules under the names "0", "1", ... as torch.nn.ModuleList, for a parent that calls them
 * itself (a cell's nodes); it has no forward of its own.
 */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = [...items];
    this.items.forEach((m, i) => this.addChild(String(i), m));
  }

  forward(): Tensor {
    throw new Error('ModuleList has no forward: its parent calls its items');
  }
}

/**
 * Runs its children in order; they are named "0", "1", ... as in torch.nn.Sequential. A ReLU is run
 * together with its neighbour where the engine has a fused form, which gives the same values and
 * gradients in fewer passes: BatchNorm2d then ReLU as one op, and otherwise ReLU then Conv2d as one
 * (src/ops: batchNorm2d's relu option, reluConv2d). Modules with a forward replaced on the instance
 * are never fused.
 */
/** A module whose forward was replaced on the instance (a hook: countForwardMacs) must run as is. */
const unhooked = (m: Module): boolean => !Object.prototype.hasOwnProperty.call(m, 'forward');

export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.addChild(String(i), m));
  }

  forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i];
      const next = layers[i + 1];
      if (m instanceof BatchNorm2d && next instanceof ReLU && unhooked(m) && unhooked(next)) {
        y = m.forwardRelu(y);
        i++;
      } else if (m instanceof ReLU && next instanceof Conv2d && unhooked(m) && unhooked(next)) {
        y = next.forwardRelu(y);
        i++;
      } else {
        y = m.forward(y);
      }
    }
    return y;
  }
}
