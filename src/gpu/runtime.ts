// A Runtime ties one GPUDevice to its pipeline cache, buffer pool and scheduler. Ops launch kernels
// through `run`, the single dispatch path. A process-wide default runtime serves code that does
// not pass one explicitly (set by the Node/Deno edge or by `useRuntime`).
import { BufferPool } from './buffers.ts';
import type { AdapterSummary } from './device.ts';
import { GpuError, GpuLimitError } from './errors.ts';
import { PipelineCache, type KernelSource, type OverrideConstants } from './pipelines.ts';
import { adapterPolicy, type KernelPolicy } from './policy.ts';
import { Scheduler, type BufferBinding } from './scheduler.ts';

interface LaunchBindings {
  /** Override constants that specialise the kernel (workgroup size, op selector, tile shape). */
  constants?: OverrideConstants;
  /** Storage buffers, bound at @binding(1), @binding(2), ... in this order. */
  buffers: readonly BufferBinding[];
  /** The u32 words of the uniform at @binding(0), as packUniform (uniforms.ts) writes them. */
  params?: ArrayLike<number>;
}

/** A launch over a workgroup grid the op worked out itself (tiles, planes, channels). */
export interface GridLaunch extends LaunchBindings {
  workgroups: readonly [number, number?, number?];
}

/**
 * A launch over a 1-D range: one invocation per item of `invocations`, in workgroups of the
 * kernel's `WG` override (constants.WG, else ELEMENTWISE_GROUP; the kernel gets it either way, so
 * the grid and the kernel cannot disagree on the group). Past the per-dimension limit the groups
 * fold into y: kernels rebuild the index as gid.x + gid.y * (nwg.x * WG). `layers` repeats the
 * range along z (blocks of channels, say).
 */
export interface RangeLaunch extends LaunchBindings {
  invocations: number;
  layers?: number;
}

export type KernelLaunch = GridLaunch | RangeLaunch;

/** The workgroup size of range launches whose kernel names none. */
export const ELEMENTWISE_GROUP = 256;

export class Runtime {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly scheduler: Scheduler;
  readonly limits: GPUSupportedLimits;
  private currentPolicy: KernelPolicy;

  constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: AdapterSummary,
    /**
     * The GPU object the device came from. Held for the runtime's lifetime because Dawn frees its
     * instance when the JS object is collected, and a live device then crashes the process
     * (InstanceBase::ProcessEvents on freed memory, seen during slow first shader compiles).
     */
    readonly gpu?: GPU,
  ) {
    this.limits = device.limits;
    this.currentPolicy = adapterPolicy(adapterInfo, device.features.has('subgroups'));
    this.scheduler = new Scheduler(device);
    this.pipelines = new PipelineCache(device, (p) => this.scheduler.watch(p));
    this.pool = new BufferPool(device, Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize));
    // Bind groups may name pooled buffers: forget them before the pool destroys any.
    this.pool.onTrim = () => this.scheduler.bindGroups.clear();
  }

  /** What decides which kernel variants ops launch on this runtime (see src/ops/kernel-choice.ts). */
  get policy(): KernelPolicy {
    return this.currentPolicy;
  }

  /**
   * Runs `fn` with parts of the kernel policy replaced (a forced kernel, another profile, no
   * subgroups), and puts the previous policy back when `fn` returns or, if it returns a promise,
   * when that settles. For tests and benchmarks that compare kernels on one device. The override
   * holds for everything recorded on this runtime meanwhile, so overlapping async calls would see
   * each other's: run them one after another.
   */
  withPolicy<T>(overrides: Partial<KernelPolicy>, fn: () => T): T {
    const previous = this.currentPolicy;
    this.currentPolicy = { ...previous, ...overrides };
    const restore = (): void => {
      this.currentPolicy = previous;
    };
    let result: T;
    try {
      result = fn();
    } catch (e) {
      restore();
      throw e;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  }

  /**
   * The single dispatch path: fetch (or compile) the pipeline and record one dispatch, over the
   * grid given or, for a range launch, the grid folded from it here (the one place that does).
   */
  run(kernel: KernelSource, launch: KernelLaunch): void {
    const maxGroups = this.limits.maxComputeWorkgroupsPerDimension;
    let constants = launch.constants;
    let workgroups: readonly [number, number?, number?];
    if ('invocations' in launch) {
      const group = typeof constants?.WG === 'number' ? constants.WG : ELEMENTWISE_GROUP;
      constants = { ...constants, WG: group };
      workgroups = [...foldRange(launch.invocations, group, maxGroups), launch.layers ?? 1];
    } else {
      workgroups = launch.workgroups;
    }
    for (const n of workgroups) {
      if (n !== undefined && n > maxGroups) {
        throw new GpuLimitError(`kernel '${kernel.name}': ${n} workgroups exceed the limit of ${maxGroups} per dimension`);
      }
    }
    if (workgroups.some((n) => n === 0)) return; // empty tensor: nothing to do
    const pipeline = this.pipelines.get(kernel, constants);
    this.scheduler.dispatch(pipeline, kernel.name, launch.buffers, launch.params, workgroups);
  }

  /** Waits for all submitted work and throws any GPU error that occurred. */
  sync(): Promise<void> {
    return this.scheduler.sync();
  }

  destroy(): void {
    this.pool.trim();
    this.device.destroy();
  }
}

let defaultRuntime: Runtime | null = null;

/** Makes `rt` the runtime used when none is passed explicitly. */
export function useRuntime(rt: Runtime | null): void {
  defaultRuntime = rt;
}

export function currentRuntime(): Runtime {
  if (!defaultRuntime) {
    throw new GpuError(
      'No GPU runtime: call `await initNode()` (Node) or `await initWithGpu(navigator.gpu)` (Deno, browsers) first.',
    );
  }
  return defaultRuntime;
}

/**
 * The (x, y) workgroups of a range of `count` invocations in groups of `groupSize`, kept within the
 * per-dimension limit by folding into y (see RangeLaunch).
 */
export function foldRange(count: number, groupSize: number, maxPerDim: number): [number, number] {
  const groups = Math.ceil(count / groupSize);
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
