// 2-D convolution (torch.nn.functional.conv2d semantics: NCHW, weight [K, C/groups, KH, KW], stride,
// zero padding per side, dilation, groups), forward and backward side by side. Three paths:
//   - pointwise (1x1, stride 1, no padding, groups 1): a batched matrix product, W . X[n];
//   - depthwise (groups = C = K, up to 7x7): one filter per channel, its own kernels (forward on CPU
//     adapters at row stride 1: conv2d_depthwise_columns; otherwise conv2d_depthwise*);
//   - everything else (the general path): kernels chosen per adapter (convKernels in kernel-choice.ts):
//       'cpu': direct convolution kernels (no im2col buffer), with *_subgroup variants for CPU
//              adapters that offer subgroups (weights or dy shared by shuffles instead of per-lane
//              loads). Register blocks, no workgroup memory, no barriers: on llvmpipe loads, even
//              from one address, cost per lane and barriers are expensive.
//       'gpu': conv2d_tiled, implicit GEMMs in three modes (64x64 tiles staged through workgroup
//              memory, like matmul_tiled.wgsl), the im2col operand gathered while a tile is
//              staged. Always these on this profile, for every shape: the plain direct kernels stay reachable only
//              through the 'cpu' profile without subgroups. Small shapes (e.g. 2 output channels
//              per group) waste most of a 64-row tile; whether the direct kernels beat the tiled
//              ones there is a question for a real GPU, and none has run this code yet: the tile
//              sizes are the standard choice, untuned.
//     The plain direct kernels are correct on any adapter; the tiled ones are correct on lavapipe
//     too (tested there on the 'gpu' profile) but slow on it, as matmul_tiled is.
import forwardWgsl from '../../shaders/conv2d_forward.wgsl';
import forwardSubgroupWgsl from '../../shaders/conv2d_forward_subgroup.wgsl';
import inputGradWgsl from '../../shaders/conv2d_input_grad.wgsl';
import inputGradSubgroupWgsl from '../../shaders/conv2d_input_grad_subgroup.wgsl';
import weightGradWgsl from '../../shaders/conv2d_weight_grad.wgsl';
import weightGradSubgroupWgsl from '../../shaders/conv2d_weight_grad_subgroup.wgsl';
import weightGradRunsWgsl from '../../shaders/conv2d_weight_grad_runs.wgsl';
import depthwiseWgsl from '../../shaders/conv2d_depthwise.wgsl';
import depthwiseColumnsWgsl from '../../shaders/conv2d_depthwise_columns.wgsl';
import depthwiseInputGradWgsl from '../../shaders/conv2d_depthwise_input_grad.wgsl';
import depthwiseWeightGradWgsl from '../../shaders/conv2d_depthwise_weight_grad.wgsl';
import depthwiseWeightGradColumnsWgsl from '../../shaders/conv2d_depthwise_weight_grad_columns.wgsl';
import biasAddWgsl from '../../shaders/conv2d_bias_add.wgsl';
import tiledWgsl from '../../shaders/conv2d_tiled.wgsl';
import type { Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import { assertSameRuntime, Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import {
  blockedMatmulKernel, convKernels, convWeightGradKernel, depthwiseColumnWalk, depthwiseInputGradWalk,
} from './kernel-choice.ts';
import { matmulInto, rowMajor, transposed, type MatrixLayout } from './matmul.ts';
import { binaryKernel } from '../kernels/elementwise.ts';
import { relu } from './elementwise.ts';
import { sum, sumToShape } from './reduce.ts';
import {
  FORWARD_BLOCK,
  SUBGROUP_FORWARD_BLOCK,
  SUBGROUP_INPUT_GRAD_BLOCK,
  SUBGROUP_BLOCK,
  PLAIN_BLOCK,
  DEPTHWISE_ROWS,
  TILE,
  TILE_K,
  TILED_WEIGHT_GRAD_GROUPS,
  TILED_MIN_CHUNK,
  RUNS_CHANNEL_BLOCK,
  RUN_TAPS,
  geometry,
  params,
  columnWalkParams,
  taps,
  tileTaps,
  isPointwise,
  isDepthwise,
  planeGroup,
  chunking,
  type ColumnWalk,
  type Conv2dOptions,
  type ConvGeometry,
} from './conv-geometry.ts';
import type { KernelSource, OverrideConstants } from '../gpu/pipelines.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';

export type { Conv2dOptions, Pair, Padding } from './conv-geometry.ts';

const FORWARD = { name: 'conv2d_forward', code: forwardWgsl };
const FORWARD_SUBGROUP = { name: 'conv2d_forward_subgroup', code: forwardSubgroupWgsl };
const INPUT_GRAD = { name: 'conv2d_input_grad', code: inputGradWgsl };
const WEIGHT_GRAD = { name: 'conv2d_weight_grad', code: weightGradWgsl };
const INPUT_GRAD_SUBGROUP = { name: 'conv2d_input_grad_subgroup', code: inputGradSubgroupWgsl };
const WEIGHT_GRAD_SUBGROUP = { name: 'conv2d_weight_grad_subgroup', code: weightGradSubgroupWgsl };
const WEIGHT_GRAD_RUNS = { name: 'conv2d_weight_grad_runs', code: weightGradRunsWgsl };
const DEPTHWISE = { name: 'conv2d_depthwise', code: depthwiseWgsl };
const DEPTHWISE_COLUMNS = { name: 'conv2d_depthwise_columns', code: depthwiseColumnsWgsl };
const DEPTHWISE_INPUT_GRAD = { name: 'conv2d_depthwise_input_grad', code: depthwiseInputGradWgsl };
const DEPTHWISE_WEIGHT_GRAD = { name: 'conv2d_depthwise_weight_grad', code: depthwiseWeightGradWgsl };
const DEPTHWISE_WEIGHT_GRAD_COLUMNS = { name: 'conv2d_depthwise_weight_grad_columns', code: depthwiseWeightGradColumnsWgsl };
const BIAS_ADD = { name: 'conv2d_bias_add', code: biasAddWgsl };
/** conv2d_bias_add.wgsl: out[n, k, :] += bias[k] over `count` elements, K channels of `plane` pixels. */
export const BIAS_ADD_PARAMS = ['count', 'K', 'plane'] as const;
/** One kernel for the three tiled implicit GEMMs; MODE picks the gathers (see its header). */
const TILED = { name: 'conv2d_tiled', code: tiledWgsl };
const TiledMode = { forward: 0, inputGrad: 1, weightGrad: 2 } as const;

// ---- forward ---------------------------------------------------------------------------------------

function forward(rt: Runtime, g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const outShape = [g.N, g.K, g.OH, g.OW];
  if (isPointwise(g)) {
    const hw = g.H * g.W;
    const out = pointwise(rt, rowMajor(w, g.K, g.C, false), x, g.K, g.C, g.N, hw, outShape);
    if (bias) {
      const params = packUniform(BIAS_ADD_PARAMS, { count: out.size, K: g.K, plane: hw });
      rt.run(BIAS_ADD, { buffers: [bias.binding(), out.binding()], params, invocations: out.size });
    }
    return out;
  }
  const out = Tensor.empty(outShape, rt);
  // Without a bias the kernel never reads binding 3, but the layout needs a buffer there.
  const buffers = [x.binding(), w.binding(), (bias ?? w).binding(), out.binding()];
  const strips = Math.ceil(g.OW / 4);
  if (isDepthwise(g)) {
    // CPU adapters, stride 1 in rows: each invocation walks a strip of columns down the plane, loading
    // each input row once (2-3x faster on lavapipe). Measured on lavapipe only, so not on real GPUs.
    const walk = depthwiseColumnWalk(rt.policy, g);
    if (walk) {
      runColumns(rt, DEPTHWISE_COLUMNS, g, walk, buffers, { HAS_BIAS: bias !== null });
      return out;
    }
    // The rest (row stride > 1, very large dilations, the 'gpu' profile). A subgroup variant that
    // shared the filter loads measured no faster here once stride 1 took the column walk (stride 2:
    // 3.1-3.4 vs 3.2-3.7 ms), so there is one kernel.
    const count = Math.ceil(g.OH / DEPTHWISE_ROWS) * strips;
    const wg = planeGroup(count);
    // Stride-1 rows of a width divisible by 4 read the input as aligned vec4 blocks.
    const aligned = g.SW === 1 && g.W % 4 === 0;
    rt.run(DEPTHWISE, {
      constants: { ...taps(g, wg), HAS_BIAS: bias !== null, ALIGNED: aligned, PL: aligned ? g.pl : 0 },
      buffers: [...buffers, x.binding()],
      params: params(g, 1, count),
      workgroups: [Math.ceil(count / wg), g.C, g.N],
    });
    return out;
  }
  const kernels = convKernels(rt.policy, g);
  if (kernels === 'tiled') {
    rt.run(TILED, {
      constants: { ...tileTaps(g), MODE: TiledMode.forward, HAS_BIAS: bias !== null },
      buffers: [w.binding(), x.binding(), (bias ?? w).binding(), out.binding()],
      params: params(g, 1, 0),
      workgroups: [Math.ceil((g.OH * g.OW) / TILE), Math.ceil(g.coutG / TILE), g.N * g.groups],
    });
    return out;
  }
  const count = g.N * g.OH * strips;
  const blocks = Math.ceil(g.coutG / (kernels === 'subgroup' ? SUBGROUP_FORWARD_BLOCK : FORWARD_BLOCK));
  rt.run(kernels === 'subgroup' ? FORWARD_SUBGROUP : FORWARD, {
    constants: { ...taps(g), HAS_BIAS: bias !== null },
    buffers,
    params: params(g, blocks, count),
    invocations: count,
    layers: g.groups * blocks,
  });
  return out;
}

/**
 * out[n] = A (rows x inner) . src[n] (inner x hw) for every image n: one product over the whole
 * batch, its columns (image, pixel) in blocks of hw, where the device's kernels read column blocks
 * (2-4x fewer idle lanes than one product per image on 7x7 maps); per image otherwise.
 */
function pointwise(
  rt: Runtime, a: MatrixLayout, src: Tensor, rows: number, inner: number, N: number, hw: number, shape: readonly number[],
): Tensor {
  const b = rowMajor(src, inner, hw, false);
  const blocks = { columns: hw, bStride: inner * hw, cStride: rows * hw };
  if (blockedMatmulKernel(rt.policy, b, blocks)) return matmulInto(rt, a, b, rows, N * hw, inner, 1, shape, blocks);
  return matmulInto(rt, a, rowMajor(src, inner, hw, true), rows, hw, inner, N, shape);
}

// ---- backward --------------------------------------------------------------------------------------

function inputGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, w: Tensor): Tensor {
  const shape = [g.N, g.C, g.H, g.W];
  if (isPointwise(g)) {
    // dX[n] = W^T (C x K) . dY[n] (K x HW)
    const hw = g.H * g.W;
    return pointwise(rt, transposed(w, g.C, g.K, false), dy, g.C, g.K, g.N, hw, shape);
  }
  const dx = Tensor.empty(shape, rt);
  const strips = Math.ceil(g.W / 4);
  if (isDepthwise(g)) {
    // CPU adapters, stride 1: the forward column walk over dy with the rotated filter.
    const transposedWalk = depthwiseInputGradWalk(rt.policy, g);
    if (transposedWalk) {
      const { geometry, walk } = transposedWalk;
      runColumns(rt, DEPTHWISE_COLUMNS, geometry, walk, [dy.binding(), w.binding(), w.binding(), dx.binding()], { FLIP: true });
      return dx;
    }
    const count = Math.ceil(g.H / DEPTHWISE_ROWS) * strips;
    const wg = planeGroup(count);
    rt.run(DEPTHWISE_INPUT_GRAD, {
      constants: taps(g, wg),
      buffers: [dy.binding(), w.binding(), dx.binding()],
      params: params(g, 1, count),
      workgroups: [Math.ceil(count / wg), g.C, g.N],
    });
    return dx;
  }
  const kernels = convKernels(rt.policy, g);
  if (kernels === 'tiled') {
    rt.run(TILED, {
      constants: { ...tileTaps(g), MODE: TiledMode.inputGrad },
      buffers: [w.binding(), dy.binding(), w.binding(), dx.binding()],
      params: params(g, 1, 0),
      workgroups: [Math.ceil((g.H * g.W) / TILE), Math.ceil(g.cinG / TILE), g.N * g.groups],
    });
    return dx;
  }
  const count = g.N * g.H * strips;
  const sub = kernels === 'subgroup';
  // Input channels per invocation: CIB in the subgroup kernel, 4 in the plain one.
  const blocks = Math.ceil(g.cinG / (sub ? SUBGROUP_INPUT_GRAD_BLOCK : PLAIN_BLOCK));
  rt.run(sub ? INPUT_GRAD_SUBGROUP : INPUT_GRAD, {
    constants: taps(g),
    buffers: [dy.binding(), w.binding(), dx.binding()],
    params: params(g, blocks, count),
    invocations: count,
    layers: g.groups * blocks,
  });
  return dx;
}

function weightGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor): Tensor {
  const wShape = [g.K, g.cinG, g.KH, g.KW];
  if (isPointwise(g)) {
    // dW = sum over n of dY[n] (K x HW) . X[n]^T (HW x C)
    const hw = g.H * g.W;
    const perImage = matmulInto(rt, rowMajor(dy, g.K, hw, true), transposed(x, hw, g.C, true), g.K, g.C, hw, g.N, [g.N, g.K, g.C]);
    return sumChunks(perImage, wShape);
  }
  const entries = g.cinG * g.KH * g.KW;
  if (isDepthwise(g)) {
    // CPU adapters, row stride 1: the forward's column walk, partial sums [C, N * chunks * strips, taps].
    const walk = depthwiseColumnWalk(rt.policy, g);
    if (walk) return walkedWeightGrad(rt, g, walk, dy, x, false);
    // One partial sum per invocation (a block of DEPTHWISE_ROWS x 4 outputs over a batch chunk) and tap.
    const count = Math.ceil(g.OH / DEPTHWISE_ROWS) * Math.ceil(g.OW / 4);
    const { chunks, perChunk } = chunking(g.N, count * g.C);
    const wg = planeGroup(count);
    const part = Tensor.empty([chunks * count, g.C, g.KH, g.KW], rt);
    rt.run(DEPTHWISE_WEIGHT_GRAD, {
      constants: taps(g, wg),
      buffers: [x.binding(), dy.binding(), part.binding()],
      params: params(g, 1, count, perChunk),
      workgroups: [Math.ceil(count / wg), g.C, chunks],
    });
    return sumChunks(part, wShape);
  }
  const kernels = convWeightGradKernel(rt.policy, g);
  if (kernels === 'tiled') return weightGradTiled(rt, g, dy, x);
  if (kernels === 'runs') return weightGradRuns(rt, g, dy, x);
  // The subgroup kernel gives each invocation one filter row (c, ky) of 8 output channels; the plain
  // one 4 entries of 4 output channels.
  const sub = kernels !== 'direct';
  const blocks = Math.ceil(g.coutG / (sub ? SUBGROUP_BLOCK : PLAIN_BLOCK));
  const lanes = sub ? g.cinG * g.KH : Math.ceil(entries / 4);
  const { chunks, perChunk } = chunking(g.N, g.groups * blocks * lanes);
  const part = Tensor.empty([chunks, g.K, entries], rt);
  // Few lanes (96 filter rows for 32 x 3x3): size the group to them rather than idle half of 64.
  const wg = planeGroup(lanes);
  rt.run(sub ? WEIGHT_GRAD_SUBGROUP : WEIGHT_GRAD, {
    constants: taps(g, wg),
    buffers: [x.binding(), dy.binding(), part.binding()],
    params: params(g, blocks, 0, perChunk),
    workgroups: [Math.ceil(lanes / wg), g.groups * blocks, chunks],
  });
  return sumChunks(part, wShape);
}

