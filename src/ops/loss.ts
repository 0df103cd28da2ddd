// Losses and probabilities, PyTorch semantics: cross_entropy (mean over the batch, integer labels),
// binary_cross_entropy_with_logits (mean over all elements) and softmax over the last axis. The
// losses are fused kernels in their numerically stable forms (shaders/softmax_xent*.wgsl,
// shaders/bce_logits*.wgsl); the batch mean reuses the reduction kernel.
import xentWgsl from '../../shaders/softmax_xent.wgsl';
import xentGradWgsl from '../../shaders/softmax_xent_grad.wgsl';
import softmaxWgsl from '../../shaders/softmax.wgsl';
import bceWgsl from '../../shaders/bce_logits.wgsl';
import bceGradWgsl from '../../shaders/bce_logits_grad.wgsl';
import { packUniform } from '../gpu/uniforms.ts';
import { tensor } from '../tensor/create.ts';
import { sameShape, ShapeError, Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { mul } from './elementwise.ts';
import { binary, unary } from './primitives/elementwise.ts';
import { mean, sum } from './reduce.ts';

const XENT = { name: 'softmax_xent', code: xentWgsl };
const XENT_GRAD = { name: 'softmax_xent_grad', code: xentGradWgsl };
const SOFTMAX = { name: 'softmax', code: softmaxWgsl };
const BCE = { name: 'bce_logits', code: bceWgsl };
const BCE_GRAD = { name: 'bce_logits_grad', code: bceGradWgsl };
/** Row kernels have one invocation per sample: small groups spread a batch of 64 over the cores. */
const ROW_GROUP = 64;
/** softmax_xent.wgsl: B rows of K logits, one invocation a row. */
export const XENT_PARAMS = ['B', 'K'] as const;
/** softmax_xent_grad.wgsl: n = B * K logits, rows of K, the upstream gradient times `scale` (1 / B). */
export const XENT_GRAD_PARAMS = ['n', 'K', 'scale:f32'] as const;
/** softmax.wgsl: `rows` rows of K, one invocation a row. */
export const SOFTMAX_PARAMS = ['rows', 'K'] as const;
/** bce_logits.wgsl: n elements. */
export const BCE_PARAMS = ['n'] as const;
/** bce_logits_grad.wgsl: n elements, the upstream gradient times `scale` (1 / n). */
export const BCE_GRAD_PARAMS = ['n', 'scale:f32'] as const;

/**
 * torch.nn.functional.cross_entropy(logits, labels) with reduction 'mean': the mean over the batch
 * of logsumexp(logits[i]) - logits[i, labels[i]]. `logits` is [B, K]; `labels` are B class indices
 * in [0, K) on the host (an Int32Array as the data loader yields, or plain numbers); they are
 * checked here and uploaded (B values). Returns a scalar tensor; the gradient flows to the logits.
 */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[]): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy takes [batch, classes] logits, got shape [${logits.shape.join(', ')}]`);
  const [B, K] = logits.shape;
  if (labels.length !== B) throw new ShapeError(`crossEntropy: ${labels.length} labels for a batch of ${B}`);
  if (B === 0 || K === 0) throw new ShapeError(`crossEntropy: empty logits [${B}, ${K}]`);
  for (let i = 0; i < B; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= K) throw new RangeError(`crossEntropy: label ${l} at index ${i} is not a class in [0, ${K})`);
  }
  const rt = logits.rt;
  const labelT = tensor(Float32Array.from(labels), [B], rt);
  const rowLoss = Tensor.empty([B], rt);
  const lse = Tensor.empty([B, 2], rt); // per row (max, log sum exp(x - max))
  rt.run(XENT, {
    constants: { WG: ROW_GROUP },
    buffers: [logits.binding(), labelT.binding(), rowLoss.binding(), lse.binding()],
    params: packUniform(XENT_PARAMS, { B, K }),
    invocations: B,
  });
  // rowLoss is off the tape, so this mean records nothing; the op below is the one recorded.
  const out = mean(rowLoss);
  rowLoss.dispose();
  recordOp(out, 'crossEntropy', [logits], [logits, labelT, lse], (g, [x, lab, l]) => {
    const dx = Tensor.empty(x.shape, rt);
    rt.run(XENT_GRAD, {
      buffers: [x.binding(), lab.binding(), l.binding(), g.binding(), dx.binding()],
      params: packUniform(XENT_GRAD_PARAMS, { n: B * K, K, scale: 1 / B }),
      invocations: B * K,
    });
    return [dx];
  });
  labelT.dispose();
  lse.dispose();
  return out;
}

/**
 * torch.nn.functional.binary_cross_entropy_with_logits(logits, targets) with reduction 'mean' (over
 * every element), for multi-label tasks. `targets` has the logits' shape: a tensor, or host values
 * (the multi-hot Float32Array the data loader yields). Gradients flow to the logits, and to a target
 * tensor that requires grad (d/dy = -x / n, as PyTorch).
 */
export function bceWithLogits(logits: Tensor, targets: Tensor | Float32Array): Tensor {
  const rt = logits.rt;
  const y = targets instanceof Float32Array ? tensor(targets, logits.shape, rt) : targets;
  if (!sameShape(y.shape, logits.shape)) {
    throw new ShapeError(`bceWithLogits: targets [${y.shape.join(', ')}] do not match logits [${logits.shape.join(', ')}]`);
  }
  const n = logits.size;
  if (n === 0) throw new ShapeError('bceWithLogits: empty logits');
  const elementLoss = Tensor.empty(logits.shape, rt);
  rt.run(BCE, { buffers: [logits.binding(), y.binding(), elementLoss.binding()], params: packUniform(BCE_PARAMS, { n }), invocations: n });
  const out = mean(elementLoss);
  elementLoss.dispose();
  recordOp(out, 'bceWithLogits', [logits, y], [logits, y], (g, [x, ys]) => {
    let dx: Tensor | null = null;
    if (logits.requiresGrad) {
      dx = Tensor.empty(x.shape, rt);
      rt.run(BCE_GRAD, {
        buffers: [x.binding(), ys.binding(), g.binding(), dx.binding()],
        params: packUniform(BCE_GRAD_PARAMS, { n, scale: 1 / n }),
        invocations: n,
      });
    }
    const dy = y.requiresGrad ? unary(binary(x, g, 'mul'), 'affine', -1 / n) : null;
    return [dx, dy];
  });
  if (y !== targets) y.dispose();
  return out;
}

/**
 * Softmax along the last axis (torch.softmax(x, -1)): probabilities for any [..., K] tensor.
 * Backward composes existing ops: dx = y * (g - sum(g * y, -1)).
 */
export function softmax(x: Tensor): Tensor {
  if (x.rank < 1) throw new ShapeError('softmax needs at least one dimension');
  const K = x.shape[x.rank - 1];
  const rows = K === 0 ? 0 : x.size / K;
  const out = Tensor.empty(x.shape, x.rt);
  x.rt.run(SOFTMAX, {
    constants: { WG: ROW_GROUP },
    buffers: [x.binding(), out.binding()],
    params: packUniform(SOFTMAX_PARAMS, { rows, K }),
    invocations: rows,
  });
  return recordOp(out, 'softmax', [x], [out], (g, [y]) => {
    const dot = sum(mul(g, y), x.rank - 1, true);
    return [mul(y, binary(g, dot, 'sub'))];
  });
}
