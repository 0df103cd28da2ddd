// The layers of a genotype's network as plain data, without a GPU: the module tree that
// src/space/network.ts builds (same dotted names, same layer settings), walked in eval mode. The
// exporters read it instead of live modules so that exporting a model file needs no GPU (bytes in,
// bytes out); test/export checks it against the built network's names and shapes, and its ONNX
// graph's outputs against the network's own eval-mode logits.
//
// It imports the op names only (op-names.ts), not the op table (ops.ts), whose modules pull in the
// GPU kernels. Every layer is what the op table builds (src/space/ops.ts, op-modules.ts):
//   stem                 conv 3x3 pad 1 (no bias), BN
//   sep_conv_k           (ReLU, depthwise k x k pad k/2, conv 1x1, BN) x 2
//   dil_sep_conv_k       ReLU, depthwise k x k dilation 2 pad 2(k/2), conv 1x1, BN
//   dual_conv_7x7        ReLU, conv 1x7 pad (0, 3), conv 7x1 pad (3, 0), BN
//   identity, zero       no layers (zero is x * 0)
//   reduction branch     pool k x k stride 2 padded by halvingPadding (avg: padding not counted), ReLU, conv 1x1 c -> c/4, BN
//   reduction fuse       ReLU, conv 1x1 c -> 2c, BN (after the concatenation of the four branches)
//   head                 global average pool, linear 8C -> classes (with bias)
import { blockCount, decodeGenotype, normalCellOutputs, type Genotype } from '../space/genotype.ts';
import { NORMAL_OP_NAMES, REDUCTION_OP_NAMES, type NormalOpName, type ReductionOpName } from '../space/op-names.ts';
import { halvingPadding, planNetwork, REDUCTION_BRANCHES, type NetworkConfig, type NetworkPlan } from '../space/plan.ts';

/** BatchNorm2d's epsilon (PyTorch's default; the network never sets another). */
export const BATCH_NORM_EPS = 1e-5;

export interface ConvSpec {
  readonly kind: 'conv';
  /** Module name; its weight is `${name}.weight`. */
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /** [kh, kw] */
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  /** [top, bottom, left, right] (mednas's 4-number padding order). */
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly bias: boolean;
}

export interface BatchNormSpec {
  readonly kind: 'batchnorm';
  readonly name: string;
  readonly channels: number;
  /** Learnable weight and bias (true everywhere in the space). */
  readonly affine: boolean;
  readonly eps: number;
}

export interface ReluSpec {
  readonly kind: 'relu';
  readonly name: string;
}

/** A stride-2 halving pool at a known input size (its padding depends on the size). */
export interface PoolSpec {
  readonly kind: 'pool';
  readonly name: string;
  readonly pool: 'avg' | 'max';
  readonly kernel: number;
  readonly stride: number;
  /** [rows, columns], the same on both sides. */
  readonly padding: readonly [number, number];
  /** Always false: the space's average pools leave the padding out of the divisor. */
  readonly countIncludePad: boolean;
}

export type LayerSpec = ConvSpec | BatchNormSpec | ReluSpec | PoolSpec;

/** A normal cell's node: its op's layers (none for identity and zero). */
export interface NodeSpec {
  /** Module name (`blocks.b.normal.ops.k`). */
  readonly name: string;
  readonly op: NormalOpName;
  /** The state it reads: 0 = the cell input, j = node j-1's output. */
  readonly input: number;
  readonly layers: readonly LayerSpec[];
}

export interface NormalCellSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  /** The states the cell averages (the ones no node reads). */
  readonly outputs: readonly number[];
}

export interface BranchSpec {
  readonly name: string;
  readonly op: ReductionOpName;
  readonly layers: readonly LayerSpec[];
}

export interface ReductionCellSpec {
  readonly name: string;
  readonly branches: readonly BranchSpec[];
  readonly fuse: readonly LayerSpec[];
}

export interface BlockSpec {
  readonly name: string;
  readonly normal: NormalCellSpec;
  readonly reduction: ReductionCellSpec;
}

