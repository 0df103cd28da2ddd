// `mednas profile --arch`: a network's forward (with its cross-entropy loss) and backward on a random
// batch, timed as a real run records them (normal batching, wall clock) and, where the adapter has
// timestamp queries, with every dispatch timed and attributed to an op type (attribution.ts) and a
// kernel. Medians over repeats.
import type { Runtime } from '../gpu/runtime.ts';
import type { Module } from '../nn/module.ts';
import { crossEntropy } from '../ops/loss.ts';
import { randUniform } from '../tensor/create.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { ProfileError } from './errors.ts';
import { DispatchLabels, type ProfileScope } from './attribution.ts';
import { kernelName, type PassName } from './kernel-profile.ts';
import { median, perSecondG, spreadOf, type Spread } from './stats.ts';
import { chooseTiming, type TimingSource } from './timed-dispatch.ts';

/** Work of the network outside every scope, and the loss: how they are reported. */
export const OTHER_LABEL = '(network, outside the op scopes)';
export const LOSS_LABEL = 'loss (cross-entropy)';
export const TAPE_LABEL = '(tape: summing gradients)';

export interface NetworkProfileOptions {
  /** [N, C, H, W] of the random input batch. */
  inputShape: readonly [number, number, number, number];
  classes: number;
  /** What to report dispatches under; work outside them is OTHER_LABEL. */
  scopes?: readonly ProfileScope[];
  /** Forward FLOPs per label (for GFLOP/s); backward FLOPs per label likewise. */
  flops?: Readonly<Record<string, { forward: number; backward: number }>>;
  /** Timed repeats (default 3) after `warmup` (default 1) untimed ones. */
  repeat?: number;
  warmup?: number;
  timing?: 'auto' | TimingSource;
  seed?: number;
}

export interface PassShare {
  readonly count: number;
  readonly ms: number;
}

export interface OpTypeProfile {
  readonly opType: string;
  /** Scopes reported under this label. */
  readonly instances: number;
  readonly forward: PassShare;
  readonly backward: PassShare;
  readonly forwardFlops: number | null;
  readonly backwardFlops: number | null;
  readonly forwardGflops: number | null;
  readonly backwardGflops: number | null;
  /** Its kernels per pass, slowest first. */
  readonly kernels: readonly ({ kernel: string; pass: PassName } & PassShare)[];
}

export interface KernelTotals {
  readonly kernel: string;
  readonly forward: PassShare;
  readonly backward: PassShare;
}

export interface NetworkProfile {
  readonly timing: TimingSource;
  readonly repeat: number;
  /** Recording + submit + wait with normal batching, per pass (forward includes the loss). */
  readonly wall: { readonly forward: Spread; readonly backward: Spread };
  /** The sum of every dispatch's GPU time, per pass (timestamps only). */
  readonly gpu: { readonly forward: Spread; readonly backward: Spread } | null;
  readonly dispatches: { readonly forward: number; readonly backward: number };
  /** Slowest first by forward + backward (timestamps only; empty otherwise). */
  readonly ops: readonly OpTypeProfile[];
  readonly kernels: readonly KernelTotals[];
}

/** Sums of count and ms per key, one map per repeat; medians across repeats. */
class Tally {
  private readonly repeats: Map<string, PassShare>[] = [];

  startRepeat(): void {
    this.repeats.push(new Map());
  }

  add(key: string, ms: number): void {
    const m = this.repeats[this.repeats.length - 1];
    const e = m.get(key) ?? { count: 0, ms: 0 };
    m.set(key, { count: e.count + 1, ms: e.ms + ms });
  }

  keys(): string[] {
    return [...new Set(this.repeats.flatMap((r) => [...r.keys()]))];
  }

  median(key: string): PassShare {
    return {
      count: median(this.repeats.map((r) => r.get(key)?.count ?? 0)),
      ms: median(this.repeats.map((r) => r.get(key)?.ms ?? 0)),
    };
  }
}

const SEP = '\u0000';

