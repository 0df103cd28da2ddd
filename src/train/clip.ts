// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_(params, max_norm): the norm
// of all gradients together, norm = sqrt(sum of every squared gradient value), and the factor
// scale = min(1, max_norm / (norm + 1e-6)) that the SGD kernel applies to every gradient. Both stay
// on the GPU (shaders/grad_sumsq.wgsl, shaders/clip_scale.wgsl): no readback, one dispatch per
// parameter plus one. The sum of squares is added per chunk then over chunks, instead of PyTorch's
// norm of per-tensor norms: the same number up to f32 rounding.
import sumsqWgsl from '../../shaders/grad_sumsq.wgsl';
import clipWgsl from '../../shaders/clip_scale.wgsl';
import { packUniform } from '../gpu/uniforms.ts';
import { Tensor } from '../tensor/tensor.ts';
import { TrainConfigError } from './errors.ts';

const GRAD_SUMSQ = { name: 'grad_sumsq', code: sumsqWgsl };
const CLIP_SCALE = { name: 'clip_scale', code: clipWgsl };
/** Gradient values summed by one invocation of the first pass. */
const CHUNK = 512;
/** grad_sumsq.wgsl: a gradient of n values in chunks of `chunk`, its partial sums written from `offset` on. */
export const GRAD_SUMSQ_PARAMS = ['n', 'chunk', 'offset'] as const;
/** clip_scale.wgsl: `count` partial sums, the norm to clip to. */
export const CLIP_SCALE_PARAMS = ['count', 'max_norm:f32'] as const;

/**
 * Records the global gradient norm of `params` (those that have a gradient) and the clipping
 * factor for `maxNorm`. Returns a [2] tensor [norm, scale] for Sgd.step's gradScale; the caller
 * disposes it. Records GPU work and does not wait.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new TrainConfigError(`the gradient clipping norm must be a finite number > 0, got ${maxNorm}`);
  const withGrad = params.filter((p) => p.grad !== null && p.size > 0);
  if (withGrad.length === 0) throw new TrainConfigError('clipGradNorm: no parameter has a gradient (call backward() first)');
  const rt = withGrad[0].rt;
  const chunks = withGrad.map((p) => Math.max(1, Math.ceil(p.size / CHUNK)));
  const total = chunks.reduce((a, b) => a + b, 0);
  const partial = Tensor.empty([total], rt);
  let offset = 0;
  withGrad.forEach((p, i) => {
    rt.run(GRAD_SUMSQ, {
      buffers: [p.grad!.binding(), partial.binding()],
      params: packUniform(GRAD_SUMSQ_PARAMS, { n: p.size, chunk: CHUNK, offset }),
      invocations: chunks[i],
    });
    offset += chunks[i];
  });
  const out = Tensor.empty([2], rt);
  const clipParams = packUniform(CLIP_SCALE_PARAMS, { count: total, max_norm: maxNorm });
  rt.run(CLIP_SCALE, { buffers: [partial.binding(), out.binding()], params: clipParams, workgroups: [1] });
  partial.dispose();
  return out;
}
