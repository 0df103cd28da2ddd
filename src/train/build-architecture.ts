// Building an Architecture's network (src/train/architecture.ts) on a device, and its size. Every
// network the trainer, evaluation, prediction and the ground-truth builder run comes from here.
import type { Runtime } from '../gpu/runtime.ts';
import type { Linear } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import { buildResNet18 } from '../nn/resnet.ts';
import { resnetCost } from '../nn/resnet-plan.ts';
import { architectureCost } from '../space/costs.ts';
import { buildNetwork } from '../space/network.ts';
import { resnetPlanOf, type Architecture, type ArchitectureShape } from './architecture.ts';

/** Every network the trainer takes: a Module whose linear head is `classifier`. */
export type ArchitectureNetwork = Module & { readonly classifier: Linear };

export interface BuildArchitectureOptions {
  readonly rt?: Runtime;
  /** Seed of the initial weights (PyTorch's default initialisations); default 0. */
  readonly seed?: number;
}

/** Builds the network of `a` for `shape`, its initial weights drawn from options.seed. Bad settings throw before any GPU work. */
export function buildArchitecture(a: Architecture, shape: ArchitectureShape, options: BuildArchitectureOptions = {}): ArchitectureNetwork {
  if (a.kind === 'mstf') return buildNetwork(a.genotype, { ...shape }, { rt: options.rt, seed: options.seed });
  return buildResNet18({ inChannels: shape.inChannels, numClasses: shape.numClasses, width: shape.initChannels, inputSize: shape.inputSize }, options);
}

/** Trained scalars and multiply-accumulates per image (src/space/costs.ts's and resnetCost's conventions, which agree). */
export function architectureSizeOf(a: Architecture, shape: ArchitectureShape): { readonly params: number; readonly macs: number } {
  if (a.kind === 'resnet18') return resnetCost(resnetPlanOf(shape));
  const c = architectureCost(a.genotype, { ...shape });
  return { params: c.params, macs: c.macs };
}
