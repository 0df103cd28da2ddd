// One-dimensional launches: one invocation per element (or per vec4) of a range, folded into y when
// the range exceeds the per-dimension workgroup limit.
import { grid1d, type Runtime } from '../gpu/runtime.ts';
import type { KernelSource, OverrideConstants } from '../gpu/pipelines.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';

export const ELEMENTWISE_GROUP = 256;

/** Launches a kernel with one invocation per element of a 1-D range of `count`. */
export function launch1d(
  rt: Runtime,
  kernel: KernelSource,
  count: number,
  buffers: readonly BufferBinding[],
  params: ArrayLike<number>,
  constants: OverrideConstants = {},
): void {
  const [x, y] = grid1d(count, ELEMENTWISE_GROUP, rt.limits.maxComputeWorkgroupsPerDimension);
  rt.run(kernel, { constants: { WG: ELEMENTWISE_GROUP, ...constants }, buffers, params, workgroups: [x, y] });
}
