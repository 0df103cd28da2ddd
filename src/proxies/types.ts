// What a proxy is (a name, a direction, what it needs, its value for a dead genotype and how to
// compute it) and what it gets to work with (the context). Each proxy lives in its own file and is
// registered by name in registry.ts.
import type { Runtime } from '../gpu/runtime.ts';
import type { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ProxyBatch } from './batch.ts';
import type { PhaseClock } from './phases.ts';

/**
 * What proxies score: a module that can copy itself (weights, statistics, modes). The search space's
 * MstfNetwork is one; the closed-form tests use a small linear one. Only the space's networks get
 * synflow's rescaling, memory estimates, and flops/params.
 */
export interface ScorableNetwork extends Module {
  clone(): ScorableNetwork;
}

/** One proxy's result. */
export interface ProxyOutcome {
  /** The score; NaN when it is undefined for this network (then `reason` says why). */
  readonly value: number;
  /** ln(value), where the proxy computes it directly (synflow: exact even where value would overflow f32). */
  readonly log?: number;
  /** Why the value is NaN or a documented substitute (a dead genotype, a constant Jacobian row). */
  readonly reason?: string;
}

/** What a proxy reads: nothing but the weights or genotype, the images, or images and labels (a loss). */
export type ProxyInput = 'none' | 'images' | 'labels';

export interface ProxyDefinition {
  readonly name: string;
  /** One line: what it computes (docs, `mednas arch score --help`). */
  readonly summary: string;
  /** Larger is better (true for every training-free score; false for flops and params). */
  readonly higherIsBetter: boolean;
  readonly input: ProxyInput;
  /**
   * Whether the batch may be split into chunks that are scored one after another: true where each
   * sample's contribution is independent of the others (no batch statistics couple them).
   */
  readonly splittable: boolean;
  /** The fewest images it can be computed from (2 for jacob_cov's correlations and train-mode BatchNorm). */
  readonly minBatch: number;
  /**
   * The documented value for a dead genotype (see docs/proxies.md), given the batch size, returned
   * without running the network. Absent for proxies that never run it (l2_norm, flops, params):
   * those are computed as for any genotype.
   */
  deadValue?(batchSize: number): ProxyOutcome;
  run(ctx: ProxyContext): Promise<ProxyOutcome>;
}

export interface ProxyContext {
  /** The network being scored: proxies never change it (they work on `copy()`). */
  readonly net: ScorableNetwork;
  readonly batch: ProxyBatch;
  readonly rt: Runtime;
  readonly phases: PhaseClock;
  /** grasp's finite-difference step (relative scaling of the weights), see grasp.ts. */
  readonly graspStep: number;
  /** A private copy of the network, disposed when the proxy is done. */
  copy(): ScorableNetwork;
  /** Images [from, to) of the batch as a GPU tensor (the caller disposes it). */
  images(from?: number, to?: number): Tensor;
  /**
   * The most images one pass may hold within the memory budget. A proxy that cannot split the batch
   * calls `requireWholeBatch` instead, which throws ProxyBatchTooLargeError naming the N that fits.
   */
  chunkSize(): number;
  requireWholeBatch(proxy: string): void;
}