export interface LinearSpec {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export interface NetworkSpec {
  readonly genotype: Genotype;
  readonly plan: NetworkPlan;
  readonly stem: readonly LayerSpec[];
  readonly blocks: readonly BlockSpec[];
  readonly classifier: LinearSpec;
}

function conv(
  name: string, cin: number, cout: number, kernel: [number, number],
  options: { padding?: [number, number, number, number]; dilation?: number; groups?: number; stride?: number } = {},
): ConvSpec {
  const s = options.stride ?? 1;
  const d = options.dilation ?? 1;
  return {
    kind: 'conv', name, inChannels: cin, outChannels: cout, kernel, stride: [s, s], padding: options.padding ?? [0, 0, 0, 0],
    dilation: [d, d], groups: options.groups ?? 1, bias: false,
  };
}

const bn = (name: string, channels: number): BatchNormSpec => ({ kind: 'batchnorm', name, channels, affine: true, eps: BATCH_NORM_EPS });
const relu = (name: string): ReluSpec => ({ kind: 'relu', name });
const same = (p: number): [number, number, number, number] => [p, p, p, p];

/** The layers of `main` (names `${prefix}.main.i`) of a normal op at c channels. */
function normalOpLayers(op: NormalOpName, prefix: string, c: number): LayerSpec[] {
  const at = (i: number) => `${prefix}.main.${i}`;
  const k = Number(op.slice(-1));
  if (op === 'zero' || op === 'identity') return [];
  if (op.startsWith('sep_conv_')) {
    const half = (i0: number): LayerSpec[] => [
      relu(at(i0)),
      conv(at(i0 + 1), c, c, [k, k], { padding: same(Math.floor(k / 2)), groups: c }),
      conv(at(i0 + 2), c, c, [1, 1]),
      bn(at(i0 + 3), c),
    ];
    return [...half(0), ...half(4)];
  }
  if (op.startsWith('dil_sep_conv_')) {
    return [
      relu(at(0)),
      conv(at(1), c, c, [k, k], { padding: same(2 * Math.floor(k / 2)), dilation: 2, groups: c }),
      conv(at(2), c, c, [1, 1]),
      bn(at(3), c),
    ];
  }
  // dual_conv_7x7
  const p = Math.floor(k / 2);
  return [relu(at(0)), conv(at(1), c, c, [1, k], { padding: [0, 0, p, p] }), conv(at(2), c, c, [k, 1], { padding: [p, p, 0, 0] }), bn(at(3), c)];
}

/** ReLU, conv 1x1, BN named `${prefix}.main.{first..first+2}`. */
function reluConvBn(prefix: string, first: number, cin: number, cout: number): LayerSpec[] {
  return [relu(`${prefix}.main.${first}`), conv(`${prefix}.main.${first + 1}`, cin, cout, [1, 1]), bn(`${prefix}.main.${first + 2}`, cout)];
}

/**
 * The network of `genotype` at `config`, as buildNetwork would build it. The genotype must be valid
 * (decodeGenotype checks it) and the configuration plannable (planNetwork throws SpaceConfigError).
 */
export function describeNetwork(genotype: Genotype, config: NetworkConfig): NetworkSpec {
  const genes = decodeGenotype(genotype);
  const plan = planNetwork(config, blockCount(genotype));
  const c0 = plan.initChannels;
  const stem: LayerSpec[] = [conv('stem.0', plan.inChannels, c0, [3, 3], { padding: same(1) }), bn('stem.1', c0)];
  const blocks = plan.blocks.map((p, b): BlockSpec => {
    const name = `blocks.${b}`;
    const c = p.channels;
    const nodes = genes[b].normal.map((n, k): NodeSpec => {
      const op = NORMAL_OP_NAMES[n.op];
      const nodeName = `${name}.normal.ops.${k}`;
      return { name: nodeName, op, input: n.input, layers: normalOpLayers(op, nodeName, c) };
    });
    const branches = genes[b].pools.map((g, j): BranchSpec => {
      const op = REDUCTION_OP_NAMES[g];
      const kernel = Number(op.slice(-1)); // avg_pool_3x3 -> 3
      const branchName = `${name}.reduction.branches.${j}`;
      const pool: PoolSpec = {
        kind: 'pool', name: `${branchName}.main.0`, pool: op.startsWith('max') ? 'max' : 'avg', kernel, stride: 2,
        padding: [halvingPadding(kernel, p.height), halvingPadding(kernel, p.width)], countIncludePad: false,
      };
      return { name: branchName, op, layers: [pool, ...reluConvBn(branchName, 1, c, c / REDUCTION_BRANCHES)] };
    });
    return {
      name,
      normal: { name: `${name}.normal`, nodes, outputs: normalCellOutputs(genes[b].normal) },
      reduction: { name: `${name}.reduction`, branches, fuse: reluConvBn(`${name}.reduction.fuse`, 0, c, 2 * c) },
    };
  });
  return { genotype, plan, stem, blocks, classifier: { name: 'classifier', inFeatures: plan.features, outFeatures: plan.numClasses } };
}

/** Every layer in module order (the order PyTorch's state_dict walks them). */
export function allLayers(spec: NetworkSpec): LayerSpec[] {
  const out: LayerSpec[] = [...spec.stem];
  for (const block of spec.blocks) {
    for (const node of block.normal.nodes) out.push(...node.layers);
    for (const branch of block.reduction.branches) out.push(...branch.layers);
    out.push(...block.reduction.fuse);
  }
  return out;
}

/** One tensor of the state: its PyTorch state_dict name and shape. */
export interface StateEntrySpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * The network's state in PyTorch's state_dict order (per module: weight, bias, running_mean,
 * running_var), without BatchNorm's num_batches_tracked, which mednas does not keep.
 */
export function stateEntrySpecs(spec: NetworkSpec): StateEntrySpec[] {
  const out: StateEntrySpec[] = [];
  for (const layer of allLayers(spec)) {
    if (layer.kind === 'conv') {
      out.push({ name: `${layer.name}.weight`, shape: [layer.outChannels, layer.inChannels / layer.groups, ...layer.kernel] });
      if (layer.bias) out.push({ name: `${layer.name}.bias`, shape: [layer.outChannels] });
    } else if (layer.kind === 'batchnorm') {
      if (layer.affine) out.push({ name: `${layer.name}.weight`, shape: [layer.channels] }, { name: `${layer.name}.bias`, shape: [layer.channels] });
      out.push({ name: `${layer.name}.running_mean`, shape: [layer.channels] }, { name: `${layer.name}.running_var`, shape: [layer.channels] });
    }
  }
  const { name, inFeatures, outFeatures } = spec.classifier;
  out.push({ name: `${name}.weight`, shape: [outFeatures, inFeatures] }, { name: `${name}.bias`, shape: [outFeatures] });
  return out;
}
