// `mednas profile --kernel`: times a built-in kernel kind's forward and backward passes at a shape.
// Each repeat runs the pass twice: once as a real run records it (normal batching, one submit,
// timed by the wall clock around recording + submit + wait) and, where the adapter has timestamp
// queries, once with every dispatch in its own timed pass (the scheduler's profiler), which gives
// the GPU time of each kernel. The GPU time is the figure reported (and the basis of GFLOP/s and
// GB/s); without timestamps the wall time is. Medians over repeats, with the range beside them.
import type { KernelTiming } from '../gpu/profiler.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { randUniform } from '../tensor/create.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { ProfileError } from './errors.ts';
import { buildKernelRun, type KernelRun } from './kernel-runs.ts';
import { kernelKind, resolveShape, type KernelShape, type ShapeRequest, type Work } from './kernel-work.ts';
import { median, perSecondG, spreadOf, type Spread } from './stats.ts';
import { chooseTiming, type TimingSource } from './timed-dispatch.ts';

export type PassName = 'forward' | 'backward';

/** A kernel's share of a pass: its name (without override constants), dispatches and median time. */
export interface KernelShare {
  readonly kernel: string;
  readonly count: number;
  readonly ms: number;
}

export interface PassProfile extends Spread, Work {
  readonly pass: PassName;
  /** The reported time's source: GPU timestamps, or the wall clock where the adapter has none. */
  readonly timing: TimingSource;
  readonly samplesMs: readonly number[];
  /** Recording + submit + wait with normal batching (what a real run pays, dispatch overhead included). */
  readonly wall: Spread;
  readonly dispatches: number;
  /** From the median time; null when it is 0 (nothing was dispatched). */
  readonly gflops: number | null;
  readonly gbps: number | null;
  /** Per kernel, slowest first (GPU timestamps only; empty otherwise). */
  readonly kernels: readonly KernelShare[];
}

export interface KernelCaseProfile {
  readonly kind: string;
  readonly shape: KernelShape;
  readonly repeat: number;
  readonly passes: readonly PassProfile[];
}

export interface KernelProfileOptions {
  /** Timed repeats (default 5), after `warmup` (default 1) untimed ones that compile the pipelines. */
  repeat?: number;
  warmup?: number;
  /** Which passes to time (default both; kinds without a gradient have only forward). */
  passes?: 'forward' | 'backward' | 'both';
  /** 'auto' (default): timestamps where the device has them. */
  timing?: 'auto' | TimingSource;
  seed?: number;
}

/** The kernel's name in a pipeline key (`conv2d_depthwise_columns|DH=1,...`). */
export const kernelName = (pipelineKey: string): string => pipelineKey.split('|')[0];

/** Per-kernel shares of one profiled pass, by kernel name. */
export function sharesOf(timings: readonly KernelTiming[]): Map<string, { count: number; ms: number }> {
  const out = new Map<string, { count: number; ms: number }>();
  for (const t of timings) {
    const name = kernelName(t.kernel);
    const e = out.get(name) ?? { count: 0, ms: 0 };
    e.count += t.count;
    e.ms += t.totalMs;
    out.set(name, e);
  }
  return out;
}

/** Medians over repeats of each kernel's share (a kernel missing from a repeat counts 0 there). */
export function medianShares(repeats: readonly Map<string, { count: number; ms: number }>[]): KernelShare[] {
  const names = new Set(repeats.flatMap((r) => [...r.keys()]));
  return [...names]
    .map((kernel) => ({
      kernel,
      count: median(repeats.map((r) => r.get(kernel)?.count ?? 0)),
      ms: median(repeats.map((r) => r.get(kernel)?.ms ?? 0)),
    }))
    .sort((a, b) => b.ms - a.ms);
}

interface PassSamples {
  wallMs: number[];
  gpuMs: number[];
  dispatches: number[];
  shares: Map<string, { count: number; ms: number }>[];
}

const newSamples = (): PassSamples => ({ wallMs: [], gpuMs: [], dispatches: [], shares: [] });

