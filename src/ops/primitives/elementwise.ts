// Tape-free elementwise primitives on tensors: fill, the unary functions, broadcasting binary
// arithmetic. The differentiable ops (../elementwise.ts) are these plus a tape record; backward
// rules, optimisers and metrics call them directly, so that no op family has to import another's
// differentiable ops for its gradient. The kernels themselves are launched by src/kernels.
import { currentRuntime, type Runtime } from '../../gpu/runtime.ts';
import { binaryKernel, fillKernel, unaryKernel, type BinaryOp, type UnaryOp } from '../../kernels/elementwise.ts';
import { assertSameRuntime, sameShape, ShapeError, Tensor, type Shape } from '../../tensor/tensor.ts';
import { broadcastStrides, collapseDims } from './strides.ts';

/** A new tensor of `shape` holding `value` everywhere. */
export function full(shape: Shape, value: number, rt: Runtime = currentRuntime()): Tensor {
  const out = Tensor.empty(shape, rt);
  fillKernel(rt, out.binding(), out.size, value);
  return out;
}

/** op(x) elementwise (affine: alpha * x + beta; pow: x ^ alpha). */
export function unary(x: Tensor, op: keyof typeof UnaryOp, alpha = 0, beta = 0): Tensor {
  const out = Tensor.empty(x.shape, x.rt);
  unaryKernel(x.rt, x.binding(), out.binding(), x.size, op, alpha, beta);
  return out;
}

/** The shape a op b broadcasts to (torch.broadcast_shapes). */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast together`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** a op b with broadcasting; same shapes skip the kernel's index arithmetic. */
export function binary(a: Tensor, b: Tensor, op: keyof typeof BinaryOp): Tensor {
  const rt = assertSameRuntime(op, a, b);
  const outShape = broadcastShapes(a.shape, b.shape);
  const out = Tensor.empty(outShape, rt);
  if (sameShape(a.shape, b.shape)) {
    binaryKernel(rt, a.binding(), b.binding(), out.binding(), out.size, op);
    return out;
  }
  const dims = collapseDims(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
  binaryKernel(rt, a.binding(), b.binding(), out.binding(), out.size, op, {
    shape: dims.shape, aStrides: dims.strides[0], bStrides: dims.strides[1],
  });
  return out;
}
