// Times one dispatch, repeated, outside the scheduler (a user's kernel has its own bind layout).
// With GPU timestamps: each repeat is a compute pass of its own whose beginning and end write a
// timestamp, with the profiling fence after the kernel (ProfileFence in src/gpu/profiler.ts, the
// scheduler's own, bound read-write to the kernel's writable buffers) so that Dawn puts a barrier
// before the end timestamp: lavapipe otherwise writes it while the kernel's threads still run.
// Empty passes (the fence alone) are timed first and their median is taken off every repeat.
// Without timestamps: wall-clock around submit + wait of each repeat, less the median of empty
// submits. Either way the cost of the measurement itself is reported as overheadMs.
import { BUFFER_USAGE } from '../gpu/buffers.ts';
import { ProfileFence } from '../gpu/profiler.ts';
import { ProfileError } from './errors.ts';
import { median } from './stats.ts';

const QUERY_RESOLVE = 0x0200; // GPUBufferUsage.QUERY_RESOLVE
const MAP_READ = 0x0001; // GPUMapMode.READ
/** Empty passes or submits timed to measure the measurement's own cost. */
export const CALIBRATION_RUNS = 8;

export type TimingSource = 'timestamps' | 'wall';

/** 'auto' (or nothing): timestamps where the device has 'timestamp-query', the wall clock otherwise. */
export function chooseTiming(device: GPUDevice, requested: 'auto' | TimingSource | undefined): TimingSource {
  const hasTimestamps = device.features.has('timestamp-query');
  if (requested === 'timestamps' && !hasTimestamps) {
    throw new ProfileError("timing by GPU timestamps needs the adapter's 'timestamp-query' feature, which this one lacks: use wall-clock timing");
  }
  return requested === 'wall' || !hasTimestamps ? 'wall' : 'timestamps';
}

export interface TimedDispatch {
  readonly timing: TimingSource;
  /** Each repeat's time less the overhead (never below 0), in run order. */
  readonly samplesMs: number[];
  /** The median cost of an empty timed pass (timestamps) or of an empty submit + wait (wall). */
  readonly overheadMs: number;
}

export interface TimeOptions {
  repeat: number;
  /** Untimed runs first (Dawn and the driver may finish compiling on the first dispatch). */
  warmup: number;
  timing: TimingSource;
}

/** Records the kernel's dispatch (pipeline, bind group, workgroups) into `pass`. */
export type EncodeDispatch = (pass: GPUComputePassEncoder) => void;

async function submitAndWait(device: GPUDevice, commands: GPUCommandBuffer): Promise<number> {
  const start = performance.now();
  device.queue.submit([commands]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - start;
}

function onePass(device: GPUDevice, encode: EncodeDispatch | null): GPUCommandBuffer {
  const encoder = device.createCommandEncoder({ label: 'profile-user-kernel' });
  const pass = encoder.beginComputePass();
  if (encode) encode(pass);
  pass.end();
  return encoder.finish();
}

async function timeByWall(device: GPUDevice, encode: EncodeDispatch, options: TimeOptions): Promise<TimedDispatch> {
  for (let i = 0; i < options.warmup; i++) await submitAndWait(device, onePass(device, encode));
  const empty: number[] = [];
  for (let i = 0; i < CALIBRATION_RUNS; i++) empty.push(await submitAndWait(device, onePass(device, null)));
  const overheadMs = median(empty);
  const samplesMs: number[] = [];
  for (let i = 0; i < options.repeat; i++) samplesMs.push(Math.max(0, (await submitAndWait(device, onePass(device, encode))) - overheadMs));
  return { timing: 'wall', samplesMs, overheadMs };
}

async function timeByTimestamps(device: GPUDevice, encode: EncodeDispatch, writable: readonly GPUBuffer[], options: TimeOptions): Promise<TimedDispatch> {
  const fence = new ProfileFence(device);
  const passes = CALIBRATION_RUNS + options.repeat;
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * passes });
  const resolve = device.createBuffer({ size: 16 * passes, usage: QUERY_RESOLVE | BUFFER_USAGE.COPY_SRC });
  const staging = device.createBuffer({ size: 16 * passes, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
  try {
    for (let i = 0; i < options.warmup; i++) await submitAndWait(device, onePass(device, encode));
    const encoder = device.createCommandEncoder({ label: 'profile-user-kernel-timed' });
    for (let i = 0; i < passes; i++) {
      const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      if (i >= CALIBRATION_RUNS) encode(pass);
      fence.encode(pass, writable);
      pass.end();
    }
    encoder.resolveQuerySet(querySet, 0, 2 * passes, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, staging, 0, 16 * passes);
    await submitAndWait(device, encoder.finish());
    await staging.mapAsync(MAP_READ, 0, 16 * passes);
    const stamps = new BigUint64Array(staging.getMappedRange(0, 16 * passes).slice(0));
    staging.unmap();
    const ms = Array.from({ length: passes }, (_, i) => Math.max(0, Number(stamps[2 * i + 1] - stamps[2 * i])) / 1e6);
    const overheadMs = median(ms.slice(0, CALIBRATION_RUNS));
    return { timing: 'timestamps', samplesMs: ms.slice(CALIBRATION_RUNS).map((t) => Math.max(0, t - overheadMs)), overheadMs };
  } finally {
    fence.destroy();
    querySet.destroy();
    resolve.destroy();
    staging.destroy();
  }
}

/** Times `encode`'s dispatch `options.repeat` times. `writable`: the buffers it writes (the fence waits on them). */
export function timeDispatch(device: GPUDevice, encode: EncodeDispatch, writable: readonly GPUBuffer[], options: TimeOptions): Promise<TimedDispatch> {
  return options.timing === 'timestamps' ? timeByTimestamps(device, encode, writable, options) : timeByWall(device, encode, options);
}
