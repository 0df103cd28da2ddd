// The one place that records GPU work. Dispatches go into a single open compute pass of a single
// command encoder and are submitted in batches: on a readback, an upload over pending work, a full
// uniform arena, or every MAX_DISPATCHES_PER_BATCH dispatches. Nothing here waits on the queue except
// an explicit sync() or read(): under Deno every queue wait costs ~11 ms.
import { BUFFER_USAGE, sizeClassBytes } from './buffers.ts';
import { GpuDeviceLostError, GpuError, GpuOutOfMemoryError, GpuValidationError } from './errors.ts';
import {
  CALIBRATION_LABEL, CALIBRATION_PASSES, KernelProfiler, ProfileFence, SUBMIT_START_LABEL, type DispatchTiming, type KernelTiming,
} from './profiler.ts';
import { BindGroupCache } from './bindgroups.ts';

const MAX_DISPATCHES_PER_BATCH = 256;
/** Per-dispatch uniform parameters are packed into one buffer per batch; each slot is 256 bytes. */
const UNIFORM_SLOT_BYTES = 256;
const UNIFORM_ARENA_BYTES = MAX_DISPATCHES_PER_BATCH * UNIFORM_SLOT_BYTES;

/** A storage buffer binding; size defaults to the whole buffer. */
export interface BufferBinding {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

export class Scheduler {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena = new ArrayBuffer(UNIFORM_ARENA_BYTES);
  private readonly arenaWords = new Uint32Array(this.arena);
  private arenaUsedBytes = 0;
  private readonly arenaBuffer: GPUBuffer;
  private readonly slotBytes: number;
  private batchKernels: string[] = [];
  private pendingErrors: Promise<GpuError | null>[] = [];
  private readonly uncaptured: GpuError[] = [];
  private readonly stagingFree = new Map<number, GPUBuffer[]>();
  private lostError: GpuDeviceLostError | null = null;
  private profiler: KernelProfiler | null = null;
  private lastOverheadMs = 0;
  private lastSubmitStartMs = 0;
  private fence: ProfileFence | null = null;
  private lastDispatches: DispatchTiming[] = [];
  /** getBindGroupLayout returns a new object per call (a round trip into Dawn): ask once per pipeline. */
  private readonly layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  /** Statistics for tests and benchmarks. */
  readonly stats = { dispatches: 0, submits: 0 };
  readonly bindGroups: BindGroupCache;

  constructor(private readonly device: GPUDevice) {
    this.slotBytes = Math.max(UNIFORM_SLOT_BYTES, device.limits.minUniformBufferOffsetAlignment);
    this.bindGroups = new BindGroupCache(device);
    this.arenaBuffer = device.createBuffer({
      size: UNIFORM_ARENA_BYTES,
      usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST,
      label: 'uniform-arena',
    });
    device.lost.then((info) => {
      this.lostError = new GpuDeviceLostError(info.reason ?? 'unknown', info.message);
    });
    device.addEventListener('uncapturederror', (event) => {
      // We rethrow it at the next sync/read: stop Dawn from also printing it to stdout (library code
      // does not print; a broken kernel otherwise floods the output with "validation: ..." lines).
      event.preventDefault();
      const error = (event as GPUUncapturedErrorEvent).error;
      const Kind = error.constructor?.name === 'GPUOutOfMemoryError' ? GpuOutOfMemoryError : GpuValidationError;
      this.uncaptured.push(new Kind('(outside a kernel submit)', error.message));
    });
  }

  /** Registers an asynchronous error check (pipeline compilation) to be thrown at the next sync. */
  watch(pending: Promise<GpuError | null>): void {
    this.pendingErrors.push(pending);
  }

  get lost(): GpuDeviceLostError | null {
    return this.lostError;
  }

