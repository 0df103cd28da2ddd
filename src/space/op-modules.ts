// The modules the op table (ops.ts) builds. Each trainable op keeps its layers in a Sequential named
// `main`, as the public MSTF-NAS reproduction does, so that the dotted parameter names
// (`ops.1.main.2.weight`) are the same as a PyTorch module of the same structure.
import { mulScalar } from '../ops/elementwise.ts';
import { avgPool2d, maxPool2d } from '../ops/pool.ts';
import { BatchNorm2d, Conv2d, ReLU, Sequential, type InitOptions } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { halvingPadding } from './plan.ts';

/** A module whose work is one Sequential child named `main`. */
export class MainOp extends Module {
  readonly main: Sequential;

  constructor(...layers: Module[]) {
    super();
    this.main = this.addChild('main', new Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    return this.main.forward(x);
  }
}

/** The zero op: x * 0 (NaN and Inf stay NaN, as PyTorch's x.mul(0.)). */
export class Zero extends Module {
  forward(x: Tensor): Tensor {
    return mulScalar(x, 0);
  }
}

export interface SepConvOptions {
  /** Stride of the first depthwise conv (1 in the search space; the reference network's reduction cells use 2). */
  stride?: number;
  /** Affine BatchNorms (true in the search space; DARTS's reference network uses false). */
  affine?: boolean;
}

/**
 * DARTS's separable conv, the layers only: (ReLU, depthwise k x k padding k/2, pointwise 1x1, BN)
 * twice, the first half keeping `cin` channels, the second going to `cout`. Convs have no bias.
 */
export function sepConvLayers(cin: number, cout: number, kernel: number, init: InitOptions, options: SepConvOptions = {}): Module[] {
  const { rng, rt } = init;
  const affine = options.affine ?? true;
  const half = (i: number, o: number, stride: number): Module[] => [
    new ReLU(),
    new Conv2d(i, i, kernel, { rng, rt, stride, padding: Math.floor(kernel / 2), groups: i, bias: false }),
    new Conv2d(i, o, 1, { rng, rt, bias: false }),
    new BatchNorm2d(o, { rt, affine }),
  ];
  return [...half(cin, cin, options.stride ?? 1), ...half(cin, cout, 1)];
}

/** dil_sep_conv_k: ReLU, depthwise k x k with dilation 2 and padding 2 * (k / 2), pointwise 1x1, BN (once). */
export function dilSepConvLayers(c: number, kernel: number, init: InitOptions): Module[] {
  const { rng, rt } = init;
  return [
    new ReLU(),
    new Conv2d(c, c, kernel, { rng, rt, padding: 2 * Math.floor(kernel / 2), dilation: 2, groups: c, bias: false }),
    new Conv2d(c, c, 1, { rng, rt, bias: false }),
    new BatchNorm2d(c, { rt }),
  ];
}

/** dual_conv_k: ReLU, full conv 1 x k (padding 0, k / 2), full conv k x 1 (padding k / 2, 0), BN. */
export function dualConvLayers(c: number, kernel: number, init: InitOptions): Module[] {
  const { rng, rt } = init;
  const p = Math.floor(kernel / 2);
  return [
    new ReLU(),
    new Conv2d(c, c, [1, kernel], { rng, rt, padding: [0, 0, p, p], bias: false }),
    new Conv2d(c, c, [kernel, 1], { rng, rt, padding: [p, p, 0, 0], bias: false }),
    new BatchNorm2d(c, { rt }),
  ];
}

/** ReLU, conv 1x1 (no bias), BN: the tail of a reduction branch and the reduction cell's fuse. */
export function reluConvBnLayers(cin: number, cout: number, init: InitOptions): Module[] {
  return [new ReLU(), new Conv2d(cin, cout, 1, { rng: init.rng, rt: init.rt, bias: false }), new BatchNorm2d(cout, { rt: init.rt })];
}

/**
 * Stride-2 pooling that always halves (floor(H / 2) x floor(W / 2)): its padding is chosen per input
 * size by halvingPadding (for 3x3 windows it drops to 0 at odd sizes). Average pooling leaves the
 * padding out of the divisor (count_include_pad = False).
 */
export class HalvingPool extends Module {
  constructor(
    readonly kind: 'avg' | 'max',
    readonly kernel: number,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    const padding = [halvingPadding(this.kernel, x.shape[2]), halvingPadding(this.kernel, x.shape[3])] as const;
    return this.kind === 'max'
      ? maxPool2d(x, this.kernel, { stride: 2, padding })
      : avgPool2d(x, this.kernel, { stride: 2, padding, countIncludePad: false });
  }
}
