// Exact costs from the genotype alone, without building or running anything, for one input image of
// inChannels x H x W (28 x 28 by default). Counted:
//   params: every trainable scalar (conv weights, BN weight and bias, the classifier's weight and
//           bias); BN running statistics are buffers and not counted;
//   macs:   multiply-accumulates of convolutions and the classifier, output elements x (input
//           channels / groups) x kernel area (padded taps included), for one image; pooling, BN,
//           ReLU, the zero op, the cell means and the global average pool are not counted;
//   flops:  2 x macs.
// The per-op formulas are in the op table (ops.ts).
import { blockCount, decodeGenotype, resolveGenotype, type GenotypeInput } from './genotype.ts';
import { NORMAL_OPS, REDUCTION_OPS, type NormalOpName, type ReductionOpName } from './ops.ts';
import { planNetwork, type NetworkConfig, type NetworkPlan } from './plan.ts';

export interface Cost {
  readonly params: number;
  readonly macs: number;
}

export interface OpCost extends Cost {
  readonly op: NormalOpName | ReductionOpName;
}

export interface BlockCost {
  /** 1-based, as the text form and the pictures number blocks. */
  readonly block: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** The normal cell: the sum of its five nodes. */
  readonly normal: Cost;
  readonly nodes: readonly OpCost[];
  /** The reduction cell: four branches plus the fuse (ReLU, conv 1x1 c -> 2c, BN). */
  readonly reduction: Cost;
  readonly branches: readonly OpCost[];
  readonly fuse: Cost;
  /** normal + reduction. */
  readonly total: Cost;
}

export interface ArchitectureCost extends Cost {
  readonly flops: number;
  readonly stem: Cost;
  readonly blocks: readonly BlockCost[];
  readonly classifier: Cost;
  readonly plan: NetworkPlan;
}

const sum = (costs: readonly Cost[]): Cost => ({
  params: costs.reduce((s, c) => s + c.params, 0),
  macs: costs.reduce((s, c) => s + c.macs, 0),
});

/** Params, MACs and FLOPs of the network `genotype` would build with `config`, block by block. */
export function architectureCost(genotype: GenotypeInput, config: NetworkConfig): ArchitectureCost {
  const g = resolveGenotype(genotype, config.blocks === undefined ? {} : { blocks: config.blocks });
  const plan = planNetwork(config, blockCount(g));
  const c0 = plan.initChannels;
  const stem: Cost = {
    params: plan.inChannels * c0 * 9 + 2 * c0,
    macs: plan.inputHeight * plan.inputWidth * plan.inChannels * c0 * 9,
  };
  const blocks = decodeGenotype(g).map((genes, b): BlockCost => {
    const { channels: c, height: h, width: w, outHeight, outWidth } = plan.blocks[b];
    const nodes = genes.normal.map((n): OpCost => {
      const op = NORMAL_OPS[n.op];
      return { op: op.name, params: op.params(c), macs: op.macs(c, h, w) };
    });
    const branches = genes.pools.map((p): OpCost => {
      const op = REDUCTION_OPS[p];
      return { op: op.name, params: op.params(c), macs: op.macs(c, h, w) };
    });
    const fuse: Cost = { params: c * 2 * c + 2 * (2 * c), macs: outHeight * outWidth * c * 2 * c };
    const normal = sum(nodes);
    const reduction = sum([...branches, fuse]);
    return { block: b + 1, channels: c, height: h, width: w, normal, nodes, reduction, branches, fuse, total: sum([normal, reduction]) };
  });
  const classifier: Cost = { params: plan.features * plan.numClasses + plan.numClasses, macs: plan.features * plan.numClasses };
  const total = sum([stem, ...blocks.map((b) => b.total), classifier]);
  return { ...total, flops: 2 * total.macs, stem, blocks, classifier, plan };
}