  dispatch(
    pipeline: GPUComputePipeline,
    kernelName: string,
    buffers: readonly BufferBinding[],
    params: ArrayLike<number> | undefined,
    workgroups: readonly [number, number?, number?],
  ): void {
    if (this.lostError) throw this.lostError;
    if (params && this.arenaUsedBytes + this.slotBytes > UNIFORM_ARENA_BYTES) this.flush();
    let uniform: BufferBinding | null = null;
    if (params) {
      if (params.length * 4 > this.slotBytes) throw new RangeError(`${kernelName}: too many uniform parameters`);
      const offset = this.arenaUsedBytes;
      this.arenaWords.set(params, offset / 4);
      this.arenaUsedBytes += this.slotBytes;
      const size = Math.max(16, Math.ceil((params.length * 4) / 16) * 16);
      uniform = { buffer: this.arenaBuffer, offset, size };
    }
    let layout = this.layouts.get(pipeline);
    if (!layout) this.layouts.set(pipeline, (layout = pipeline.getBindGroupLayout(0)));
    const bindGroup = this.bindGroups.get(pipeline, layout, uniform, buffers, kernelName);
    if (this.profiler) {
      // A pass per dispatch, timestamped at its start and end.
      this.closePass();
      if (!this.encoder) this.timeSubmitStart();
      const timestampWrites = this.profiler.nextPass(pipeline.label || kernelName);
      this.pass = this.openEncoder().beginComputePass({ timestampWrites });
    }
    const pass = this.openPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    if (this.profiler) {
      this.dispatchFence(pass, buffers);
      this.closePass();
    }
    this.batchKernels.push(kernelName);
    this.stats.dispatches++;
    if (this.batchKernels.length >= MAX_DISPATCHES_PER_BATCH) this.flush();
  }

  /**
   * While profiling, the first timed pass of a submit is charged what the submit itself costs before
   * any kernel runs: on lavapipe 0 to 20 ms, varying run to run (the stem conv, the first kernel of a
   * training step, was charged 4 to 27 ms against 3-5 ms in the middle of a submit). An empty timed
   * pass opens every submit and takes that charge, reported apart (profileSubmitStartMs), so kernels
   * get their own time.
   */
  private timeSubmitStart(): void {
    const timestampWrites = this.profiler!.nextPass(SUBMIT_START_LABEL);
    const pass = this.openEncoder().beginComputePass({ timestampWrites });
    this.dispatchFence(pass, []);
    pass.end();
  }

  /** While profiling: a dispatch bound to `buffers` whose barrier makes the pass end after the kernel. */
  private dispatchFence(pass: GPUComputePassEncoder, buffers: readonly BufferBinding[]): void {
    this.fence ??= new ProfileFence(this.device);
    this.fence.encode(pass, buffers.map((b) => b.buffer));
  }

