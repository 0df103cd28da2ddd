// Small helpers shared by op families: strides, dimension collapsing, 1-D launches.
import { grid1d, type Runtime } from '../gpu/runtime.ts';
import type { KernelSource, OverrideConstants } from '../gpu/pipelines.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';
import { ShapeError, type Shape } from '../tensor/tensor.ts';

export const ELEMENTWISE_GROUP = 256;
/** Kernels with per-dimension arrays in their uniform support this many dimensions. */
export const MAX_KERNEL_RANK = 8;

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

/** Pads a per-dimension list to the kernel's fixed array of MAX_KERNEL_RANK words. */
export function padDims(values: readonly number[]): number[] {
  const out = new Array<number>(MAX_KERNEL_RANK).fill(0);
  values.forEach((v, i) => (out[i] = v));
  return out;
}

/**
 * Launches a kernel with one invocation per element of a 1-D range, in groups of `constants.WG`
 * (default ELEMENTWISE_GROUP). The grid is sized by that same group: sizing it by the default while
 * the kernel ran in smaller groups left the rows past the first groups unprocessed (cross-entropy
 * and softmax saw only 64 rows of a batch of 128).
 */
export function launch1d(
  rt: Runtime,
  kernel: KernelSource,
  count: number,
  buffers: readonly BufferBinding[],
  params: ArrayLike<number>,
  constants: OverrideConstants = {},
): void {
  const group = typeof constants.WG === 'number' ? constants.WG : ELEMENTWISE_GROUP;
  const [x, y] = grid1d(count, group, rt.limits.maxComputeWorkgroupsPerDimension);
  rt.run(kernel, { constants: { ...constants, WG: group }, buffers, params, workgroups: [x, y] });
}

export function assertSameRuntime(op: string, ...tensors: { rt: Runtime }[]): Runtime {
  const rt = tensors[0].rt;
  if (tensors.some((t) => t.rt !== rt)) throw new Error(`${op}: tensors live on different GPU devices`);
  return rt;
}
