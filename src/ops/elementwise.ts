// Elementwise ops: fill, unary functions, broadcasting binary arithmetic. Forward and backward side
// by side; PyTorch semantics (broadcasting as torch.broadcast_shapes; d/dx relu(0) = 0). The kernels
// themselves are launched by src/kernels/elementwise.ts.
import { currentRuntime, type Runtime } from '../gpu/runtime.ts';
import {
  binaryKernel, fillKernel, MEAN_OF_MAX_INPUTS, meanOfKernel, unaryKernel, type BinaryOp, type UnaryOp,
} from '../kernels/elementwise.ts';
import { sameShape, ShapeError, Tensor, type Shape } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { assertSameRuntime, collapseDims, contiguousStrides } from './launch.ts';
import { sumToShape } from './reduce.ts';

// ---- creation by fill ------------------------------------------------------------------------------

export function full(shape: Shape, value: number, rt: Runtime = currentRuntime()): Tensor {
  const out = Tensor.empty(shape, rt);
  fillKernel(rt, out.binding(), out.size, value);
  return out;
}

export const zeros = (shape: Shape, rt?: Runtime): Tensor => full(shape, 0, rt);
export const ones = (shape: Shape, rt?: Runtime): Tensor => full(shape, 1, rt);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, t.rt);
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, t.rt);

// ---- unary -----------------------------------------------------------------------------------------

function unary(x: Tensor, op: keyof typeof UnaryOp, alpha = 0, beta = 0): Tensor {
  const out = Tensor.empty(x.shape, x.rt);
  unaryKernel(x.rt, x.binding(), out.binding(), x.size, op, alpha, beta);
  return out;
}

// Backward rules run inside a tidy() scope under noGrad (see tensor/tape.ts): temporaries they
// create are freed automatically, only the returned gradients survive.

/** alpha * x + beta (scalar arithmetic, negation). */
export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  return recordOp(unary(x, 'affine', alpha, beta), 'affine', [x], [], (g) => [unary(g, 'affine', alpha)]);
}
export const neg = (x: Tensor): Tensor => affine(x, -1);
export const addScalar = (x: Tensor, s: number): Tensor => affine(x, 1, s);
export const mulScalar = (x: Tensor, s: number): Tensor => affine(x, s);

export function relu(x: Tensor): Tensor {
  return recordOp(unary(x, 'relu'), 'relu', [x], [x], (g, [xs]) => [binary(g, xs, 'maskPositive')]);
}

export function exp(x: Tensor): Tensor {
  const out = unary(x, 'exp');
  // d exp(x) = exp(x): keep the output instead of recomputing it.
  return recordOp(out, 'exp', [x], [out], (g, [y]) => [binary(g, y, 'mul')]);
}

export function log(x: Tensor): Tensor {
  return recordOp(unary(x, 'log'), 'log', [x], [x], (g, [xs]) => [binary(g, xs, 'div')]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unary(x, 'sqrt');
  // d sqrt(x) = 1 / (2 sqrt(x))
  return recordOp(out, 'sqrt', [x], [out], (g, [y]) => [binary(g, unary(y, 'affine', 2), 'div')]);
}

/** x ^ p for a constant exponent. */
export function powScalar(x: Tensor, p: number): Tensor {
  return recordOp(unary(x, 'pow', p), 'pow', [x], [x], (g, [xs]) => [
    binary(g, unary(unary(xs, 'pow', p - 1), 'affine', p), 'mul'),
  ]);
}

export function square(x: Tensor): Tensor {
  return recordOp(unary(x, 'square'), 'square', [x], [x], (g, [xs]) => [binary(g, unary(xs, 'affine', 2), 'mul')]);
}

/** |x|; the gradient at 0 is 0, as PyTorch's. */
export function abs(x: Tensor): Tensor {
  return recordOp(unary(x, 'abs'), 'abs', [x], [x], (g, [xs]) => [binary(g, unary(xs, 'sign'), 'mul')]);
}

export function sigmoid(x: Tensor): Tensor {
  const out = unary(x, 'sigmoid');
  // d sigmoid = y (1 - y)
  return recordOp(out, 'sigmoid', [x], [out], (g, [y]) => [
    binary(g, binary(y, unary(y, 'affine', -1, 1), 'mul'), 'mul'),
  ]);
}

export function tanh(x: Tensor): Tensor {
  const out = unary(x, 'tanh');
  // d tanh = 1 - y^2
  return recordOp(out, 'tanh', [x], [out], (g, [y]) => [binary(g, unary(unary(y, 'square'), 'affine', -1, 1), 'mul')]);
}

/** Ops without a gradient (masks, signs); use inside noGrad or on constants. */
export const sign = (x: Tensor): Tensor => unary(x, 'sign');
export const step = (x: Tensor): Tensor => unary(x, 'step');


// ---- binary with broadcasting ----------------------------------------------------------------------

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

/** Strides of `shape` read as `outShape` (right-aligned), 0 on broadcast dimensions. */
function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => (d < offset || shape[d - offset] === 1 ? 0 : own[d - offset]));
}

