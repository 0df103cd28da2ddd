// The direct (general) path of conv2d: every convolution that is neither pointwise nor depthwise,
// forward, input gradient and weight gradient side by side, with the constants their shaders mirror.
// Which kernels run is chosen per adapter in kernel-choice.ts (convKernels, convWeightGradKernel)
// and handed in by conv.ts:
//   - 'subgroup' (CPU adapters with subgroups, filters up to MAX_TAPS taps): direct convolution, no
//     im2col buffer, weights or dy shared between the 8 lanes by shuffles instead of per-lane loads;
//     filters one tap wide (7x1) take the weight gradient in runs down the filter ('runs').
//   - 'direct' (CPU adapters without subgroups, and larger filters): the plain kernels of the same
//     design, every lane loading for itself. Register blocks, no workgroup memory, no barriers: on
//     llvmpipe loads, even from one address, cost per lane and barriers are expensive.
//   - 'tiled' (real GPUs): conv2d_tiled, implicit GEMMs in three modes (64x64 tiles staged through
//     workgroup memory, like matmul_tiled.wgsl), the im2col operand gathered while a tile is staged.
//     Small shapes (2 output channels per group, say) waste most of a 64-row tile; whether the
//     direct kernels beat it there is a question for a real GPU, and none has run this code yet: the
//     tile sizes are the standard choice, untuned. Correct on lavapipe too (tested there on the
//     'gpu' profile) but slow on it: 1.6-4.5x the plain kernels (forward and backward, N = 64, 3x3
//     at C32 28x28 and C64 14x14, 1x7, the stem; interleaved on a loaded 2-core VM), so CPU
//     adapters without subgroups keep the plain kernels.
import forwardWgsl from '../../shaders/conv2d_forward.wgsl';
import forwardSubgroupWgsl from '../../shaders/conv2d_forward_subgroup.wgsl';
import inputGradWgsl from '../../shaders/conv2d_input_grad.wgsl';
import inputGradSubgroupWgsl from '../../shaders/conv2d_input_grad_subgroup.wgsl';
import weightGradWgsl from '../../shaders/conv2d_weight_grad.wgsl';
import weightGradSubgroupWgsl from '../../shaders/conv2d_weight_grad_subgroup.wgsl';
import weightGradRunsWgsl from '../../shaders/conv2d_weight_grad_runs.wgsl';
import tiledWgsl from '../../shaders/conv2d_tiled.wgsl';
import type { Runtime } from '../gpu/runtime.ts';
import { Tensor } from '../tensor/tensor.ts';
import { chunking, params, planeGroup, sumChunks, taps, type ConvGeometry } from './conv-geometry.ts';
import type { ConvKernels, ConvWeightGradKernel } from './kernel-choice.ts';

const FORWARD = { name: 'conv2d_forward', code: forwardWgsl };
const FORWARD_SUBGROUP = { name: 'conv2d_forward_subgroup', code: forwardSubgroupWgsl };
const INPUT_GRAD = { name: 'conv2d_input_grad', code: inputGradWgsl };
const INPUT_GRAD_SUBGROUP = { name: 'conv2d_input_grad_subgroup', code: inputGradSubgroupWgsl };
const WEIGHT_GRAD = { name: 'conv2d_weight_grad', code: weightGradWgsl };
const WEIGHT_GRAD_SUBGROUP = { name: 'conv2d_weight_grad_subgroup', code: weightGradSubgroupWgsl };
const WEIGHT_GRAD_RUNS = { name: 'conv2d_weight_grad_runs', code: weightGradRunsWgsl };
/** One kernel for the three tiled implicit GEMMs; MODE picks the gathers (see its header). */
const TILED = { name: 'conv2d_tiled', code: tiledWgsl };
const TiledMode = { forward: 0, inputGrad: 1, weightGrad: 2 } as const;

/** Output channels per invocation in conv2d_forward.wgsl (COB there). */
export const FORWARD_BLOCK = 8;
/**
 * ...and in conv2d_forward_subgroup.wgsl (COB there); input channels per invocation of
 * conv2d_input_grad_subgroup.wgsl (CIB there). Each of the 8 lanes loads the taps of two channels.
 */
