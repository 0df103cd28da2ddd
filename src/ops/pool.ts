// 2-D pooling over NCHW tensors with PyTorch's semantics: max_pool2d (dilation 1), avg_pool2d
// (count_include_pad configurable, default true), both with ceil_mode false; and global average
// pooling. Forward and backward side by side. Backward kernels gather (each input element sums the
// windows that contain it), so no atomics are needed and every element is written exactly once.
import poolMaxWgsl from '../../shaders/pool2d_max.wgsl';
import poolMaxGradWgsl from '../../shaders/pool2d_max_grad.wgsl';
import poolAvgWgsl from '../../shaders/pool2d_avg.wgsl';
import poolAvgGradWgsl from '../../shaders/pool2d_avg_grad.wgsl';
import poolMaxGradRowsWgsl from '../../shaders/pool2d_max_grad_rows.wgsl';
import poolAvgGradRowsWgsl from '../../shaders/pool2d_avg_grad_rows.wgsl';
import poolMaxAtWgsl from '../../shaders/pool2d_max_at.wgsl';
import { grid1d, type Runtime } from '../gpu/runtime.ts';
import type { KernelSource, OverrideConstants } from '../gpu/pipelines.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';
import { isGradEnabled } from '../tensor/scope.ts';
import { recordOp, ShapeError, Tensor } from '../tensor/tensor.ts';
import { mean } from './reduce.ts';

const POOL_MAX = { name: 'pool2d_max', code: poolMaxWgsl };
const POOL_MAX_GRAD = { name: 'pool2d_max_grad', code: poolMaxGradWgsl };
const POOL_AVG = { name: 'pool2d_avg', code: poolAvgWgsl };
const POOL_AVG_GRAD = { name: 'pool2d_avg_grad', code: poolAvgGradWgsl };
const POOL_MAX_GRAD_ROWS = { name: 'pool2d_max_grad_rows', code: poolMaxGradRowsWgsl };
const POOL_AVG_GRAD_ROWS = { name: 'pool2d_avg_grad_rows', code: poolAvgGradRowsWgsl };
const POOL_MAX_AT = { name: 'pool2d_max_at', code: poolMaxAtWgsl };
/** The fallback gathers do a strip of 8 input columns per invocation (measured faster than 4; 16
 * compiles slower for little gain in noisy runs). 64 invocations per workgroup keep llvmpipe's 8
 * lanes and both cores busy. */
const STRIP = 8;
const GROUP = 64;

export type Pair = number | readonly [number, number];

