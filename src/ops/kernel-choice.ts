// Every choice of kernel variant, in one place, read off the runtime's policy (src/gpu/policy.ts):
// which matmul kernel a product gets, which convolution kernels a geometry gets, which pooling
// gather. The ops call these and launch what they return; tests see the same answers.
//
// The rules, in short. On llvmpipe (the 'cpu' profile) a workgroup runs 8 lanes in SIMD, every
// per-lane load is a gather (even from an address all lanes share), barriers are expensive and
// fixed-count loops stay in registers: kernels own strips of outputs per lane, share loads by
// subgroup shuffles where the device has subgroups, and avoid workgroup memory. On a real GPU (the
// 'gpu' profile) the opposite holds: tiles staged through workgroup memory, many small threads.
import { GpuError } from '../gpu/errors.ts';
import type { KernelPolicy, MatmulKernel } from '../gpu/policy.ts';
import { columnWalk, depthwiseInputGradGeometry, type ColumnWalk, type TransposedWalk } from './conv-depthwise.ts';
import { MAX_WEIGHT_GRAD_KW } from './conv-direct.ts';
import { MAX_TAPS, type ConvGeometry } from './conv-geometry.ts';
import { heldCols, heldRows, MAX_HELD_COLS, MAX_HELD_ROWS, type PoolGeometry } from './pool-geometry.ts';

/** The subgroup kernels exchange values between 8 lanes. */
const SUBGROUP_LANES = 8;

const hasSubgroups = (p: KernelPolicy): boolean => p.subgroupLanes >= SUBGROUP_LANES;

/** Where element (i, j) of a matmul operand lives: batch * batchStride + i * s0 + j * s1. */
export interface OperandStrides {
  s0: number;
  s1: number;
  batchStride: number;
}

/** The kernel for a product whose B operand has layout `b` and N columns. */
export function matmulKernel(p: KernelPolicy, b: OperandStrides, N: number): MatmulKernel {
  const forced = p.forceMatmul;
  if (forced) {
    if (forced === 'strided-subgroup' && !hasSubgroups(p)) {
      throw new GpuError(`matmul kernel '${forced}' was forced, but the device has no subgroups of ${SUBGROUP_LANES}+ lanes`);
    }
    return forced;
  }
  if (p.profile === 'gpu') return 'tiled';
  if (!hasSubgroups(p)) return 'rows';
  if (b.s1 === 1 && b.s0 % 4 === 0 && N % 4 === 0 && b.batchStride % 4 === 0) return 'subgroup';
  // B transposed (the 1x1-conv weight gradient): matmul_bt_subgroup gives each lane one column, the
  // strided kernel four, so below 32 columns (16-channel layers) the strided one idles half its
  // lanes and bt wins (784 x 16: 1.7-2.0 vs 2.1-3.0 ms over 64 images); from 32 columns on the strided
  // one loads fewer elements per multiply-add and wins (x 32: 3.3-4.3 vs 5.7-8.1; x 128: 48-54 vs 70-77).
  if (b.s0 === 1 && b.s1 % 4 === 0 && b.batchStride % 4 === 0 && N < 4 * SUBGROUP_LANES) return 'bt-subgroup';
  return 'strided-subgroup';
}

/**
 * The kernel for a product whose columns come in blocks (matmulInto's ColumnBlocks), or null when
 * none of the kernels this device runs reads blocks: only the CPU subgroup kernels do, the vec4 one
 * when blocks keep vec4s whole.
 */
export function blockedMatmulKernel(
  p: KernelPolicy, b: OperandStrides, blocks: { columns: number; bStride: number },
): 'subgroup' | 'strided-subgroup' | null {
  if (p.profile !== 'cpu' || !hasSubgroups(p) || (p.forceMatmul && p.forceMatmul !== 'strided-subgroup')) return null;
  const vec4 = b.s1 === 1 && b.s0 % 4 === 0 && blocks.columns % 4 === 0 && blocks.bStride % 4 === 0 && b.batchStride % 4 === 0;
  return vec4 && !p.forceMatmul ? 'subgroup' : 'strided-subgroup';
}

/**
 * The general convolution path (neither pointwise nor depthwise): tiled implicit-GEMM kernels on
 * real GPUs; on CPU adapters the direct kernels, their subgroup variants where the device has
 * subgroups and the filter fits their registers.
 */
export type ConvKernels = 'tiled' | 'subgroup' | 'direct';

export function convKernels(p: KernelPolicy, g: ConvGeometry): ConvKernels {
  if (p.profile === 'gpu') return 'tiled';
  return hasSubgroups(p) && g.KH * g.KW <= MAX_TAPS ? 'subgroup' : 'direct';
}

/**
 * The general weight gradient: where convKernels gives 'subgroup', filters one tap wide (7x1) take
 * conv2d_weight_grad_runs ('runs': runs of taps down the filter; 2x faster there, level on 3x3 and
 * 1x7), the rest conv2d_weight_grad_subgroup, which holds one filter row per lane: up to
 * MAX_WEIGHT_GRAD_KW wide ('direct' beyond).
 */
export type ConvWeightGradKernel = ConvKernels | 'runs';

export function convWeightGradKernel(p: KernelPolicy, g: ConvGeometry): ConvWeightGradKernel {
  const k = convKernels(p, g);
  if (k !== 'subgroup') return k;
  if (g.KW === 1 && g.KH > 1) return 'runs';
  return g.KW > MAX_WEIGHT_GRAD_KW ? 'direct' : k;
}

/**
 * The depthwise forward's column walk (conv2d_depthwise_columns.wgsl) on CPU adapters where it
 * applies (row stride 1, see columnWalk), else null: conv2d_depthwise.wgsl. Measured on lavapipe
 * only, so real GPUs keep the row-block kernel.
 */
export function depthwiseColumnWalk(p: KernelPolicy, g: ConvGeometry): ColumnWalk | null {
  return p.profile === 'cpu' ? columnWalk(g) : null;
}

/**
 * The depthwise input gradient as the column walk's forward of dy with the rotated filter (strides
 * 1 on CPU adapters), or null: conv2d_depthwise_input_grad.wgsl.
 */
export function depthwiseInputGradWalk(p: KernelPolicy, g: ConvGeometry): TransposedWalk | null {
  const geometry = p.profile === 'cpu' ? depthwiseInputGradGeometry(g) : null;
  const walk = geometry && columnWalk(geometry);
  return walk ? { geometry: geometry!, walk } : null;
}

/**
 * The pooling backward gather: 'rows' walks down the rows of 4 input columns holding the windows'
 * outputs in registers (CPU adapters, windows within its register budget: all of the search
 * space's); 'strips' re-reads the windows for each of a strip of 8 input columns (CPU adapters,
 * wider windows); 'elements' is one input element per invocation (real GPUs want many threads more
 * than few loads).
 */
export type PoolGatherKernel = 'rows' | 'strips' | 'elements';

export function poolGatherKernel(p: KernelPolicy, g: PoolGeometry): PoolGatherKernel {
  if (p.profile === 'gpu') return 'elements';
  return heldRows(g) <= MAX_HELD_ROWS && heldCols(g) <= MAX_HELD_COLS ? 'rows' : 'strips';
}