/** Runs `fn` (which records GPU work), waits, and measures it: wall time, dispatches, and per-kernel timings when profiled. */
async function measure(rt: Runtime, profiled: boolean, samples: PassSamples | null, fn: () => void): Promise<void> {
  if (profiled) rt.scheduler.startProfiling();
  const before = rt.scheduler.stats.dispatches;
  const start = performance.now();
  let wallMs: number;
  let timings: KernelTiming[] | null = null;
  try {
    fn();
    await rt.sync();
    wallMs = performance.now() - start;
  } finally {
    // Also when the op throws: profiling must not stay on for whatever runs next.
    if (profiled) timings = await rt.scheduler.stopProfiling();
  }
  if (!samples) return;
  if (timings) {
    const shares = sharesOf(timings);
    samples.shares.push(shares);
    samples.gpuMs.push([...shares.values()].reduce((s, k) => s + k.ms, 0));
  } else {
    samples.wallMs.push(wallMs);
    samples.dispatches.push(rt.scheduler.stats.dispatches - before);
  }
}

/** Times kind `name` at the shape `request` describes. Throws KernelCaseError for an unknown kind or a bad shape. */
export async function profileKernelCase(rt: Runtime, name: string, request: ShapeRequest = {}, options: KernelProfileOptions = {}): Promise<KernelCaseProfile> {
  const kind = kernelKind(name);
  const shape = resolveShape(kind, request);
  const repeat = options.repeat ?? 5;
  const warmup = options.warmup ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be a whole number >= 1, got ${repeat}`);
  const timing = chooseTiming(rt.device, options.timing);
  const wanted = options.passes ?? 'both';
  const forwardWanted = wanted !== 'backward';
  const backwardWanted = wanted !== 'forward' && kind.backward !== undefined;
  if (wanted === 'backward' && !kind.backward) throw new ProfileError(`${kind.name} has no backward pass (${kind.summary})`);

  const run: KernelRun = buildKernelRun(rt, kind.name, shape, options.seed ?? 0);
  const forward = newSamples();
  const backward = newSamples();
  // The output gradient backward starts from: made once, when the output's shape is known.
  const held: { gradOut: Tensor | null } = { gradOut: null };
  const once = async (profiled: boolean, record: boolean): Promise<void> => {
    const result: { y: Tensor | null } = { y: null };
    await measure(rt, profiled, record && forwardWanted ? forward : null, () => {
      result.y = tidy(() => run.forward());
    });
    const out = result.y;
    if (out && backwardWanted) {
      const g = (held.gradOut ??= randUniform(out.shape, new Rng(1), -1, 1, rt));
      await measure(rt, profiled, record ? backward : null, () => out.backward(g));
      // Leaves keep their gradients; drop them so that the next repeat does not add to them.
      for (const t of run.inputs) {
        t.grad?.dispose();
        t.grad = null;
      }
    }
    out?.dispose();
  };
  try {
    for (let i = 0; i < warmup; i++) await once(false, false);
    for (let i = 0; i < repeat; i++) {
      await once(false, true);
      if (timing === 'timestamps') await once(true, true);
    }
  } finally {
    held.gradOut?.dispose();
    run.dispose();
  }

  const passes: PassProfile[] = [];
  const summarise = (pass: PassName, s: PassSamples, work: Work): void => {
    const samplesMs = timing === 'timestamps' ? s.gpuMs : s.wallMs;
    const spread = spreadOf(samplesMs);
    passes.push({
      pass,
      timing,
      ...spread,
      samplesMs,
      wall: spreadOf(s.wallMs),
      dispatches: median(s.dispatches),
      ...work,
      gflops: work.flops > 0 ? perSecondG(work.flops, spread.medianMs) : null,
      gbps: work.bytes > 0 ? perSecondG(work.bytes, spread.medianMs) : null,
      kernels: medianShares(s.shares),
    });
  };
  if (forwardWanted) summarise('forward', forward, kind.forward(shape));
  if (backwardWanted) summarise('backward', backward, kind.backward!(shape));
  return { kind: kind.name, shape, repeat, passes };
}
