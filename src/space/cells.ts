// The two cells of a block. Normal cell: node k applies its op to state `input` (0 = the cell input,
// j = node j-1's output) and appends the result; the output is the element-wise mean of the states
// no node reads. Reduction cell: four pooling branches (each c -> c/4 at half the size) concatenated
// to c channels, then ReLU, conv 1x1 c -> 2c, BN.
import { meanOf } from '../ops/elementwise.ts';
import { concat } from '../ops/shape.ts';
import { ModuleList, type InitOptions } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { normalCellOutputs, type BlockGenes, type NormalNode } from './genotype.ts';
import { MainOp, reluConvBnLayers } from './op-modules.ts';
import { NORMAL_OPS, REDUCTION_OPS } from './ops.ts';

export class NormalCell extends Module {
  /** `ops.k` is node k's op. */
  readonly ops: ModuleList;
  private readonly inputs: readonly number[];
  private readonly outputs: readonly number[];

  constructor(channels: number, nodes: readonly NormalNode[], init: InitOptions) {
    super();
    this.ops = this.addChild('ops', new ModuleList(nodes.map((n) => NORMAL_OPS[n.op].build(channels, init))));
    this.inputs = nodes.map((n) => n.input);
    this.outputs = normalCellOutputs(nodes);
  }

  forward(x: Tensor): Tensor {
    const states = [x];
    this.ops.items.forEach((op, k) => states.push(op.forward(states[this.inputs[k]])));
    const outs = this.outputs.map((s) => states[s]);
    // One pass for the mean (the add chain it replaced wrote the activation once per output).
    return outs.length === 1 ? outs[0] : meanOf(outs);
  }
}

export class ReductionCell extends Module {
  /** `branches.i` is pooling branch i (pool, ReLU, conv 1x1 c -> c/4, BN). */
  readonly branches: ModuleList;
  /** ReLU, conv 1x1 c -> 2c, BN after the concatenation. */
  readonly fuse: MainOp;

  constructor(channels: number, pools: readonly number[], init: InitOptions) {
    super();
    this.branches = this.addChild('branches', new ModuleList(pools.map((p) => REDUCTION_OPS[p].build(channels, init))));
    this.fuse = this.addChild('fuse', new MainOp(...reluConvBnLayers(channels, 2 * channels, init)));
  }

  forward(x: Tensor): Tensor {
    return this.fuse.forward(concat(this.branches.items.map((b) => b.forward(x)), 1));
  }
}

/** One block: a normal cell at `channels`, then a reduction cell to twice the channels at half the size. */
export class Block extends Module {
  readonly normal: NormalCell;
  readonly reduction: ReductionCell;

  constructor(channels: number, genes: BlockGenes, init: InitOptions) {
    super();
    this.normal = this.addChild('normal', new NormalCell(channels, genes.normal, init));
    this.reduction = this.addChild('reduction', new ReductionCell(channels, genes.pools, init));
  }

  forward(x: Tensor): Tensor {
    return this.reduction.forward(this.normal.forward(x));
  }
}