/**
 * The weight gradient of a filter one tap wide (KW = 1) by conv2d_weight_grad_runs: each invocation
 * a run of RUN_TAPS taps down the filter for RUNS_CHANNEL_BLOCK output channels, over a batch chunk.
 */
function weightGradRuns(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor): Tensor {
  const runs = g.cinG * Math.ceil(g.KH / RUN_TAPS);
  const blocks = Math.ceil(g.coutG / RUNS_CHANNEL_BLOCK);
  const { chunks, perChunk } = chunking(g.N, g.groups * blocks * runs);
  const part = Tensor.empty([chunks, g.K, g.cinG * g.KH], rt);
  const wg = planeGroup(runs);
  rt.run(WEIGHT_GRAD_RUNS, {
    constants: { WG: wg, KH: g.KH, SH: g.SH, SW: g.SW, DH: g.DH },
    buffers: [x.binding(), dy.binding(), part.binding()],
    params: params(g, blocks, 0, perChunk),
    workgroups: [Math.ceil(runs / wg), g.groups * blocks, chunks],
  });
  return sumChunks(part, [g.K, g.cinG, g.KH, g.KW]);
}

/**
 * The tiled weight gradient: partial products over chunks of the (image, output pixel) reduction,
 * [chunks, K, C/groups * KH * KW], then summed over the chunks.
 */
