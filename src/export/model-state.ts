// What every export format starts from: a model file's chosen weights, checked against the network
// its architecture describes (every tensor present, with its shape, and nothing else), in PyTorch's
// state_dict order, plus the facts a user of the exported file needs (as string metadata: the
// network, the weights, and the input normalisation and class names when the model file has them). An MSTF
// genotype's network is described by network-spec.ts, ResNet-18's by its plan (src/nn/resnet-plan.ts);
// both without a GPU.
import { resnetStateEntries, type ResNetPlan } from '../nn/resnet-plan.ts';
import { StateFormatError } from '../nn/state.ts';
import { architectureKey, resnetPlanOf } from '../train/architecture.ts';
import type { ChannelStats } from '../data/dataset.ts';
import type { ModelFile, TensorMap } from '../train/model-file.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { describeNetwork, stateEntrySpecs, type NetworkSpec, type StateEntrySpec } from './network-spec.ts';

/** Which weights of a model file: the best-on-validation ones (as `mednas eval` scores) or the last epoch's. */
export type ExportWeights = 'best' | 'last';

export interface NamedTensor {
  /** PyTorch state_dict name (mstf_torch.py's, e.g. `blocks.0.normal.ops.1.main.1.weight`; MedMNIST's models.py's for ResNet-18, e.g. `layer2.0.shortcut.0.weight`). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** The exported network as plain data: an MSTF genotype's layers, or ResNet-18's plan. */
export type ExportNetwork = { readonly kind: 'mstf'; readonly spec: NetworkSpec } | { readonly kind: 'resnet18'; readonly plan: ResNetPlan };

/** What the exported network takes and gives: images [N, inChannels, inputHeight, inputWidth], logits [N, numClasses]. */
export interface ExportShape {
  readonly inChannels: number;
  readonly inputHeight: number;
  readonly inputWidth: number;
  readonly numClasses: number;
}

export interface ModelState {
  readonly network: ExportNetwork;
  readonly shape: ExportShape;
  /** The input normalisation the model was trained with (null: a model file from before version 3). */
  readonly normalization: ChannelStats | null;
  /** In PyTorch's state_dict order (without BatchNorm's num_batches_tracked). */
  readonly tensors: readonly NamedTensor[];
  /** The weights taken: 'best' only when the file has best weights. */
  readonly weights: ExportWeights;
  /** The epoch (0-based) whose weights these are; null for a file with no finished epoch (initial weights). */
  readonly epoch: number | null;
  /** Facts about the model, as strings (ONNX metadata_props, safetensors __metadata__). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ModelStateOptions {
  /** Default 'best' (falls back to the last weights when the file has no best ones yet). */
  readonly weights?: ExportWeights;
  /** Names the file in errors; default 'the model file'. */
  readonly source?: string;
}

/** What the exported network takes as input: the same normalised images as mednas's loader gives it. */
export const INPUT_NOTE =
  "float32 [N, C, H, W], each channel normalised as mednas trains and evaluates: (pixel / 255 - mean) / std with the training split's per-channel mean and std";

/** The input of an ONNX graph exported with `input: 'pixels'` (the normalisation is its first two nodes). */
export const PIXEL_INPUT_NOTE =
  "float32 [N, C, H, W], pixel values 0-255 as in the image files: the graph normalises them itself ((pixel / 255 - mean) / std with the training split's per-channel mean and std, its first nodes)";

function describeWeights(weights: ExportWeights, epoch: number | null): string {
  return epoch === null ? 'initial (no finished epoch)' : `${weights === 'best' ? 'best on validation' : 'last'}, epoch ${epoch + 1}`;
}

/** The network a model file describes, without a GPU. */
export function exportNetwork(model: ModelFile): ExportNetwork {
  const a = model.architecture;
  return a.kind === 'mstf' ? { kind: 'mstf', spec: describeNetwork(a.genotype, { ...model.network }) } : { kind: 'resnet18', plan: resnetPlanOf(model.network) };
}

/** The network's state in PyTorch's state_dict order (without BatchNorm's num_batches_tracked). */
export function exportStateEntries(network: ExportNetwork): StateEntrySpec[] {
  return network.kind === 'mstf' ? stateEntrySpecs(network.spec) : resnetStateEntries(network.plan).map(({ name, shape }) => ({ name, shape }));
}

function exportShape(network: ExportNetwork): ExportShape {
  if (network.kind === 'mstf') {
    const { inChannels, inputHeight, inputWidth, numClasses } = network.spec.plan;
    return { inChannels, inputHeight, inputWidth, numClasses };
  }
  const p = network.plan;
  return { inChannels: p.inChannels, inputHeight: p.inputSize, inputWidth: p.inputSize, numClasses: p.numClasses };
}

/**
 * The tensors of `model` to export, checked against its architecture's network. A file whose tensors
 * do not fit (a missing or extra name, a wrong shape or length) is a StateFormatError naming the source.
 */
export function modelState(model: ModelFile, options: ModelStateOptions = {}): ModelState {
  const source = options.source ?? 'the model file';
  const network = exportNetwork(model);
  const useBest = (options.weights ?? 'best') === 'best' && model.best !== null;
  const map: TensorMap = useBest ? model.best!.tensors : model.tensors;
  const where = useBest ? 'best.tensors' : 'tensors';
  const advice = `The file does not hold the network its ${model.architecture.kind === 'mstf' ? 'genotype' : 'architecture'} describes: use an intact model file written by \`mednas train\`.`;
  const expected = exportStateEntries(network);
  const tensors = expected.map(({ name, shape }): NamedTensor => {
    const t = map.get(name);
    if (!t) throw new StateFormatError(source, `${where} has no '${name}'`, advice);
    const size = shape.reduce((p, d) => p * d, 1);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.values.length !== size) {
      throw new StateFormatError(source, `${where}.${name} is [${t.shape.join(', ')}] with ${t.values.length} values; the network needs [${shape.join(', ')}]`, advice);
    }
    return { name, shape, values: t.values };
  });
  if (map.size !== expected.length) {
    const known = new Set(expected.map((e) => e.name));
    const extra = [...map.keys()].filter((n) => !known.has(n));
    throw new StateFormatError(source, `${where} holds ${extra.length} tensor(s) the network does not have (${extra.slice(0, 3).join(', ')})`, advice);
  }
  const weights: ExportWeights = useBest ? 'best' : 'last';
  const epoch = useBest ? model.best!.epoch : model.epochsDone > 0 ? model.epochsDone - 1 : null;
  const shape = exportShape(network);
  const a = model.architecture;
  const metadata: Record<string, string> = {
    producer: 'mednas',
    mednas_version: MEDNAS_VERSION,
    architecture: a.kind,
    ...(a.kind === 'mstf' ? { genotype: architectureKey(a) } : {}),
    in_channels: String(shape.inChannels),
    num_classes: String(shape.numClasses),
    init_channels: String(model.network.initChannels),
    input_size: `${shape.inputHeight}x${shape.inputWidth}`,
    dataset: model.dataset.name,
    task: model.dataset.task,
    weights: describeWeights(weights, epoch),
    input: model.normalization ? `${INPUT_NOTE} (metadata keys mean and std)` : INPUT_NOTE,
    // What a user of the exported file needs to feed it and to name its outputs, as JSON arrays
    // (metadata values are strings): the model file's normalisation and class names when it records
    // them (a model file from before version 3 does not; docs/export.md says where to get them then).
    ...(model.normalization ? { mean: JSON.stringify(model.normalization.mean), std: JSON.stringify(model.normalization.std) } : {}),
    ...(model.classNames ? { class_names: JSON.stringify(model.classNames) } : {}),
  };
  return { network, shape, normalization: model.normalization, tensors, weights, epoch, metadata };
}