function binary(a: Tensor, b: Tensor, op: keyof typeof BinaryOp): Tensor {
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

export function add(a: Tensor, b: Tensor): Tensor {
  return recordOp(binary(a, b, 'add'), 'add', [a, b], [], (g) => [
    a.requiresGrad ? sumToShape(g, a.shape) : null,
    b.requiresGrad ? sumToShape(g, b.shape) : null,
  ]);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return recordOp(binary(a, b, 'sub'), 'sub', [a, b], [], (g) => [
    a.requiresGrad ? sumToShape(g, a.shape) : null,
    b.requiresGrad ? sumToShape(unary(g, 'affine', -1), b.shape) : null,
  ]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return recordOp(binary(a, b, 'mul'), 'mul', [a, b], [a, b], (g, [as, bs]) => [
    a.requiresGrad ? sumToShape(binary(g, bs, 'mul'), a.shape) : null,
    b.requiresGrad ? sumToShape(binary(g, as, 'mul'), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor): Tensor {
  return recordOp(binary(a, b, 'div'), 'div', [a, b], [a, b], (g, [as, bs]) => [
    a.requiresGrad ? sumToShape(binary(g, bs, 'div'), a.shape) : null,
    // d(a/b)/db = -a / b^2
    b.requiresGrad
      ? sumToShape(unary(binary(binary(g, as, 'mul'), unary(bs, 'square'), 'div'), 'affine', -1), b.shape)
      : null,
  ]);
}

/** Elementwise maximum. The gradient goes to the larger input; ties split it evenly (as PyTorch). */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return recordOp(binary(a, b, 'max'), 'maximum', [a, b], [a, b], (g, [as, bs]) => {
    // b's share: (sign(b - a) + 1) / 2 is 1 where b wins, 1/2 on a tie, 0 where a wins.
    const bShare = unary(unary(binary(bs, as, 'sub'), 'sign'), 'affine', 0.5, 0.5);
    const gb = binary(g, bShare, 'mul');
    return [
      a.requiresGrad ? sumToShape(binary(g, gb, 'sub'), a.shape) : null,
      b.requiresGrad ? sumToShape(gb, b.shape) : null,
    ];
  });
}

/**
 * The elementwise mean of same-shaped tensors, (x0 + x1 + ... ) / k summed left to right: the
 * normal cell's output. One pass forward (mean_of.wgsl) instead of k - 1 adds and a scale, with the
 * same values bit for bit; beyond the kernel's input slots, that chain. Backward hands every input
 * the one tensor g / k (the tape gives each its own alias), as the chain's scale did.
 */
export function meanOf(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new ShapeError('meanOf: no tensors');
  const rt = assertSameRuntime('meanOf', ...xs);
  for (const x of xs) {
    if (!sameShape(x.shape, xs[0].shape)) {
      throw new ShapeError(`meanOf: shapes [${xs[0].shape.join(', ')}] and [${x.shape.join(', ')}] differ`);
    }
  }
  const k = xs.length;
  if (k > MEAN_OF_MAX_INPUTS) {
    let sum = add(xs[0], xs[1]);
    for (let i = 2; i < k; i++) sum = add(sum, xs[i]);
    return mulScalar(sum, 1 / k);
  }
  const out = Tensor.empty(xs[0].shape, rt);
  meanOfKernel(rt, xs.map((x) => x.binding()), out.binding(), out.size);
  return recordOp(out, 'meanOf', xs, [], (g) => {
    const share = unary(g, 'affine', 1 / k);
    return xs.map((x) => (x.requiresGrad ? share : null));
  });
}

/** Raw broadcasting kernels for callers that manage gradients themselves (optimisers, metrics). */
export const kernels = {
  binary,
  unary,
};
