// The network builder: genotype + configuration -> an nn Module with PyTorch-style dotted names.
//   stem.0            conv 3x3 in -> C, padding 1, no bias        stem.1  BN (no ReLU)
//   blocks.b.normal.ops.k.main.i               node k's op layers (zero and identity have none)
//   blocks.b.reduction.branches.j.main.{0..3}  pool, ReLU, conv 1x1 c -> c/4, BN
//   blocks.b.reduction.fuse.main.{0..2}        ReLU, conv 1x1 c -> 2c, BN
//   global_pool (no state), classifier          linear 8C -> classes, with bias
// scripts/golden/mstf_torch.py builds the same structure in PyTorch, so a state dict maps one-to-one
// (PyTorch's BatchNorm also keeps `num_batches_tracked`, which mednas does not: momentum is fixed).
import type { Runtime } from '../gpu/runtime.ts';
import { BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, Sequential, type InitOptions } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { Block } from './cells.ts';
import { SpaceConfigError } from './errors.ts';
import { blockCount, decodeGenotype, resolveGenotype, type Genotype, type GenotypeInput } from './genotype.ts';
import { planNetwork, type NetworkConfig, type NetworkPlan } from './plan.ts';

export interface BuildOptions {
  /** Where the initial weights come from (PyTorch's default initialisations); default new Rng(seed). */
  rng?: Rng;
  /** Seed for the default Rng; default 0. */
  seed?: number;
  rt?: Runtime;
}

export class MstfNetwork extends Module {
  readonly stem: Sequential;
  readonly blocks: Sequential;
  readonly classifier: Linear;
  readonly plan: NetworkPlan;
  private readonly globalPool: GlobalAvgPool2d;
  private readonly runtime: Runtime;

  /** Use buildNetwork: it validates the genotype and the configuration first. */
  constructor(
    readonly genotype: Genotype,
    readonly config: NetworkConfig,
    init: InitOptions,
  ) {
    super();
    this.plan = planNetwork(config, blockCount(genotype));
    const { rng, rt } = init;
    const c = this.plan.initChannels;
    this.stem = this.addChild(
      'stem',
      new Sequential(new Conv2d(this.plan.inChannels, c, 3, { rng, rt, padding: 1, bias: false }), new BatchNorm2d(c, { rt })),
    );
    const genes = decodeGenotype(genotype);
    this.blocks = this.addChild('blocks', new Sequential(...this.plan.blocks.map((p, b) => new Block(p.channels, genes[b], init))));
    this.globalPool = this.addChild('global_pool', new GlobalAvgPool2d());
    this.classifier = this.addChild('classifier', new Linear(this.plan.features, this.plan.numClasses, { rng, rt }));
    this.runtime = this.classifier.weight.rt;
  }

  /** [N, inChannels, H, W] -> logits [N, numClasses]. A wrong channel count or too small an input throws before any GPU work. */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.plan.inChannels) {
      throw new SpaceConfigError(
        `the network takes [N, ${this.plan.inChannels}, H, W] images, got [${x.shape.join(', ')}]: build it for the dataset's channels (inChannels)`,
      );
    }
    if (x.shape[2] !== this.plan.inputHeight || x.shape[3] !== this.plan.inputWidth) {
      planNetwork({ ...this.config, inputSize: [x.shape[2], x.shape[3]] }, this.plan.blocks.length); // throws if too small
    }
    const features = this.blocks.forward(this.stem.forward(x));
    return this.classifier.forward(this.globalPool.forward(features));
  }

  /**
   * A copy with its own tensors: same genotype, configuration, weights, BN running statistics, modes
   * (training, BN bypass and statistics) and frozen flags. Proxies score a copy so the original never
   * changes. Dispose it when done.
   */
  clone(): MstfNetwork {
    const copy = new MstfNetwork(this.genotype, this.config, { rng: new Rng(0), rt: this.runtime });
    copy.copyStateFrom(this);
    const theirs = [...this.modules()];
    [...copy.modules()].forEach((m, i) => {
      m.training = theirs[i].training;
      if (m instanceof BatchNorm2d) {
        const o = theirs[i] as BatchNorm2d;
        m.bypass = o.bypass;
        m.statistics = o.statistics;
      }
    });
    const mine = copy.parameters();
    this.parameters().forEach((p, i) => mine[i].setRequiresGrad(p.requiresGrad));
    return copy;
  }
}

/**
 * Builds the network of `genotype` (or `paper`). The genotype and the configuration are checked
 * first (GenotypeError, SpaceConfigError), so bad input never reaches the GPU.
 */
export function buildNetwork(genotype: GenotypeInput, config: NetworkConfig, options: BuildOptions = {}): MstfNetwork {
  const g = resolveGenotype(genotype, config.blocks === undefined ? {} : { blocks: config.blocks });
  planNetwork(config, blockCount(g));
  return new MstfNetwork(Object.freeze([...g]), { ...config }, { rng: options.rng ?? new Rng(options.seed ?? 0), rt: options.rt });
}
