// Elementwise ops: fill, unary functions, broadcasting binary arithmetic. Forward and backward side
// by side; PyTorch semantics (broadcasting as torch.broadcast_shapes; d/dx relu(0) = 0). Each op is
// a tape-free primitive (./primitives/elementwise.ts) plus its record on the tape; backward rules
// use the primitives alone.
import type { Runtime } from '../gpu/runtime.ts';
import { MEAN_OF_MAX_INPUTS, meanOfKernel } from '../kernels/elementwise.ts';
import { assertSameRuntime, sameShape, ShapeError, Tensor, type Shape } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { binary, full, unary } from './primitives/elementwise.ts';
import { sumToShape } from './primitives/reduce.ts';

export { broadcastShapes, full } from './primitives/elementwise.ts';

// ---- creation by fill ------------------------------------------------------------------------------

export const zeros = (shape: Shape, rt?: Runtime): Tensor => full(shape, 0, rt);
export const ones = (shape: Shape, rt?: Runtime): Tensor => full(shape, 1, rt);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, t.rt);
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, t.rt);

// ---- unary -----------------------------------------------------------------------------------------

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
