// Where a training step's GPU time goes: runs SGD steps of a network on a random batch, times them
// as a whole (normal batching), then again with per-kernel timestamps, and returns both.
import type { Runtime } from '../gpu/runtime.ts';
import type { KernelTiming } from '../gpu/profiler.ts';
import type { Module } from '../nn/module.ts';
import { randUniform } from '../tensor/create.ts';
import { Rng } from '../util/rng.ts';
import { Sgd } from './sgd.ts';
import { sgdStep } from './step.ts';

export interface StepProfileOptions {
  /** [N, C, H, W] of the random input batch. */
  inputShape: readonly [number, number, number, number];
  classes: number;
  /** Timed steps (after two warm-up steps that compile the pipelines). */
  steps?: number;
}

export interface StepProfile {
  /** Median wall time of one step with normal batching (ms). */
  stepMs: number;
  /** Dispatches per step. */
  dispatchesPerStep: number;
  /** GPU time per kernel per step, slowest first (each dispatch in its own timed pass). */
  kernels: KernelTiming[];
}

export async function profileTrainingStep(rt: Runtime, net: Module, options: StepProfileOptions): Promise<StepProfile> {
  const steps = Math.max(1, options.steps ?? 3);
  const x = randUniform(options.inputShape, new Rng(1), 0, 1, rt);
  const labels = Int32Array.from({ length: options.inputShape[0] }, (_, i) => i % options.classes);
  const sgd = new Sgd(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const step = async (): Promise<void> => {
    sgdStep(net, sgd, x, labels).dispose();
    await rt.sync();
  };
  try {
    await step();
    await step();
    const times: number[] = [];
    const dispatchesBefore = rt.scheduler.stats.dispatches;
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await step();
      times.push(performance.now() - start);
    }
    const dispatchesPerStep = (rt.scheduler.stats.dispatches - dispatchesBefore) / steps;
    rt.scheduler.startProfiling();
    for (let i = 0; i < steps; i++) await step();
    const kernels = (await rt.scheduler.stopProfiling()).map((k) => ({
      ...k,
      count: k.count / steps,
      totalMs: k.totalMs / steps,
    }));
    times.sort((a, b) => a - b);
    return { stepMs: times[times.length >> 1], dispatchesPerStep, kernels };
  } finally {
    x.dispose();
    sgd.dispose();
  }
}
