// Sum and mean over axes (PyTorch's torch.sum / torch.mean with dim and keepdim): the tape-free
// reductions of ./primitives/reduce.ts recorded on the tape. Their backward is a broadcast by copy.
import type { Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { broadcastTo } from './primitives/copy.ts';
import { unary } from './primitives/elementwise.ts';
import { normaliseAxes, sumAxes } from './primitives/reduce.ts';

export { sumToShape } from './primitives/reduce.ts';

export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const dims = normaliseAxes(axes, x.rank);
  const out = sumAxes(x, dims, keepdim);
  const keptShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  return recordOp(out, 'sum', [x], [], (g) => [broadcastTo(g.alias(keptShape), x.shape)]);
}

export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const dims = normaliseAxes(axes, x.rank);
  const count = dims.reduce((p, d) => p * x.shape[d], 1);
  const out = sumAxes(x, dims, keepdim, 1 / count);
  const keptShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  return recordOp(out, 'mean', [x], [], (g) => [unary(broadcastTo(g.alias(keptShape), x.shape), 'affine', 1 / count)]);
}