function weightGradTiled(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor): Tensor {
  const entries = g.cinG * g.KH * g.KW;
  const terms = g.N * g.OH * g.OW;
  const tiles = Math.ceil(entries / TILE) * Math.ceil(g.coutG / TILE) * g.groups;
  const wanted = Math.max(1, Math.min(Math.ceil(TILED_WEIGHT_GRAD_GROUPS / tiles), Math.floor(terms / TILED_MIN_CHUNK)));
  // Whole reduction steps per chunk, so only the last chunk ends part-way through a step.
  const perChunk = Math.ceil(terms / wanted / TILE_K) * TILE_K;
  const chunks = Math.ceil(terms / perChunk);
  const part = Tensor.empty([chunks, g.K, entries], rt);
  rt.run(TILED, {
    constants: { ...tileTaps(g), MODE: TiledMode.weightGrad },
    buffers: [dy.binding(), x.binding(), dy.binding(), part.binding()],
    params: params(g, 1, 0, perChunk),
    workgroups: [Math.ceil(entries / TILE), Math.ceil(g.coutG / TILE), chunks * g.groups],
  });
  return sumChunks(part, [g.K, g.cinG, g.KH, g.KW]);
}

/** The depthwise weight gradient by the column walk, of conv2d(relu(x)) when `relu`. */
function walkedWeightGrad(rt: Runtime, g: ConvGeometry, walk: ColumnWalk, dy: Tensor, x: Tensor, relu: boolean): Tensor {
  // Partial sums [C, N * chunks * strips, taps], then one reduction over the middle axis.
  const part = Tensor.empty([g.C, walk.count / g.C, g.KH * g.KW], rt);
  runColumns(rt, DEPTHWISE_WEIGHT_GRAD_COLUMNS, g, walk, [x.binding(), dy.binding(), part.binding()], { IN_RELU: relu });
  const summed = sum(part, 1);
  part.dispose();
  const out = summed.alias([g.K, g.cinG, g.KH, g.KW]);
  summed.dispose();
  return out;
}

