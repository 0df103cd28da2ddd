// 2-D convolution (torch.nn.functional.conv2d semantics: NCHW, weight [K, C/groups, KH, KW], stride,
// zero padding per side, dilation, groups), and conv2d(relu(x)) with the ReLU fused where it can
// ride along. This file chooses the path; each path keeps its forward and backward side by side:
//   - pointwise (1x1, stride 1, no padding, groups 1): matrix products (conv-pointwise.ts);
//   - depthwise (groups = C = K, up to 7x7): one filter per channel (conv-depthwise.ts);
//   - everything else: direct convolution kernels, or tiled implicit GEMMs on real GPUs
//     (conv-direct.ts).
// Within a path the kernel variant is chosen per adapter in kernel-choice.ts, and handed to the
// path here, so that every choice a call makes can be read in one function per pass.
import type { Runtime } from '../gpu/runtime.ts';
import { assertSameRuntime, type Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { depthwiseForward, depthwiseInputGrad, depthwiseWeightGrad } from './conv-depthwise.ts';
import { directForward, directInputGrad, directWeightGrad } from './conv-direct.ts';
import { geometry, isDepthwise, isPointwise, type Conv2dOptions, type ConvGeometry } from './conv-geometry.ts';
import { pointwiseForward, pointwiseInputGrad, pointwiseWeightGrad } from './conv-pointwise.ts';
import { relu } from './elementwise.ts';
import { convKernels, convWeightGradKernel, depthwiseColumnWalk, depthwiseInputGradWalk } from './kernel-choice.ts';
import { sumAxes } from './primitives/reduce.ts';

export type { Conv2dOptions, Pair, Padding } from './conv-geometry.ts';

function forward(rt: Runtime, g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  if (isPointwise(g)) return pointwiseForward(rt, g, x, w, bias);
  if (isDepthwise(g)) return depthwiseForward(rt, g, x, w, bias, depthwiseColumnWalk(rt.policy, g));
  return directForward(rt, g, x, w, bias, convKernels(rt.policy, g));
}

function inputGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, w: Tensor): Tensor {
  if (isPointwise(g)) return pointwiseInputGrad(rt, g, dy, w);
  if (isDepthwise(g)) return depthwiseInputGrad(rt, g, dy, w, depthwiseInputGradWalk(rt.policy, g));
  return directInputGrad(rt, g, dy, w, convKernels(rt.policy, g));
}

function weightGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor): Tensor {
  if (isPointwise(g)) return pointwiseWeightGrad(rt, g, dy, x);
  if (isDepthwise(g)) return depthwiseWeightGrad(rt, g, dy, x, depthwiseColumnWalk(rt.policy, g));
  return directWeightGrad(rt, g, dy, x, convWeightGradKernel(rt.policy, g));
}

/** d bias[k] = sum of dy over n, oy, ox. */
const biasGrad = (dy: Tensor): Tensor => sumAxes(dy, [0, 2, 3], false);

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
    bias?.requiresGrad ? biasGrad(dy) : null,
  ]);
}

/**
 * conv2d(relu(x), weight, bias, options), one pass less each way where the ReLU can ride along: for
 * depthwise convolutions that take the column walk (CPU adapters, row stride 1) the forward and the
 * weight gradient apply the ReLU as they load x, and the input gradient masks by x > 0 as it stores
 * (at stride 1; after the row-block kernel otherwise), so neither relu(x) nor its gradient is ever
 * written. Elsewhere it is relu then conv2d. Gradients as for that composition (d relu/dx = 0 at
 * x = 0, as PyTorch).
 */
export function reluConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const rt = bias ? assertSameRuntime('reluConv2d', x, weight, bias) : assertSameRuntime('reluConv2d', x, weight);
  const g = geometry(x, weight, bias, options);
  const walk = isDepthwise(g) ? depthwiseColumnWalk(rt.policy, g) : null;
  if (!walk) return conv2d(relu(x), weight, bias, options);
  const out = depthwiseForward(rt, g, x, weight, bias, walk, true);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordOp(out, 'reluConv2d', inputs, [x, weight], (dy, [xs, ws]) => [
    x.requiresGrad ? depthwiseInputGrad(rt, g, dy, ws, depthwiseInputGradWalk(rt.policy, g), xs) : null,
    weight.requiresGrad ? depthwiseWeightGrad(rt, g, dy, xs, walk, true) : null,
    bias?.requiresGrad ? biasGrad(dy) : null,
  ]);
}
