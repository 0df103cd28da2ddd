// The kernel-choice policy: the facts about the adapter that decide which kernel variant an op
// launches, in one immutable object per Runtime (like TF.js's program keys, kept in one place).
// The choices themselves, read off this object, are all in src/ops/kernel-choice.ts. Tests and
// benchmarks change the policy only for the length of a call, through Runtime.withPolicy.
import type { AdapterSummary } from './device.ts';

/**
 * 'cpu' for software adapters (llvmpipe: register blocking, no barriers, loads shared by subgroup
 * shuffles), 'gpu' for real GPUs (workgroup-memory tiling).
 */
export type KernelProfile = 'cpu' | 'gpu';

/** The matmul kernels (shaders/matmul_*.wgsl). */
export type MatmulKernel = 'subgroup' | 'bt-subgroup' | 'strided-subgroup' | 'rows' | 'tiled';
/**
 * The matmul kernels that take any operand layout, and so can be forced for every product
 * ('subgroup' and 'bt-subgroup' need particular layouts; they are reached by the normal choice).
 */
export type AnyLayoutMatmulKernel = 'strided-subgroup' | 'rows' | 'tiled';

export interface KernelPolicy {
  readonly profile: KernelProfile;
  /** Kernels may use subgroups of at least this many lanes (0: the device has no subgroups). */
  readonly subgroupLanes: number;
  /** Every matmul uses this kernel (null: chosen per adapter and layout). For tests and benchmarks. */
  readonly forceMatmul: AnyLayoutMatmulKernel | null;
}

/** The policy an adapter gets by default. */
export function adapterPolicy(adapter: AdapterSummary, hasSubgroups: boolean): KernelPolicy {
  return {
    profile: adapter.isCpu ? 'cpu' : 'gpu',
    subgroupLanes: hasSubgroups ? adapter.subgroupMinSize : 0,
    forceMatmul: null,
  };
}