/** Launches a column-walk kernel (conv2d_depthwise_columns, conv2d_depthwise_weight_grad_columns) over `walk`. */
function runColumns(
  rt: Runtime, kernel: KernelSource, g: ConvGeometry, walk: ColumnWalk, buffers: readonly BufferBinding[],
  constants: OverrideConstants,
): void {
  rt.run(kernel, {
    constants: { WG: planeGroup(walk.count), KH: g.KH, KW: g.KW, SW: g.SW, DH: g.DH, DW: g.DW, SC: walk.SC, ...constants },
    buffers,
    params: columnWalkParams(g, walk),
    invocations: walk.count,
  });
}

/** Sums partial results over their first axis into `shape` (no copy when there is one chunk). */
function sumChunks(part: Tensor, shape: readonly number[]): Tensor {
  if (part.shape[0] === 1) {
    const out = part.alias(shape);
    part.dispose();
    return out;
  }
  const summed = sumToShape(part, part.shape.slice(1));
  part.dispose();
  const out = summed.alias(shape);
  summed.dispose();
  return out;
}

/**
 * conv2d(x [N, C, H, W], weight [K, C/groups, KH, KW], bias [K] | null) -> [N, K, OH, OW], as
 * torch.nn.functional.conv2d with zero padding (padding may differ per side: [top, bottom, left,
 * right]). Gradients flow to x, weight and bias.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const rt = bias ? assertSameRuntime('conv2d', x, weight, bias) : assertSameRuntime('conv2d', x, weight);
  const g = geometry(x, weight, bias, options);
  const out = forward(rt, g, x, weight, bias);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordOp(out, 'conv2d', inputs, [x, weight], (dy, [xs, ws]) => [
    x.requiresGrad ? inputGrad(rt, g, dy, ws) : null,
    weight.requiresGrad ? weightGrad(rt, g, dy, xs) : null,
    // d bias[k] = sum of dy over n, oy, ox
    bias?.requiresGrad ? sum(dy, [0, 2, 3]) : null,
  ]);
}

/**
 * conv2d(relu(x), weight, bias, options), one pass less each way where the ReLU can ride along: for
 * depthwise convolutions that take the column walk (CPU adapters, row stride 1) the forward and the
 * weight gradient apply the ReLU as they load x, and the input gradient (at stride 1) masks by
 * x > 0 as it stores, so neither relu(x) nor its gradient is ever written. Elsewhere it is relu
 * then conv2d. Gradients as for that composition (d relu/dx = 0 at x = 0, as PyTorch).
 */
