// The op types an MSTF-NAS network's profile reports, and their work: each normal-cell node under
// its op's name (sep_conv_3x3, ...), each reduction branch under its pooling op's name
// (max_pool_3x3, ...: the whole branch, pool + ReLU + conv 1x1 + BN, as the space defines it), and
// the stem, the cells' own arithmetic (the normal cell's mean of outputs, the reduction cell's
// concatenation), the reduction fuse, the global pool and the classifier.
//
// FLOPs are the space's exact counts (src/space/costs.ts): 2 x the MACs of convolutions and the
// classifier, for the whole batch; BN, pooling, ReLU and the cell means are not counted. Backward
// is 2 x forward (input and weight gradients), except the stem's, whose input needs no gradient.
import { Block, NormalCell, ReductionCell } from '../space/cells.ts';
import { architectureCost } from '../space/costs.ts';
import { decodeGenotype } from '../space/genotype.ts';
import type { MstfNetwork } from '../space/network.ts';
import { NORMAL_OP_NAMES, REDUCTION_OP_NAMES } from '../space/op-names.ts';
import type { Module } from '../nn/module.ts';
import type { ProfileScope } from './attribution.ts';

export const STEM_LABEL = 'stem (conv 3x3, BN)';
export const CELL_MEAN_LABEL = 'normal cell: mean of outputs';
export const CONCAT_LABEL = 'reduction cell: concat';
export const FUSE_LABEL = 'reduction fuse (ReLU, conv 1x1, BN)';
export const POOL_LABEL = 'global average pool';
export const CLASSIFIER_LABEL = 'classifier (linear)';

function child(m: Module, name: string): Module {
  const found = m.namedChildren().find(([n]) => n === name);
  if (!found) throw new Error(`mstf-scopes: the network has no '${name}' (src/space/network.ts changed?)`);
  return found[1];
}

export interface MstfProfilePlan {
  readonly scopes: ProfileScope[];
  /** Per label, for the whole batch. */
  readonly flops: Record<string, { forward: number; backward: number }>;
}

export function mstfProfilePlan(net: MstfNetwork, batch: number): MstfProfilePlan {
  const genes = decodeGenotype(net.genotype);
  const scopes: ProfileScope[] = [
    { module: net.stem, label: STEM_LABEL },
    { module: child(net, 'global_pool'), label: POOL_LABEL },
    { module: net.classifier, label: CLASSIFIER_LABEL },
  ];
  net.blocks.namedChildren().forEach(([, block], b) => {
    if (!(block instanceof Block)) throw new Error('mstf-scopes: a block of the network is not a Block');
    const normal: NormalCell = block.normal;
    const reduction: ReductionCell = block.reduction;
    scopes.push({ module: normal, label: CELL_MEAN_LABEL }, { module: reduction, label: CONCAT_LABEL }, { module: reduction.fuse, label: FUSE_LABEL });
    normal.ops.items.forEach((op, k) => scopes.push({ module: op, label: NORMAL_OP_NAMES[genes[b].normal[k].op] }));
    reduction.branches.items.forEach((branch, j) => scopes.push({ module: branch, label: REDUCTION_OP_NAMES[genes[b].pools[j]] }));
  });

  const cost = architectureCost(net.genotype, net.config);
  const flops: MstfProfilePlan['flops'] = {};
  const add = (label: string, macs: number, backwardFactor = 2): void => {
    const f = (flops[label] ??= { forward: 0, backward: 0 });
    f.forward += 2 * macs * batch;
    f.backward += backwardFactor * 2 * macs * batch;
  };
  add(STEM_LABEL, cost.stem.macs, 1);
  for (const block of cost.blocks) {
    for (const node of block.nodes) add(node.op, node.macs);
    for (const branch of block.branches) add(branch.op, branch.macs);
    add(FUSE_LABEL, block.fuse.macs);
  }
  add(CLASSIFIER_LABEL, cost.classifier.macs);
  return { scopes, flops };
}
