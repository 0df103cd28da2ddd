// Kernel timing with GPU timestamp queries. While profiling, the scheduler gives every dispatch a
// compute pass of its own whose beginning and end write timestamps; at each submit the timestamps are
// resolved into a buffer and read back asynchronously, then summed per kernel (pipeline key). This
// changes batching (one pass per dispatch), so profile to find hot kernels, not to time a whole step.
// A timed pass costs something even when empty (its timestamps, the fence dispatch the scheduler adds
// so that the end timestamp waits for the kernel: ~0.1-0.5 ms on lavapipe, more than a small kernel
// takes): the scheduler times CALIBRATION_PASSES empty passes first, and every kernel's total is
// reported less that median cost per dispatch.
import fenceWgsl from '../../shaders/profile_fence.wgsl';
import { BUFFER_USAGE } from './buffers.ts';

const QUERY_RESOLVE = 0x0200; // GPUBufferUsage.QUERY_RESOLVE
/** The label of the empty passes that measure a timed pass's own cost. */
export const CALIBRATION_LABEL = '(empty timed pass)';
export const CALIBRATION_PASSES = 24;
/**
 * The label of the empty pass that opens every submit while profiling: it takes the submit's own
 * start-up cost, which would otherwise be charged to the submit's first kernel (see the scheduler).
 */
export const SUBMIT_START_LABEL = '(submit start)';

/** Bindings of profile_fence.wgsl. */
const FENCE_SLOTS = 8;

/**
 * The fence of a timed pass: one workgroup of profile_fence.wgsl, recorded after the kernel in the
 * kernel's own pass and bound read-write to the buffers the kernel touched, so that Dawn puts a
 * barrier before it and the pass's end timestamp waits for the kernel (lavapipe otherwise writes
 * it while the kernel's threads still run). Both timers use it: the scheduler's kernel profile and
 * the user-kernel timer (src/profile/timed-dispatch.ts).
 */
export class ProfileFence {
  private readonly pipeline: GPUComputePipeline;
  private readonly layout: GPUBindGroupLayout;
  /** One stand-in per slot: a buffer may not be bound writable twice in one dispatch. */
  private readonly standIns: GPUBuffer[];
  /** The last bind group and its buffers: the user-kernel timer fences the same buffers every repeat. */
  private last: { buffers: GPUBuffer[]; bindGroup: GPUBindGroup } | null = null;

  constructor(private readonly device: GPUDevice) {
    const module = device.createShaderModule({ code: fenceWgsl, label: 'profile_fence' });
    this.pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: 'profile_fence' });
    this.layout = this.pipeline.getBindGroupLayout(0);
    this.standIns = Array.from({ length: FENCE_SLOTS }, () =>
      device.createBuffer({ size: 16, usage: BUFFER_USAGE.STORAGE, label: 'profile-fence-stand-in' }),
    );
  }

  /** Records the fence into `pass`, bound to `buffers` (each once, the first FENCE_SLOTS of them). */
  encode(pass: GPUComputePassEncoder, buffers: readonly GPUBuffer[]): void {
    const unique = [...new Set(buffers)].slice(0, FENCE_SLOTS);
    const slots = this.standIns.map((standIn, i) => unique[i] ?? standIn);
    if (!this.last || this.last.buffers.some((b, i) => b !== slots[i])) {
      const entries = slots.map((buffer, binding) => ({ binding, resource: { buffer } }));
      this.last = { buffers: slots, bindGroup: this.device.createBindGroup({ layout: this.layout, entries, label: 'profile_fence' }) };
    }
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.last.bindGroup);
    pass.dispatchWorkgroups(1);
  }

  destroy(): void {
    this.last = null;
    for (const b of this.standIns) b.destroy();
  }
}

export interface KernelTiming {
  kernel: string;
  count: number;
  totalMs: number;
  meanMs: number;
}

/** One timed dispatch: its kernel (pipeline key) and GPU time. */
export interface DispatchTiming {
  kernel: string;
  ms: number;
}

interface Slot {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  staging: GPUBuffer;
}

export class KernelProfiler {
  private readonly free: Slot[] = [];
  private current: Slot | null = null;
  private labels: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly totals = new Map<string, { count: number; ns: number }>();
  private readonly calibration: number[] = [];
  private readonly submitStarts: number[] = [];
  /** The median cost of an empty timed pass (ms), known after report(). */
  overheadMs = 0;
  /** What the submits cost before their first kernel (ms, in all, less the empty-pass cost), known after report(). */
  submitStartMs = 0;
  /** Every timed pass in the order recorded (src/profile attributes them to ops by that order). */
  private readonly passes: { label: string; ns: number }[] = [];
  private recorded = 0;
  private timedDispatches: DispatchTiming[] = [];

