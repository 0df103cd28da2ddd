// Stride arithmetic for the strided kernels (binary.wgsl's broadcasting, copy_strided.wgsl): the
// row-major strides of a shape, the strides of an operand read under a broadcast shape, and the
// collapse of dimensions that every operand walks contiguously. Host numbers only.
import { MAX_BROADCAST_RANK } from '../../kernels/elementwise.ts';
import { ShapeError, type Shape } from '../../tensor/tensor.ts';

/** Kernels with per-dimension arrays in their uniform (binary, copy_strided) take this many dimensions. */
export const MAX_KERNEL_RANK = MAX_BROADCAST_RANK;

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Strides of `shape` read as `outShape` (right-aligned), 0 on broadcast dimensions. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => (d < offset || shape[d - offset] === 1 ? 0 : own[d - offset]));
}

/**
 * Merges neighbouring dimensions that every stride list walks contiguously, and drops size-1
 * dimensions, so kernels loop over as few dimensions as possible.
 */
export function collapseDims(shape: Shape, strideLists: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideLists.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable =
      last >= 0 && strideLists.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strideLists.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strideLists.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  if (outShape.length > MAX_KERNEL_RANK) {
    throw new ShapeError(`shape [${shape.join(', ')}] needs more than ${MAX_KERNEL_RANK} dimensions after collapsing`);
  }
  return { shape: outShape, strides: outStrides };
}