  /** Records a buffer-to-buffer copy in order with the dispatches around it. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (this.lostError) throw this.lostError;
    this.closePass();
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.batchKernels.push('copy');
  }

  /** Writes host data into a buffer, after every dispatch recorded so far (queue order). */
  write(buffer: GPUBuffer, byteOffset: number, data: ArrayBufferView): void {
    if (this.lostError) throw this.lostError;
    // queue.writeBuffer runs before any not-yet-submitted commands: submit them first so that a
    // recorded kernel still reading this (pooled, reused) buffer sees the old contents.
    if (this.encoder) this.flush();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  hasPendingWork(): boolean {
    return this.encoder !== null;
  }

  /** Submits everything recorded so far. Does not wait. */
  flush(): void {
    if (!this.encoder) return;
    this.closePass();
    this.profiler?.encodeResolve(this.encoder);
    const commands = this.encoder.finish();
    this.encoder = null;
    if (this.arenaUsedBytes > 0) {
      this.device.queue.writeBuffer(this.arenaBuffer, 0, this.arena, 0, this.arenaUsedBytes);
      this.arenaUsedBytes = 0;
    }
    const kernels = this.batchKernels;
    this.batchKernels = [];
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.device.queue.submit([commands]);
    this.profiler?.collect();
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    this.stats.submits++;
    this.pendingErrors.push(
      Promise.all([validation, oom]).then(([v, o]) => {
        const batch = describeBatch(kernels);
        if (o) return new GpuOutOfMemoryError(batch, o.message);
        if (v) return new GpuValidationError(batch, v.message);
        return null;
      }),
    );
  }

  /** Starts timing every dispatch (needs the 'timestamp-query' feature). */
  startProfiling(): void {
    if (!this.device.features.has('timestamp-query')) {
      throw new GpuError("kernel profiling needs the adapter's 'timestamp-query' feature, which this one lacks");
    }
    this.flush();
    if (this.profiler) return;
    // Each submit's passes: its dispatches and the empty pass that opens it (timeSubmitStart).
    this.profiler = new KernelProfiler(this.device, MAX_DISPATCHES_PER_BATCH + 1);
    // What an empty timed pass costs (see profiler.ts): the fence alone, on stand-ins.
    for (let i = 0; i < CALIBRATION_PASSES; i++) {
      const timestampWrites = this.profiler.nextPass(CALIBRATION_LABEL);
      const pass = this.openEncoder().beginComputePass({ timestampWrites });
      this.dispatchFence(pass, []);
      pass.end();
    }
    this.flush();
  }

  /** The median cost of an empty timed pass in the last profile (ms), subtracted from its kernels. */
  get profileOverheadMs(): number {
    return this.lastOverheadMs;
  }

  /**
   * What the submits of the last profile cost before their first kernel ran (ms, in all): time that
   * belongs to no kernel (see timeSubmitStart), so not in the kernels' totals.
   */
  get profileSubmitStartMs(): number {
    return this.lastSubmitStartMs;
  }

  /** Stops timing and returns the time per kernel since startProfiling, slowest first. */
  async stopProfiling(): Promise<KernelTiming[]> {
    const profiler = this.profiler;
    if (!profiler) return [];
    await this.sync();
    this.profiler = null;
    const report = await profiler.report();
    this.lastOverheadMs = profiler.overheadMs;
    this.lastSubmitStartMs = profiler.submitStartMs;
    this.lastDispatches = profiler.dispatches();
    profiler.destroy();
    return report;
  }

  /**
   * Each dispatch timed in the last profile (startProfiling to stopProfiling), in the order
   * recorded: the i-th is the i-th dispatch after startProfiling, so `stats.dispatches` read while
   * recording tells which work it belongs to.
   */
  get profiledDispatches(): readonly DispatchTiming[] {
    return this.lastDispatches;
  }

  /** Submits and waits until the GPU has finished everything; throws any error that happened. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.throwPendingErrors();
  }

  /** Reads bytes back to the host: the explicit, rare readback. */
  async read(src: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    const copyBytes = Math.ceil(bytes / 4) * 4;
    const staging = this.acquireStaging(copyBytes);
    this.copy(src, byteOffset, staging, 0, copyBytes);
    this.flush();
    try {
      await staging.mapAsync(0x0001 /* GPUMapMode.READ */, 0, copyBytes);
    } catch (e) {
      await this.throwPendingErrors();
      if (this.lostError) throw this.lostError;
      throw e;
    }
    const out = staging.getMappedRange(0, copyBytes).slice(0, bytes);
    staging.unmap();
    this.releaseStaging(staging);
    // A kernel that failed validation leaves zeros behind: never hand those out as a result.
    await this.throwPendingErrors();
    return out;
  }

  private async throwPendingErrors(): Promise<void> {
    const pending = this.pendingErrors;
    this.pendingErrors = [];
    const errors = (await Promise.all(pending)).filter((e): e is GpuError => e !== null);
    errors.push(...this.uncaptured.splice(0));
    if (errors.length > 0) throw errors[0];
    if (this.lostError) throw this.lostError;
  }

  private openEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'mednas-batch' });
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.openEncoder().beginComputePass();
    return this.pass;
  }

  private closePass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private acquireStaging(bytes: number): GPUBuffer {
    const size = sizeClassBytes(bytes);
    return (
      this.stagingFree.get(size)?.pop() ??
      this.device.createBuffer({ size, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST, label: 'staging' })
    );
  }

  private releaseStaging(buffer: GPUBuffer): void {
    let list = this.stagingFree.get(buffer.size);
    if (!list) this.stagingFree.set(buffer.size, (list = []));
    list.push(buffer);
  }
}

function describeBatch(kernels: readonly string[]): string {
  const unique = [...new Set(kernels)];
  return unique.length <= 6 ? unique.join(', ') : `${unique.slice(0, 6).join(', ')} and ${unique.length - 6} more`;
}
