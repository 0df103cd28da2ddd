// Small helpers shared by op families: strides, dimension collapsing.
import type { Runtime } from '../gpu/runtime.ts';
import { MAX_BROADCAST_RANK } from '../kernels/elementwise.ts';
import { ShapeError, type Shape } from '../tensor/tensor.ts';

/** Kernels with per-dimension arrays in their uniform (binary, copy_strided) support this many dimensions. */
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

export function assertSameRuntime(op: string, ...tensors: { rt: Runtime }[]): Runtime {
  const rt = tensors[0].rt;
  if (tensors.some((t) => t.rt !== rt)) throw new Error(`${op}: tensors live on different GPU devices`);
  return rt;
}
