// The pointwise path of conv2d (1x1, stride 1, no padding, groups 1): matrix products over the
// channels, forward, input gradient and weight gradient side by side, on the matmul kernels
// (src/ops/matmul.ts), which read the operands through strides: no copy, no transpose.
//   forward        Y[n] = W (K x C) . X[n] (C x HW), then the bias (conv2d_bias_add.wgsl)
//   input grad     dX[n] = W^T (C x K) . dY[n] (K x HW)
//   weight grad    dW = sum over n of dY[n] (K x HW) . X[n]^T (HW x C)
import biasAddWgsl from '../../shaders/conv2d_bias_add.wgsl';
import type { Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { sumChunks, type ConvGeometry } from './conv-geometry.ts';
import { blockedMatmulKernel } from './kernel-choice.ts';
import { matmulInto, rowMajor, transposed, type MatrixLayout } from './matmul.ts';

const BIAS_ADD = { name: 'conv2d_bias_add', code: biasAddWgsl };
/** conv2d_bias_add.wgsl: out[n, k, :] += bias[k] over `count` elements, K channels of `plane` pixels. */
export const BIAS_ADD_PARAMS = ['count', 'K', 'plane'] as const;

/**
 * out[n] = A (rows x inner) . src[n] (inner x hw) for every image n: one product over the whole
 * batch, its columns (image, pixel) in blocks of hw, where the device's kernels read column blocks
 * (2-4x fewer idle lanes than one product per image on 7x7 maps); per image otherwise.
 */
function productPerImage(
  rt: Runtime, a: MatrixLayout, src: Tensor, rows: number, inner: number, N: number, hw: number, shape: readonly number[],
): Tensor {
  const b = rowMajor(src, inner, hw, false);
  const blocks = { columns: hw, bStride: inner * hw, cStride: rows * hw };
  if (blockedMatmulKernel(rt.policy, b, blocks)) return matmulInto(rt, a, b, rows, N * hw, inner, 1, shape, blocks);
  return matmulInto(rt, a, rowMajor(src, inner, hw, true), rows, hw, inner, N, shape);
}

export function pointwiseForward(rt: Runtime, g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const hw = g.H * g.W;
  const out = productPerImage(rt, rowMajor(w, g.K, g.C, false), x, g.K, g.C, g.N, hw, [g.N, g.K, g.OH, g.OW]);
  if (bias) {
    const params = packUniform(BIAS_ADD_PARAMS, { count: out.size, K: g.K, plane: hw });
    rt.run(BIAS_ADD, { buffers: [bias.binding(), out.binding()], params, invocations: out.size });
  }
  return out;
}

export function pointwiseInputGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, w: Tensor): Tensor {
  return productPerImage(rt, transposed(w, g.C, g.K, false), dy, g.C, g.K, g.N, g.H * g.W, [g.N, g.C, g.H, g.W]);
}

export function pointwiseWeightGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor): Tensor {
  const hw = g.H * g.W;
  const perImage = matmulInto(rt, rowMajor(dy, g.K, hw, true), transposed(x, hw, g.C, true), g.K, g.C, hw, g.N, [g.N, g.K, g.C]);
  return sumChunks(perImage, [g.K, g.cinG, g.KH, g.KW]);
}
