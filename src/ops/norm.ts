// Batch normalisation over NCHW tensors, PyTorch's torch.nn.functional.batch_norm semantics:
// training mode normalises with the batch mean and biased variance and moves the running statistics
// (in place) towards the batch mean and unbiased variance by `momentum`; eval mode normalises with the
// running statistics. In training, forward and backward are three fused kernels each: per-plane
// partial sums, a per-channel merge into coefficients, and one elementwise pass (see
// shaders/batchnorm_*.wgsl). Eval mode is one pass forward (batchnorm_eval.wgsl, which works out the
// coefficients itself), and one pass backward when no parameter gradient is wanted
// (batchnorm_eval_grad.wgsl).
import statsWgsl from '../../shaders/batchnorm_stats.wgsl';
import channelWgsl from '../../shaders/batchnorm_channel.wgsl';
import applyWgsl from '../../shaders/batchnorm_apply.wgsl';
import gradStatsWgsl from '../../shaders/batchnorm_grad_stats.wgsl';
import gradChannelWgsl from '../../shaders/batchnorm_grad_channel.wgsl';
import evalWgsl from '../../shaders/batchnorm_eval.wgsl';
import evalGradWgsl from '../../shaders/batchnorm_eval_grad.wgsl';
import type { Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';
import { assertSameRuntime, ShapeError, Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';

const BN_STATS = { name: 'batchnorm_stats', code: statsWgsl };
const BN_CHANNEL = { name: 'batchnorm_channel', code: channelWgsl };
const BN_APPLY = { name: 'batchnorm_apply', code: applyWgsl };
const BN_GRAD_STATS = { name: 'batchnorm_grad_stats', code: gradStatsWgsl };
const BN_GRAD_CHANNEL = { name: 'batchnorm_grad_channel', code: gradChannelWgsl };
const BN_EVAL = { name: 'batchnorm_eval', code: evalWgsl };
const BN_EVAL_GRAD = { name: 'batchnorm_eval_grad', code: evalGradWgsl };
/** Per-plane and per-channel kernels have few invocations: small groups keep all threads busy. */
const SMALL_GROUP = 64;

// The uniforms (struct Params of each batchnorm_*.wgsl): channels C, batch N, plane size hw = H * W,
// planes = N * C.
/** batchnorm_apply.wgsl and batchnorm_eval_grad.wgsl: one pass over the planes with per-channel coefficients. */
export const BN_PLANE_PARAMS = ['C', 'hw'] as const;
/** batchnorm_eval.wgsl: the same pass, its coefficients worked out from the running statistics. */
export const BN_EVAL_PARAMS = ['C', 'hw', 'eps:f32'] as const;
/** batchnorm_stats.wgsl: per-plane partial sums. */
export const BN_STATS_PARAMS = ['planes', 'hw'] as const;
/** batchnorm_grad_stats.wgsl: the backward's per-plane partial sums. */
export const BN_GRAD_STATS_PARAMS = ['planes', 'hw', 'C'] as const;
/** batchnorm_channel.wgsl: the per-channel merge, the running-statistics update and the coefficients. */
export const BN_CHANNEL_PARAMS = ['C', 'N', 'hw', 'momentum:f32', 'eps:f32'] as const;
/** batchnorm_grad_channel.wgsl: the backward's per-channel merge. */
export const BN_GRAD_CHANNEL_PARAMS = ['C', 'N', 'hw'] as const;

export interface BatchNormOptions {
  /** Batch statistics (and a running-statistics update) when true; running statistics when false. */
  training: boolean;
  /** Weight of the new batch statistic in the running average (PyTorch's default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (PyTorch's default 1e-5). */
  eps?: number;
  /**
   * relu(batch_norm(x)) in the same passes: the ReLU applied as the output is written, its gradient
   * (0 where the output is 0) as the backward reads grad_out. Default false.
   */
  relu?: boolean;
}

function describe(t: Tensor | null): string {
  return t ? `[${t.shape.join(', ')}]` : 'null';
}

function checkArgs(x: Tensor, channelTensors: (Tensor | null)[], options: BatchNormOptions): void {
  if (x.rank !== 4) throw new ShapeError(`batchNorm2d takes an NCHW tensor (rank 4), got shape [${x.shape.join(', ')}]`);
  const C = x.shape[1];
  for (const t of channelTensors) {
    if (t && (t.rank !== 1 || t.shape[0] !== C)) {
      throw new ShapeError(`batchNorm2d: per-channel tensors must have shape [${C}], got ${describe(t)}`);
    }
  }
  if (options.training && x.shape[0] * x.shape[2] * x.shape[3] < 2) {
    throw new ShapeError(`batchNorm2d: training needs more than one value per channel, got input [${x.shape.join(', ')}]`);
  }
}

/** Elements (or vec4s) per invocation of batchnorm_apply: fewer, fatter invocations for llvmpipe. */
const APPLY_PER = 4;

/** The (chunks of a plane, C, N) grid of batchnorm_apply and batchnorm_eval(_grad). */
function planeGrid(hw: number, C: number, N: number): [number, number, number] {
  const len = hw % 4 === 0 ? hw / 4 : hw;
  return [Math.ceil(len / (SMALL_GROUP * APPLY_PER)), C, N];
}

/**
 * out = A u + B (v - M) + D per channel (see batchnorm_apply.wgsl); clamped at 0 with `relu`, u taken
 * only where mask > 0 when a mask is given.
 */
function applyCoefficients(
  rt: Runtime, u: Tensor | null, v: Tensor, coef: Tensor, hw: number, relu = false, mask: Tensor | null = null,
): Tensor {
  const [N, C] = v.shape;
  const out = Tensor.empty(v.shape, rt);
  const vec4 = hw % 4 === 0;
  const uu = u ?? v;
  const m = mask ?? v;
  rt.run(BN_APPLY, {
    constants: { WG: SMALL_GROUP, PER: APPLY_PER, VEC4: vec4, U_INPUT: u !== null, RELU: relu, MASK: mask !== null },
    buffers: [uu.binding(), v.binding(), uu.binding(), v.binding(), coef.binding(), out.binding(), m.binding(), m.binding()],
    params: packUniform(BN_PLANE_PARAMS, { C, hw }),
    workgroups: planeGrid(hw, C, N),
  });
  return out;
}

/**
 * torch.nn.functional.batch_norm(x, runningMean, runningVar, weight, bias, training, momentum, eps)
 * for NCHW input. In training mode the running statistics (when given) are updated in place:
 * running_mean = (1 - m) running_mean + m batch_mean, running_var likewise with the unbiased batch
 * variance. Eval mode needs both running tensors. weight and bias may be null (affine=False); when
 * one is given both must be. Gradients flow to x, weight and bias; never to the running statistics.
 */
export function batchNorm2d(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNormOptions,
): Tensor {
  checkArgs(x, [runningMean, runningVar, weight, bias], options);
  if ((weight === null) !== (bias === null)) throw new ShapeError('batchNorm2d: give both weight and bias, or neither');
  if ((runningMean === null) !== (runningVar === null)) throw new ShapeError('batchNorm2d: give both running statistics, or neither');
  if (!options.training && !runningMean) throw new ShapeError('batchNorm2d: eval mode needs the running mean and variance');
  const rt = assertSameRuntime('batchNorm2d', x, ...[runningMean, runningVar, weight, bias].filter((t): t is Tensor => t !== null));
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const [N, C, H, W] = x.shape;
  const hw = H * W;
  const planes = N * C;
  const affine = weight !== null;
  const training = options.training;

  // Bindings that a specialisation never touches still have to be bound: x stands in for read-only
  // ones, a 16-byte scratch tensor for the writable running statistics.
  const scratch: Tensor[] = [];
  const stand = (t: Tensor | null): BufferBinding => t?.binding() ?? x.binding();
  const writable = (t: Tensor | null): BufferBinding => {
    if (t) return t.binding();
    const s = Tensor.empty([4], rt);
    scratch.push(s);
    return s.binding();
  };

  const partial = training ? Tensor.empty([planes * 2], rt) : null;
  if (partial) {
    rt.run(BN_STATS, {
      constants: { WG: SMALL_GROUP, VEC4: hw % 4 === 0 },
      buffers: [x.binding(), x.binding(), partial.binding()],
      params: packUniform(BN_STATS_PARAMS, { planes, hw }),
      invocations: planes,
    });
  }
  const stats = Tensor.empty([C * 2], rt);
  const relu = options.relu ?? false;
  let out: Tensor;
  if (training) {
    const coef = Tensor.empty([C * 4], rt);
    rt.run(BN_CHANNEL, {
      constants: { WG: SMALL_GROUP, TRAIN: true, UPDATE_RUNNING: runningMean !== null, AFFINE: affine },
      buffers: [stand(partial), stand(weight), stand(bias), writable(runningMean), writable(runningVar), stats.binding(), coef.binding()],
      params: packUniform(BN_CHANNEL_PARAMS, { C, N, hw, momentum, eps }),
      workgroups: [Math.ceil(C / SMALL_GROUP)],
    });
    out = applyCoefficients(rt, null, x, coef, hw, relu);
    coef.dispose();
  } else {
    // Eval mode: one pass that also writes the statistics (batchnorm_eval.wgsl).
    out = Tensor.empty(x.shape, rt);
    rt.run(BN_EVAL, {
      constants: { WG: SMALL_GROUP, PER: APPLY_PER, VEC4: hw % 4 === 0, AFFINE: affine, RELU: relu },
      buffers: [x.binding(), x.binding(), runningMean!.binding(), runningVar!.binding(), stand(weight), stand(bias), stats.binding(), out.binding()],
      params: packUniform(BN_EVAL_PARAMS, { C, hw, eps }),
      workgroups: planeGrid(hw, C, N),
    });
  }
  partial?.dispose();
  for (const s of scratch) s.dispose();

  // With the ReLU the backward masks grad_out by the output (> 0 exactly where the ReLU passed).
  // (Saved only then: otherwise the output's buffer would live until backward for nothing.)
  const saved = [x, stats, ...(weight ? [weight] : []), ...(relu ? [out] : [])];
  recordOp(out, relu ? 'batchNorm2dRelu' : 'batchNorm2d', weight && bias ? [x, weight, bias] : [x], saved, (grad, kept) => {
    const [xs, st] = kept;
    const ws = weight ? kept[2] : undefined;
    const mask = relu ? kept[kept.length - 1] : null;
    if (!training && !weight?.requiresGrad && !bias?.requiresGrad) {
      // Eval mode with constant statistics and no parameter gradient wanted (a frozen network, as
      // jacob_cov scores it): dx = grad * w / sqrt(var + eps), one pass.
      if (!x.requiresGrad) return affine ? [null, null, null] : [null];
      const gx = Tensor.empty(grad.shape, rt);
      rt.run(BN_EVAL_GRAD, {
        constants: { WG: SMALL_GROUP, PER: APPLY_PER, VEC4: hw % 4 === 0, AFFINE: affine, MASK: relu },
        buffers: [grad.binding(), grad.binding(), st.binding(), (ws ?? xs).binding(), (mask ?? xs).binding(), (mask ?? xs).binding(), gx.binding()],
        params: packUniform(BN_PLANE_PARAMS, { C, hw }),
        workgroups: planeGrid(hw, C, N),
      });
      return affine ? [gx, null, null] : [gx];
    }
    const gradPartial = Tensor.empty([planes * 2], rt);
    rt.run(BN_GRAD_STATS, {
      constants: { WG: SMALL_GROUP, VEC4: hw % 4 === 0, MASK: relu },
      buffers: [
        grad.binding(), xs.binding(), grad.binding(), xs.binding(), st.binding(), gradPartial.binding(),
        (mask ?? xs).binding(), (mask ?? xs).binding(),
      ],
      params: packUniform(BN_GRAD_STATS_PARAMS, { planes, hw, C }),
      invocations: planes,
    });
    const gw = Tensor.empty([C], rt);
    const gb = Tensor.empty([C], rt);
    const gcoef = Tensor.empty([C * 4], rt);
    rt.run(BN_GRAD_CHANNEL, {
      constants: { WG: SMALL_GROUP, TRAIN: training, AFFINE: affine },
      buffers: [gradPartial.binding(), st.binding(), (ws ?? xs).binding(), gw.binding(), gb.binding(), gcoef.binding()],
      params: packUniform(BN_GRAD_CHANNEL_PARAMS, { C, N, hw }),
      workgroups: [Math.ceil(C / SMALL_GROUP)],
    });
    const gx = x.requiresGrad ? applyCoefficients(rt, grad, xs, gcoef, hw, false, mask) : null;
    // Unreturned temporaries (partials, coefficients, unused gradients) are freed by the tidy()
    // scope that backward rules run in.
    return affine ? [gx, weight!.requiresGrad ? gw : null, bias!.requiresGrad ? gb : null] : [gx];
  });
  stats.dispose(); // the tape keeps its own alias when it needs one
  return out;
}