export async function profileNetwork(rt: Runtime, net: Module, options: NetworkProfileOptions): Promise<NetworkProfile> {
  const repeat = options.repeat ?? 3;
  const warmup = options.warmup ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be a whole number >= 1, got ${repeat}`);
  const timing = chooseTiming(rt.device, options.timing);
  const [N] = options.inputShape;
  const x = randUniform(options.inputShape, new Rng(options.seed ?? 0), 0, 1, rt);
  const labels = Int32Array.from({ length: N }, (_, i) => i % options.classes);
  const scopes = options.scopes ?? [];

  const wallForward: number[] = [];
  const wallBackward: number[] = [];
  const dispatchesForward: number[] = [];
  const dispatchesBackward: number[] = [];
  const gpuForward: number[] = [];
  const gpuBackward: number[] = [];
  const byOp = new Tally();
  const byKernel = new Tally();
  const byOpKernel = new Tally();

  /** One forward + loss + backward; returns [forward ms, backward ms, forward dispatches, backward dispatches]. */
  const step = async (forward: () => Tensor): Promise<number[]> => {
    const d0 = rt.scheduler.stats.dispatches;
    const t0 = performance.now();
    const loss = tidy(forward);
    await rt.sync();
    const t1 = performance.now();
    const d1 = rt.scheduler.stats.dispatches;
    loss.backward();
    await rt.sync();
    const t2 = performance.now();
    loss.dispose();
    net.zeroGrad();
    return [t1 - t0, t2 - t1, d1 - d0, rt.scheduler.stats.dispatches - d1];
  };
  const plain = (): Tensor => crossEntropy(net.forward(x), labels);

  const profiledStep = async (): Promise<void> => {
    const tags = new DispatchLabels(rt);
    const unwrap = tags.wrapForwards([...scopes, { module: net, label: OTHER_LABEL }]);
    rt.scheduler.startProfiling();
    const d0 = rt.scheduler.stats.dispatches;
    let counts: number[];
    try {
      counts = await step(() => {
        const logits = net.forward(x);
        const loss = tags.labelled(LOSS_LABEL, logits, () => crossEntropy(logits, labels));
        tags.wrapBackwards(loss);
        return loss;
      });
    } finally {
      unwrap();
      await rt.scheduler.stopProfiling();
    }
    const total = counts[2] + counts[3];
    const timed = rt.scheduler.profiledDispatches;
    if (timed.length < total) throw new ProfileError(`profiler: ${timed.length} timed dispatches for ${total} recorded; the profile would be wrong`);
    // The last `total` timed passes are this step's (anything the profiler timed first, such as
    // calibration passes, comes before them).
    const samples = timed.slice(timed.length - total);
    const names = tags.labelsOf(d0, d0 + total);
    byOp.startRepeat();
    byKernel.startRepeat();
    byOpKernel.startRepeat();
    let gpuF = 0;
    let gpuB = 0;
    samples.forEach((s, i) => {
      const pass: PassName = i < counts[2] ? 'forward' : 'backward';
      const label = names[i] || (pass === 'backward' ? TAPE_LABEL : OTHER_LABEL);
      const kernel = kernelName(s.kernel);
      byOp.add(label + SEP + pass, s.ms);
      byKernel.add(kernel + SEP + pass, s.ms);
      byOpKernel.add(label + SEP + kernel + SEP + pass, s.ms);
      if (pass === 'forward') gpuF += s.ms;
      else gpuB += s.ms;
    });
    gpuForward.push(gpuF);
    gpuBackward.push(gpuB);
  };

  try {
    for (let i = 0; i < warmup; i++) await step(plain);
    for (let i = 0; i < repeat; i++) {
      const [f, b, df, db] = await step(plain);
      wallForward.push(f);
      wallBackward.push(b);
      dispatchesForward.push(df);
      dispatchesBackward.push(db);
      if (timing === 'timestamps') await profiledStep();
    }
  } finally {
    x.dispose();
  }

  const instances = new Map<string, number>();
  for (const s of scopes) instances.set(s.label, (instances.get(s.label) ?? 0) + 1);
  const opLabels = [...new Set(byOp.keys().map((k) => k.split(SEP)[0]))];
  const ops: OpTypeProfile[] = opLabels.map((opType) => {
    const forward = byOp.median(opType + SEP + 'forward');
    const backward = byOp.median(opType + SEP + 'backward');
    const flops = options.flops?.[opType];
    const kernels = byOpKernel
      .keys()
      .filter((k) => k.startsWith(opType + SEP))
      .map((k) => {
        const [, kernel, pass] = k.split(SEP);
        return { kernel, pass: pass as PassName, ...byOpKernel.median(k) };
      })
      .sort((a, b) => b.ms - a.ms);
    return {
      opType,
      instances: instances.get(opType) ?? 0,
      forward,
      backward,
      forwardFlops: flops?.forward ?? null,
      backwardFlops: flops?.backward ?? null,
      forwardGflops: flops ? perSecondG(flops.forward, forward.ms) : null,
      backwardGflops: flops ? perSecondG(flops.backward, backward.ms) : null,
      kernels,
    };
  });
  ops.sort((a, b) => b.forward.ms + b.backward.ms - (a.forward.ms + a.backward.ms));
  const kernelNames = [...new Set(byKernel.keys().map((k) => k.split(SEP)[0]))];
  const kernels = kernelNames
    .map((kernel) => ({ kernel, forward: byKernel.median(kernel + SEP + 'forward'), backward: byKernel.median(kernel + SEP + 'backward') }))
    .sort((a, b) => b.forward.ms + b.backward.ms - (a.forward.ms + a.backward.ms));
  return {
    timing,
    repeat,
    wall: { forward: spreadOf(wallForward), backward: spreadOf(wallBackward) },
    gpu: timing === 'timestamps' ? { forward: spreadOf(gpuForward), backward: spreadOf(gpuBackward) } : null,
    dispatches: { forward: median(dispatchesForward), backward: median(dispatchesBackward) },
    ops,
    kernels,
  };
}