export const SUBGROUP_FORWARD_BLOCK = 16;
export const SUBGROUP_INPUT_GRAD_BLOCK = 16;
/**
 * Output channels per invocation of conv2d_weight_grad_subgroup.wgsl (KB there): one per lane of
 * llvmpipe's 8 that loads dy.
 */
export const SUBGROUP_BLOCK = 8;
/** ...and of their plain kernels, whose 4 channels are unrolled by hand (acc0..acc3 there). */
export const PLAIN_BLOCK = 4;
/** Output channels per invocation of conv2d_weight_grad_runs.wgsl (KB there). */
export const RUNS_CHANNEL_BLOCK = 16;
/** ...and the filter taps per run there (TB): 4 adjacent ky, the sums of one vec4 per channel. */
export const RUN_TAPS = 4;
/** Widest filter the subgroup weight-gradient kernel holds in registers (MAX_KW there). */
export const MAX_WEIGHT_GRAD_KW = 7;
/** Output tile edge of conv2d_tiled.wgsl (TILE there) and its reduction step (TK there). */
export const TILE = 64;
export const TILE_K = 16;
/**
 * The tiled weight gradient splits its reduction (N * OH * OW terms) into chunks until about this
 * many workgroups run: a few per multiprocessor of a large GPU. A guess, not measured.
 */
const TILED_WEIGHT_GRAD_GROUPS = 512;
/** ...but keeps at least this many terms per chunk, so summing the chunks stays a small extra pass. */
const TILED_MIN_CHUNK = 1024;

/** Override constants of conv2d_tiled.wgsl: the tap geometry (its workgroup is fixed at 16x16). */
function tileTaps(g: ConvGeometry): Record<string, number> {
  return { KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, DH: g.DH, DW: g.DW };
}

export function directForward(rt: Runtime, g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | null, kernels: ConvKernels): Tensor {
  const out = Tensor.empty([g.N, g.K, g.OH, g.OW], rt);
  if (kernels === 'tiled') {
    rt.run(TILED, {
      constants: { ...tileTaps(g), MODE: TiledMode.forward, HAS_BIAS: bias !== null },
      buffers: [w.binding(), x.binding(), (bias ?? w).binding(), out.binding()],
      params: params(g, 1, 0),
      workgroups: [Math.ceil((g.OH * g.OW) / TILE), Math.ceil(g.coutG / TILE), g.N * g.groups],
    });
    return out;
  }
  // Invocations: 4 output columns of one row of one image; blocks of output channels along z.
  const count = g.N * g.OH * Math.ceil(g.OW / 4);
  const blocks = Math.ceil(g.coutG / (kernels === 'subgroup' ? SUBGROUP_FORWARD_BLOCK : FORWARD_BLOCK));
  rt.run(kernels === 'subgroup' ? FORWARD_SUBGROUP : FORWARD, {
    constants: { ...taps(g), HAS_BIAS: bias !== null },
    // Without a bias the kernel never reads binding 3, but the layout needs a buffer there.
    buffers: [x.binding(), w.binding(), (bias ?? w).binding(), out.binding()],
    params: params(g, blocks, count),
    invocations: count,
    layers: g.groups * blocks,
  });
  return out;
}

export function directInputGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, w: Tensor, kernels: ConvKernels): Tensor {
  const dx = Tensor.empty([g.N, g.C, g.H, g.W], rt);
  if (kernels === 'tiled') {
    rt.run(TILED, {
      constants: { ...tileTaps(g), MODE: TiledMode.inputGrad },
      buffers: [w.binding(), dy.binding(), w.binding(), dx.binding()],
      params: params(g, 1, 0),
      workgroups: [Math.ceil((g.H * g.W) / TILE), Math.ceil(g.cinG / TILE), g.N * g.groups],
    });
    return dx;
  }
  const count = g.N * g.H * Math.ceil(g.W / 4);
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

export function directWeightGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor, kernels: ConvWeightGradKernel): Tensor {
  if (kernels === 'tiled') return weightGradTiled(rt, g, dy, x);
  if (kernels === 'runs') return weightGradRuns(rt, g, dy, x);
  // The subgroup kernel gives each invocation one filter row (c, ky) of 8 output channels; the plain
  // one 4 entries of 4 output channels.
  const entries = g.cinG * g.KH * g.KW;
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
  return sumChunks(part, [g.K, g.cinG, g.KH, g.KW]);
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
