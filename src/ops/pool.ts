// 2-D pooling over NCHW tensors with PyTorch's semantics: max_pool2d (dilation 1), avg_pool2d
// (count_include_pad configurable, default true), both with ceil_mode false; and global average
// pooling. Forward and backward side by side. Backward kernels gather (each input element sums the
// windows that contain it), so no atomics are needed and every element is written exactly once.
import poolWgsl from '../../shaders/pool2d.wgsl';
import poolGradWgsl from '../../shaders/pool2d_grad.wgsl';
import poolGradRowsWgsl from '../../shaders/pool2d_grad_rows.wgsl';
import poolMaxAtWgsl from '../../shaders/pool2d_max_at.wgsl';
import type { Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import type { OverrideConstants } from '../gpu/pipelines.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';
import { isGradEnabled } from '../tensor/scope.ts';
import { ShapeError, Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { poolGatherKernel } from './kernel-choice.ts';
import {
  heldCols, heldRows, MAX_PENDING_ROWS, POOL_AT_PARAMS, poolGeometry, poolParams, type Pair, type Pool2dOptions, type PoolGeometry,
} from './pool-geometry.ts';
import { mean } from './reduce.ts';

export type { Pool2dOptions } from './pool-geometry.ts';

// Max and average share each kernel, the reduction chosen by the MAX override constant.
const POOL = { name: 'pool2d', code: poolWgsl };
const POOL_GRAD = { name: 'pool2d_grad', code: poolGradWgsl };
const POOL_GRAD_ROWS = { name: 'pool2d_grad_rows', code: poolGradRowsWgsl };
const POOL_MAX_AT = { name: 'pool2d_max_at', code: poolMaxAtWgsl };
/** The fallback gathers do a strip of 8 input columns per invocation (measured faster than 4; 16
 * compiles slower for little gain in noisy runs). 64 invocations per workgroup keep llvmpipe's 8
 * lanes and both cores busy. */
const STRIP = 8;
const GROUP = 64;

/**
 * Forward: one invocation per 4 output columns of each plane, walking down the rows (see
 * pool2d.wgsl). The window and stride specialise the pipeline (a handful in the search space) so
 * the loops unroll. Buffers: x, out, argmax (a stand-in for average pooling).
 */
function launchForward(rt: Runtime, g: PoolGeometry, buffers: readonly BufferBinding[], constants: OverrideConstants): void {
  const pending = heldRows(g);
  if (pending > MAX_PENDING_ROWS) {
    throw new RangeError(`pooling: a ${g.kh}-row window with stride ${g.sh} overlaps ${pending} output rows; at most ${MAX_PENDING_ROWS} are supported`);
  }
  const strips = Math.ceil(g.Wo / 4);
  const total = g.N * g.C * strips;
  rt.run(POOL, {
    constants: { WG: GROUP, KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw, NACC: pending, ...constants },
    buffers,
    params: poolParams(g, strips, total),
    invocations: total,
  });
}

/**
 * Backward gathers (poolGatherKernel in kernel-choice.ts). On a CPU adapter pool2d_grad_rows (4
 * input columns per invocation, walking down the rows, each output loaded once per strip) serves
 * every window whose reach fits its registers: all of the search space's. Wider windows fall back to
 * pool2d_grad with STRIP columns of one row per invocation (every window re-read per element). A real
 * GPU gets pool2d_grad with one element per invocation: it wants many threads more than few loads.
 * Buffers: grad_out, argmax (a stand-in for average pooling), grad_in.
 */
function launchGather(rt: Runtime, g: PoolGeometry, buffers: readonly BufferBinding[], constants: OverrideConstants): void {
  const shape = { WG: GROUP, KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw };
  const kernel = poolGatherKernel(rt.policy, g);
  if (kernel === 'rows') {
    const strips = Math.ceil(g.W / 4);
    const total = g.N * g.C * strips;
    rt.run(POOL_GRAD_ROWS, {
      constants: { ...shape, NACC: heldRows(g), NCOL: heldCols(g), ...constants },
      buffers,
      params: poolParams(g, strips, total),
      invocations: total,
    });
    return;
  }
  const strip = kernel === 'strips' ? STRIP : 1;
  const strips = Math.ceil(g.W / strip);
  const total = g.N * g.C * g.H * strips;
  rt.run(POOL_GRAD, {
    constants: { ...shape, STRIP: strip, ...constants },
    buffers,
    params: poolParams(g, strips, total),
    invocations: total,
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
  const g = poolGeometry('maxPool2d', x, kernelSize, options);
  const rt = x.rt;
  const out = Tensor.empty([g.N, g.C, g.Ho, g.Wo], rt);
  // Plane-local u32 indices (bit patterns, never read as floats); a 16-byte stand-in otherwise,
  // because the binding exists in the pipeline either way.
  const argmax = Tensor.empty(keepArgmax ? out.shape : [4], rt);
  launchForward(rt, g, [x.binding(), out.binding(), argmax.binding()], { MAX: true, SAVE_ARGMAX: keepArgmax });
  recordMaxPoolGrad(out, x, argmax, g);
  return { out, argmax };
}

/** The max pool's backward: each input element gets the gradients of the windows whose argmax it is. */
function recordMaxPoolGrad(out: Tensor, x: Tensor, argmax: Tensor, g: PoolGeometry): void {
  const rt = x.rt;
  recordOp(out, 'maxPool2d', [x], [argmax], (grad, [idx]) => {
    const gin = Tensor.empty(x.shape, rt);
    launchGather(rt, g, [grad.binding(), idx.binding(), gin.binding()], { MAX: true });
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
  const g = poolGeometry('maxPool2dAt', x, kernelSize, options);
  if (argmax.size !== g.N * g.C * g.Ho * g.Wo) {
    throw new ShapeError(`maxPool2dAt: argmax has ${argmax.size} entries, the pool gives [${g.N}, ${g.C}, ${g.Ho}, ${g.Wo}]`);
  }
  const rt = x.rt;
  const out = Tensor.empty([g.N, g.C, g.Ho, g.Wo], rt);
  const total = out.size;
  rt.run(POOL_MAX_AT, {
    constants: { WG: 256 },
    buffers: [x.binding(), argmax.binding(), out.binding()],
    params: packUniform(POOL_AT_PARAMS, { plane_in: g.H * g.W, plane_out: g.Ho * g.Wo, total }),
    invocations: total,
  });
  recordMaxPoolGrad(out, x, argmax, g);
  return out;
}

/**
 * torch.nn.functional.avg_pool2d(x, kernelSize, stride, padding, ceil_mode=false,
 * count_include_pad=options.countIncludePad ?? true).
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  const g = poolGeometry('avgPool2d', x, kernelSize, options);
  const rt = x.rt;
  const out = Tensor.empty([g.N, g.C, g.Ho, g.Wo], rt);
  const constants = { MAX: false, COUNT_PAD: options.countIncludePad ?? true };
  // The kernels' argmax binding is unused here, but must be bound: a 16-byte stand-in.
  const standIn = Tensor.empty([4], rt);
  launchForward(rt, g, [x.binding(), out.binding(), standIn.binding()], constants);
  standIn.dispose();
  return recordOp(out, 'avgPool2d', [x], [], (grad) => {
    const gin = Tensor.empty(x.shape, rt);
    const unused = Tensor.empty([4], rt);
    launchGather(rt, g, [grad.binding(), unused.binding(), gin.binding()], constants);
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
