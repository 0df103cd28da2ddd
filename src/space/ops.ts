// The op table, the one place that says what each gene value builds (name -> module constructor, in
// the DARTS / public-reproduction OPS shape) and what it costs; the builder, the cost counter and the
// pictures all read it. Costs count trainable scalars and conv multiply-accumulates for one image
// (padded taps included, BN / ReLU / pooling not counted); test/space checks them against the built
// modules and against a count taken while the network runs.
import type { InitOptions } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import { Identity } from '../nn/layers.ts';
import { dilSepConvLayers, dualConvLayers, HalvingPool, MainOp, reluConvBnLayers, sepConvLayers, Zero } from './op-modules.ts';
import { NORMAL_OP_NAMES, REDUCTION_OP_NAMES, type NormalOpName, type ReductionOpName } from './op-names.ts';
import { halvingPadding, REDUCTION_BRANCHES } from './plan.ts';

export { NORMAL_OP_NAMES, REDUCTION_OP_NAMES, type NormalOpName, type ReductionOpName } from './op-names.ts';

/** A normal-cell op: channels and size kept. */
export interface NormalOpSpec {
  readonly name: NormalOpName;
  /** Its gene value. */
  readonly index: number;
  /** What it computes, in one line (docs, pictures, `mednas arch show`). */
  readonly summary: string;
  build(channels: number, init: InitOptions): Module;
  /** Trainable scalars at `channels`. */
  params(channels: number): number;
  /** Conv multiply-accumulates for one image of h x w. */
  macs(channels: number, height: number, width: number): number;
}

/** A reduction-cell branch: pool (stride 2), ReLU, conv 1x1 c -> c/4, BN. */
export interface ReductionOpSpec {
  readonly name: ReductionOpName;
  readonly index: number;
  readonly summary: string;
  readonly pool: 'avg' | 'max';
  readonly kernel: number;
  build(channels: number, init: InitOptions): Module;
  params(channels: number): number;
  /** MACs for one image whose cell input is h x w (the branch's conv runs at the halved size). */
  macs(channels: number, height: number, width: number): number;
}

const bn = (c: number): number => 2 * c;
const depthwise = (c: number, k: number): number => c * k * k;
const pointwise = (cin: number, cout: number): number => cin * cout;

function normal(
  name: NormalOpName,
  summary: string,
  build: NormalOpSpec['build'],
  params: (c: number) => number,
  macsPerPixel: (c: number) => number,
): NormalOpSpec {
  return {
    name,
    index: NORMAL_OP_NAMES.indexOf(name),
    summary,
    build,
    params,
    macs: (c, h, w) => h * w * macsPerPixel(c),
  };
}

const sepConv = (k: number): NormalOpSpec =>
  normal(
    `sep_conv_${k}x${k}` as NormalOpName,
    `(ReLU, depthwise ${k}x${k} pad ${Math.floor(k / 2)}, conv 1x1, BN) x 2`,
    (c, init) => new MainOp(...sepConvLayers(c, c, k, init)),
    (c) => 2 * (depthwise(c, k) + pointwise(c, c) + bn(c)),
    (c) => 2 * (depthwise(c, k) + pointwise(c, c)),
  );

const dilSepConv = (k: number): NormalOpSpec =>
  normal(
    `dil_sep_conv_${k}x${k}` as NormalOpName,
    `ReLU, depthwise ${k}x${k} dilation 2 pad ${2 * Math.floor(k / 2)}, conv 1x1, BN`,
    (c, init) => new MainOp(...dilSepConvLayers(c, k, init)),
    (c) => depthwise(c, k) + pointwise(c, c) + bn(c),
    (c) => depthwise(c, k) + pointwise(c, c),
  );

/** Normal ops by gene value. */
export const NORMAL_OPS: readonly NormalOpSpec[] = [
  normal('zero', 'x * 0', () => new Zero(), () => 0, () => 0),
  normal('identity', 'x', () => new Identity(), () => 0, () => 0),
  sepConv(3),
  sepConv(5),
  sepConv(7),
  dilSepConv(3),
  dilSepConv(5),
  normal(
    'dual_conv_7x7',
    'ReLU, conv 1x7 pad (0,3), conv 7x1 pad (3,0), BN',
    (c, init) => new MainOp(...dualConvLayers(c, 7, init)),
    (c) => 2 * 7 * pointwise(c, c) + bn(c),
    (c) => 2 * 7 * pointwise(c, c),
  ),
];

/** The branch tail's and the fuse's sizes: c -> c/4 per branch, then the concat (c) -> 2c. */
export const branchChannels = (c: number): number => c / REDUCTION_BRANCHES;

function pooling(pool: 'avg' | 'max', kernel: number): ReductionOpSpec {
  const name = `${pool}_pool_${kernel}x${kernel}` as ReductionOpName;
  const pad = kernel === 2 ? '0' : kernel % 2 === 1 ? '1 (0 at odd sizes)' : '1';
  return {
    name,
    index: REDUCTION_OP_NAMES.indexOf(name),
    summary: `${pool} pool ${kernel}x${kernel} stride 2 pad ${pad}${pool === 'avg' ? ' (padding not counted)' : ''}, ReLU, conv 1x1 c -> c/4, BN`,
    pool,
    kernel,
    build: (c, init) => new MainOp(new HalvingPool(pool, kernel), ...reluConvBnLayers(c, branchChannels(c), init)),
    params: (c) => pointwise(c, branchChannels(c)) + bn(branchChannels(c)),
    macs: (c, h, w) => {
      const out = (s: number): number => Math.floor((s + 2 * halvingPadding(kernel, s) - kernel) / 2) + 1;
      return out(h) * out(w) * pointwise(c, branchChannels(c));
    },
  };
}

/** Reduction-cell branches by gene value. */
export const REDUCTION_OPS: readonly ReductionOpSpec[] = [
  pooling('avg', 2),
  pooling('max', 2),
  pooling('avg', 3),
  pooling('max', 3),
  pooling('avg', 4),
  pooling('max', 4),
];

/** Every op by name. */
export const OPS: Readonly<Record<NormalOpName | ReductionOpName, NormalOpSpec | ReductionOpSpec>> = Object.fromEntries(
  [...NORMAL_OPS, ...REDUCTION_OPS].map((op) => [op.name, op]),
) as Record<NormalOpName | ReductionOpName, NormalOpSpec | ReductionOpSpec>;
