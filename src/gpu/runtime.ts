// A Runtime ties one GPUDevice to its pipeline cache, buffer pool and scheduler. Ops launch kernels
// through `run`, the single dispatch path. A process-wide default runtime serves code that does
// not pass one explicitly (set by the Node/Deno edge or by `useRuntime`).
import { BufferPool } from './buffers.ts';
import type { AdapterSummary } from './device.ts';
import { GpuError, GpuLimitError } from './errors.ts';
import { PipelineCache, type KernelSource, type OverrideConstants } from './pipelines.ts';
import { adapterPolicy, type KernelPolicy } from './policy.ts';
import { Scheduler, type BufferBinding } from './scheduler.ts';

export interface KernelLaunch {
  /** Override constants that specialise the kernel (workgroup size, op selector, tile shape). */
  constants?: OverrideConstants;
  /** Storage buffers, bound at @binding(1), @binding(2), ... in this order. */
  buffers: readonly BufferBinding[];
  /** u32 words for the uniform at @binding(0) (floats via `f32Bits`). */
  params?: ArrayLike<number>;
  workgroups: readonly [number, number?, number?];
}

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

  /** The single dispatch path: fetch (or compile) the pipeline and record one dispatch. */
  run(kernel: KernelSource, launch: KernelLaunch): void {
    const maxGroups = this.limits.maxComputeWorkgroupsPerDimension;
    for (const n of launch.workgroups) {
      if (n !== undefined && n > maxGroups) {
        throw new GpuLimitError(`kernel '${kernel.name}': ${n} workgroups exceed the limit of ${maxGroups} per dimension`);
      }
    }
    if (launch.workgroups.some((n) => n === 0)) return; // empty tensor: nothing to do
    const pipeline = this.pipelines.get(kernel, launch.constants);
    this.scheduler.dispatch(pipeline, kernel.name, launch.buffers, launch.params, launch.workgroups);
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

/** The bit pattern of an f32, for passing floats in a u32 uniform word. */
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
export function f32Bits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0];
}

/** Workgroup grid for a 1-D range of `count` invocations in groups of `groupSize`, kept within the
 * per-dimension limit by folding into y. Kernels rebuild the index as gid.x + gid.y * (nwg.x * size). */
export function grid1d(count: number, groupSize: number, maxPerDim = 65535): [number, number] {
  const groups = Math.ceil(count / groupSize);
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
