// Shape ops: reshape (a view), expand, transpose/permute, slice and concat along an axis. All copies
// go through one strided-copy kernel (./primitives/copy.ts); each op's backward is another view or copy.
import { assertSameRuntime, shapeSize, ShapeError, Tensor, type Shape } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { broadcastTo, copyStrided } from './primitives/copy.ts';
import { full } from './primitives/elementwise.ts';
import { sumToShape } from './primitives/reduce.ts';
import { contiguousStrides } from './primitives/strides.ts';

function describe(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** The same elements under another shape (one dimension may be -1). Shares the buffer. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const wildcard = shape.indexOf(-1);
  const resolved = shape.map((d) => (d === -1 ? x.size / known : d));
  if ((wildcard >= 0 && !Number.isInteger(x.size / known)) || shapeSize(resolved) !== x.size) {
    throw new ShapeError(`cannot reshape ${describe(x.shape)} (${x.size} elements) to ${describe(shape)}`);
  }
  return recordOp(x.alias(resolved), 'reshape', [x], [], (g) => [g.alias(x.shape)]);
}

/** Broadcasts `x` to `shape` by copying (size-1 or missing leading dims are repeated). */
export function expand(x: Tensor, shape: Shape): Tensor {
  return recordOp(broadcastTo(x, shape), 'expand', [x], [], (g) => [sumToShape(g, x.shape)]);
}

/** Reorders dimensions: out.shape[i] = x.shape[order[i]] (torch.permute). */
export function permute(x: Tensor, order: readonly number[]): Tensor {
  if (order.length !== x.rank || [...order].sort((a, b) => a - b).some((d, i) => d !== i)) {
    throw new ShapeError(`permute: ${describe(order)} is not a permutation of the ${x.rank} dimensions of ${describe(x.shape)}`);
  }
  const shape = order.map((d) => x.shape[d]);
  const own = contiguousStrides(x.shape);
  const out = Tensor.empty(shape, x.rt);
  copyStrided(x, 0, order.map((d) => own[d]), out, 0, contiguousStrides(shape), shape);
  const inverse = order.map((_, i) => order.indexOf(i));
  return recordOp(out, 'permute', [x], [], (g) => [permute(g, inverse)]);
}

/** Swaps the two dimensions of a matrix (or the last two of any tensor). */
export function transpose(x: Tensor): Tensor {
  if (x.rank < 2) throw new ShapeError(`transpose needs at least 2 dimensions, got ${describe(x.shape)}`);
  const order = [...x.shape.keys()];
  [order[x.rank - 2], order[x.rank - 1]] = [order[x.rank - 1], order[x.rank - 2]];
  return permute(x, order);
}

function normaliseAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Elements start..end-1 along `axis` (Python's x[..., start:end, ...], no steps). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normaliseAxis(axis, x.rank);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= x.shape[a])) {
    throw new ShapeError(`slice [${start}, ${end}) is out of range for axis ${a} of size ${x.shape[a]}`);
  }
  const shape = x.shape.map((d, i) => (i === a ? end - start : d));
  const strides = contiguousStrides(x.shape);
  const out = Tensor.empty(shape, x.rt);
  copyStrided(x, start * strides[a], strides, out, 0, contiguousStrides(shape), shape);
  return recordOp(out, 'slice', [x], [], (g) => {
    const whole = full(x.shape, 0, x.rt);
    copyStrided(g, 0, contiguousStrides(shape), whole, start * strides[a], strides, shape);
    return [whole];
  });
}

/** Joins tensors along `axis`; all other dimensions must agree (torch.cat). */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new ShapeError('concat needs at least one tensor');
  const rt = assertSameRuntime('concat', ...xs);
  const a = normaliseAxis(axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat along axis ${a}: ${describe(t.shape)} does not match ${describe(xs[0].shape)}`);
    }
  }
  const shape = xs[0].shape.map((d, i) => (i === a ? xs.reduce((s, t) => s + t.shape[a], 0) : d));
  const outStrides = contiguousStrides(shape);
  const out = Tensor.empty(shape, rt);
  const starts: number[] = [];
  let at = 0;
  for (const t of xs) {
    starts.push(at);
    copyStrided(t, 0, contiguousStrides(t.shape), out, at * outStrides[a], outStrides, t.shape);
    at += t.shape[a];
  }
  return recordOp(out, 'concat', xs, [], (g) =>
    xs.map((t, i) => (t.requiresGrad ? slice(g, a, starts[i], starts[i] + t.shape[a]) : null)),
  );
}