export interface Pool2dOptions {
  /** Step between windows; defaults to the window size (as PyTorch). */
  stride?: Pair;
  /** Implicit padding on each side; at most half the window (PyTorch's rule). Default 0. */
  padding?: Pair;
  /** avgPool2d only: count padded positions in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
}

/** The resolved geometry of one pooling call. */
interface PoolGeometry {
  N: number; C: number; H: number; W: number; Ho: number; Wo: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function geometry(op: string, x: Tensor, kernelSize: Pair, options: Pool2dOptions): PoolGeometry {
  if (x.rank !== 4) throw new ShapeError(`${op} takes an NCHW tensor (rank 4), got shape [${x.shape.join(', ')}]`);
  const [N, C, H, W] = x.shape;
  const [kh, kw] = pair(kernelSize);
  const [sh, sw] = pair(options.stride ?? kernelSize);
  const [ph, pw] = pair(options.padding ?? 0);
  const positive = [kh, kw, sh, sw].every((v) => Number.isInteger(v) && v >= 1);
  if (!positive || ![ph, pw].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new RangeError(`${op}: window ${kh}x${kw} and stride ${sh}x${sw} must be positive integers, padding ${ph}x${pw} non-negative`);
  }
  if (2 * ph > kh || 2 * pw > kw) {
    throw new RangeError(`${op}: padding ${ph}x${pw} is more than half the window ${kh}x${kw} (PyTorch's limit)`);
  }
  if (kh > H + 2 * ph || kw > W + 2 * pw) {
    throw new ShapeError(`${op}: window ${kh}x${kw} is larger than the padded input ${H + 2 * ph}x${W + 2 * pw}`);
  }
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  return { N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw };
}

/** Output rows pending at once in the forward walk (pool2d_max.wgsl): its register budget. */
const MAX_PENDING_ROWS = 8;

/**
 * Forward: one invocation per 4 output columns of each plane, walking down the rows (see
 * pool2d_max.wgsl). The window and stride specialise the pipeline (a handful in the search space) so
 * the loops unroll.
 */
function launchForward(
  rt: Runtime, kernel: KernelSource, g: PoolGeometry,
  buffers: readonly BufferBinding[], constants: OverrideConstants = {},
): void {
  const pending = Math.ceil(g.kh / g.sh);
  if (pending > MAX_PENDING_ROWS) {
    throw new RangeError(`pooling: a ${g.kh}-row window with stride ${g.sh} overlaps ${pending} output rows; at most ${MAX_PENDING_ROWS} are supported`);
  }
  const strips = Math.ceil(g.Wo / 4);
  const total = g.N * g.C * strips;
  rt.run(kernel, {
    constants: { WG: GROUP, KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw, NACC: pending, ...constants },
    buffers,
    params: [g.H, g.W, g.Ho, g.Wo, g.ph, g.pw, strips, total],
    workgroups: grid1d(total, GROUP, rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

/** The register budget of the *_grad_rows kernels: output rows and columns held per strip. */
const MAX_HELD_ROWS = 8;
const MAX_HELD_COLS = 8;

/**
 * Backward gathers. On a CPU adapter the *_grad_rows kernels (4 input columns per invocation, walking
 * down the rows, each output loaded once per strip) serve every window whose reach fits their
 * registers: all of the search space's. Wider windows fall back to the plain gathers (STRIP columns
 * of one row per invocation, every window re-read per element). A real GPU gets the plain gathers
 * with one element per invocation: it wants many threads more than few loads.
 */
function launchGather(
  rt: Runtime, kernels: { rows: KernelSource; plain: KernelSource }, g: PoolGeometry,
  buffers: readonly BufferBinding[], constants: OverrideConstants = {},
): void {
  const heldRows = Math.ceil(g.kh / g.sh);
  // Output columns whose windows reach 4 consecutive input columns.
  const heldCols = Math.floor((g.kw + 2) / g.sw) + 1;
  const params = (strips: number, total: number) => [g.H, g.W, g.Ho, g.Wo, g.ph, g.pw, strips, total];
  const shape = { WG: GROUP, KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw };
  const cpu = rt.kernelProfile === 'cpu';
  if (cpu && heldRows <= MAX_HELD_ROWS && heldCols <= MAX_HELD_COLS) {
    const strips = Math.ceil(g.W / 4);
    const total = g.N * g.C * strips;
    rt.run(kernels.rows, {
      constants: { ...shape, NACC: heldRows, NCOL: heldCols, ...constants },
      buffers,
      params: params(strips, total),
      workgroups: grid1d(total, GROUP, rt.limits.maxComputeWorkgroupsPerDimension),
    });
    return;
  }
  const strip = cpu ? STRIP : 1;
  const strips = Math.ceil(g.W / strip);
  const total = g.N * g.C * g.H * strips;
  rt.run(kernels.plain, {
    constants: { ...shape, STRIP: strip, ...constants },
    buffers,
    params: params(strips, total),
    workgroups: grid1d(total, GROUP, rt.limits.maxComputeWorkgroupsPerDimension),
  });
}

/**
 * torch.nn.functional.max_pool2d(x, kernelSize, stride, padding) with dilation 1, ceil_mode false.
 * The gradient goes to each window's maximum, the first in row-major order on ties.
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  // The argmax is only worth writing when a backward pass will read it.
  const { out, argmax } = maxPoolWithArgmax(x, kernelSize, options, x.requiresGrad && isGradEnabled());
  argmax.dispose(); // the tape holds its own alias when it needs one
  return out;
}

function maxPoolWithArgmax(x: Tensor, kernelSize: Pair, options: Pool2dOptions, keepArgmax: boolean): { out: Tensor; argmax: Tensor } {
  const g = geometry('maxPool2d', x, kernelSize, options);
  const rt = x.rt;
  const out = Tensor.empty([g.N, g.C, g.Ho, g.Wo], rt);
  // Plane-local u32 indices (bit patterns, never read as floats); a 16-byte stand-in otherwise,
  // because the binding exists in the pipeline either way.
  const argmax = Tensor.empty(keepArgmax ? out.shape : [4], rt);
  launchForward(rt, POOL_MAX, g, [x.binding(), out.binding(), argmax.binding()], { SAVE_ARGMAX: keepArgmax });
  recordMaxPoolGrad(out, x, argmax, g);
  return { out, argmax };
}

/** The max pool's backward: each input element gets the gradients of the windows whose argmax it is. */
function recordMaxPoolGrad(out: Tensor, x: Tensor, argmax: Tensor, g: PoolGeometry): void {
  const rt = x.rt;
  recordOp(out, 'maxPool2d', [x], [argmax], (grad, [idx]) => {
    const gin = Tensor.empty(x.shape, rt);
    launchGather(rt, { rows: POOL_MAX_GRAD_ROWS, plain: POOL_MAX_GRAD }, g, [grad.binding(), idx.binding(), gin.binding()]);
    return [gin];
  });
}

/**
 * maxPool2d that also returns where each maximum is: `argmax` holds plane-local indices h * W + w as
 * u32 bit patterns (not floats; pass it to maxPool2dAt only, and dispose it).
 */
export function maxPool2dWithArgmax(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): { out: Tensor; argmax: Tensor } {
  return maxPoolWithArgmax(x, kernelSize, options, true);
}

/**
 * A max pool's choice replayed on another input of the same shape: out = x at the positions an
 * earlier maxPool2dWithArgmax chose, and the gradient goes back to those positions. It is the
 * max pool with its selection held fixed, as PyTorch's double backward treats it (grasp's finite
 * differences need the base point's choices at the perturbed points).
 */
export function maxPool2dAt(x: Tensor, argmax: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  const g = geometry('maxPool2dAt', x, kernelSize, options);
  if (argmax.size !== g.N * g.C * g.Ho * g.Wo) {
    throw new ShapeError(`maxPool2dAt: argmax has ${argmax.size} entries, the pool gives [${g.N}, ${g.C}, ${g.Ho}, ${g.Wo}]`);
  }
  const rt = x.rt;
  const out = Tensor.empty([g.N, g.C, g.Ho, g.Wo], rt);
  const total = out.size;
  rt.run(POOL_MAX_AT, {
    constants: { WG: 256 },
    buffers: [x.binding(), argmax.binding(), out.binding()],
    params: [g.H * g.W, g.Ho * g.Wo, total],
    workgroups: grid1d(total, 256, rt.limits.maxComputeWorkgroupsPerDimension),
  });
  recordMaxPoolGrad(out, x, argmax, g);
  return out;
}

/**
 * torch.nn.functional.avg_pool2d(x, kernelSize, stride, padding, ceil_mode=false,
 * count_include_pad=options.countIncludePad ?? true).
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  const g = geometry('avgPool2d', x, kernelSize, options);
  const rt = x.rt;
  const out = Tensor.empty([g.N, g.C, g.Ho, g.Wo], rt);
  const constants = { COUNT_PAD: options.countIncludePad ?? true };
  launchForward(rt, POOL_AVG, g, [x.binding(), out.binding()], constants);
  return recordOp(out, 'avgPool2d', [x], [], (grad) => {
    const gin = Tensor.empty(x.shape, rt);
    launchGather(rt, { rows: POOL_AVG_GRAD_ROWS, plain: POOL_AVG_GRAD }, g, [grad.binding(), gin.binding()], constants);
    return [gin];
  });
}

/**
 * Global average pooling: [N, C, H, W] -> [N, C] (nn.AdaptiveAvgPool2d(1) followed by flatten).
 * Composed from mean, whose reduction kernel already gives one invocation per (n, c) plane and whose
 * backward is the broadcast of grad / (H * W).
 */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.rank !== 4) throw new ShapeError(`globalAvgPool2d takes an NCHW tensor (rank 4), got shape [${x.shape.join(', ')}]`);
  return mean(x, [2, 3]);
}