export function reluConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const rt = bias ? assertSameRuntime('reluConv2d', x, weight, bias) : assertSameRuntime('reluConv2d', x, weight);
  const g = geometry(x, weight, bias, options);
  const walk = isDepthwise(g) ? depthwiseColumnWalk(rt.policy, g) : null;
  if (!walk) return conv2d(relu(x), weight, bias, options);
  const out = Tensor.empty([g.N, g.K, g.OH, g.OW], rt);
  runColumns(rt, DEPTHWISE_COLUMNS, g, walk, [x.binding(), weight.binding(), (bias ?? weight).binding(), out.binding()], {
    HAS_BIAS: bias !== null,
    IN_RELU: true,
  });
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordOp(out, 'reluConv2d', inputs, [x, weight], (dy, [xs, ws]) => [
    x.requiresGrad ? reluInputGrad(rt, g, dy, ws, xs) : null,
    weight.requiresGrad ? walkedWeightGrad(rt, g, walk, dy, xs, true) : null,
    bias?.requiresGrad ? sum(dy, [0, 2, 3]) : null,
  ]);
}

/** The input gradient of conv2d(relu(x)): the conv's input gradient where x > 0, else 0. */
function reluInputGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, w: Tensor, x: Tensor): Tensor {
  const transposedWalk = depthwiseInputGradWalk(rt.policy, g);
  if (transposedWalk) {
    const dx = Tensor.empty([g.N, g.C, g.H, g.W], rt);
    const { geometry: gt, walk } = transposedWalk;
    runColumns(rt, DEPTHWISE_COLUMNS, gt, walk, [dy.binding(), w.binding(), x.binding(), dx.binding()], { FLIP: true, MASK: true });
    return dx;
  }
  const dRelu = inputGrad(rt, g, dy, w);
  const dx = Tensor.empty(dRelu.shape, rt);
  binaryKernel(rt, dRelu.binding(), x.binding(), dx.binding(), dx.size, 'maskPositive');
  dRelu.dispose();
  return dx;
}