  constructor(
    private readonly device: GPUDevice,
    /** Dispatches per submit at most (the scheduler's batch size): two queries each. */
    private readonly capacity: number,
  ) {}

  /** The timestampWrites for the next dispatch's pass. */
  nextPass(label: string): GPUComputePassTimestampWrites {
    this.current ??= this.free.pop() ?? this.createSlot();
    const index = this.labels.length;
    if (index >= this.capacity) throw new Error('profiler: more dispatches in one submit than its capacity');
    this.labels.push(label);
    return { querySet: this.current.querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 };
  }

  /** Adds the resolve and copy commands to the batch's encoder, before it is finished. */
  encodeResolve(encoder: GPUCommandEncoder): void {
    if (!this.current || this.labels.length === 0) return;
    const count = 2 * this.labels.length;
    encoder.resolveQuerySet(this.current.querySet, 0, count, this.current.resolve, 0);
    encoder.copyBufferToBuffer(this.current.resolve, 0, this.current.staging, 0, count * 8);
  }

  /** After the submit: read the timestamps back when the GPU is done with them. */
  collect(): void {
    const slot = this.current;
    const labels = this.labels;
    this.current = null;
    this.labels = [];
    if (!slot || labels.length === 0) {
      if (slot) this.free.push(slot);
      return;
    }
    // Readbacks may settle out of order: fix each timed dispatch's place now, in submit order
    // (calibration and submit-start passes have none).
    const places = labels.map((label) => (label === CALIBRATION_LABEL || label === SUBMIT_START_LABEL ? -1 : this.recorded++));
    this.pending.push(
      slot.staging.mapAsync(0x0001 /* READ */, 0, labels.length * 16).then(() => {
        const stamps = new BigUint64Array(slot.staging.getMappedRange(0, labels.length * 16).slice(0));
        slot.staging.unmap();
        this.free.push(slot);
        labels.forEach((label, i) => {
          const ns = Number(stamps[2 * i + 1] - stamps[2 * i]);
          if (label === CALIBRATION_LABEL) {
            this.calibration.push(Math.max(0, ns));
            return;
          }
          if (label === SUBMIT_START_LABEL) {
            this.submitStarts.push(Math.max(0, ns));
            return;
          }
          this.passes[places[i]] = { label, ns: Math.max(0, ns) };
          const entry = this.totals.get(label) ?? { count: 0, ns: 0 };
          entry.count++;
          entry.ns += Math.max(0, ns);
          this.totals.set(label, entry);
        });
      }),
    );
  }

  /**
   * Waits for outstanding readbacks and returns the per-kernel totals less the empty-pass cost per
   * dispatch (never below 0), slowest first. The submits' start-up is not among them (submitStartMs).
   */
  async report(): Promise<KernelTiming[]> {
    await Promise.all(this.pending.splice(0));
    const sorted = this.calibration.slice().sort((a, b) => a - b);
    const overheadNs = sorted.length > 0 ? sorted[sorted.length >> 1] : 0;
    this.overheadMs = overheadNs / 1e6;
    this.submitStartMs = this.submitStarts.reduce((t, ns) => t + Math.max(0, ns - overheadNs), 0) / 1e6;
    this.timedDispatches = this.passes.map(({ label, ns }) => ({ kernel: label, ms: Math.max(0, ns - overheadNs) / 1e6 }));
    return [...this.totals]
      .map(([kernel, { count, ns }]) => {
        const totalMs = Math.max(0, ns - count * overheadNs) / 1e6;
        return { kernel, count, totalMs, meanMs: totalMs / count };
      })
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  /**
   * Every timed dispatch since profiling started (calibration passes left out), in the order
   * recorded, less the empty-pass cost like the totals (filled by report()).
   */
  dispatches(): DispatchTiming[] {
    return this.timedDispatches;
  }

  destroy(): void {
    for (const s of this.free) {
      s.querySet.destroy();
      s.resolve.destroy();
      s.staging.destroy();
    }
    this.free.length = 0;
  }

  private createSlot(): Slot {
    const count = 2 * this.capacity;
    return {
      querySet: this.device.createQuerySet({ type: 'timestamp', count }),
      resolve: this.device.createBuffer({ size: count * 8, usage: QUERY_RESOLVE | BUFFER_USAGE.COPY_SRC }),
      staging: this.device.createBuffer({ size: count * 8, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST }),
    };
  }
}
