// One-dimensional launches: one invocation per element (or per vec4) of a range, folded into y when
// the range exceeds the per-dimension workgroup limit.
import { grid1d, type Runtime } from '../gpu/runtime.ts';
import type { KernelSource, OverrideConstants } from '../gpu/pipelines.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';

export const ELEMENTWISE_GROUP = 256;

/**
 * Launches a kernel with one invocation per element of a 1-D range of `count`, in groups of
 * `constants.WG` (default ELEMENTWISE_GROUP). The grid is sized by that same group: sizing it by the
 * default while the kernel ran in smaller groups left the rows past the first groups unprocessed
 * (cross-entropy and softmax, WG = 64, saw only 64 rows of a batch of 128).
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
