// What every export format starts from: a model file's chosen weights, checked against the network
// its genotype describes (every tensor present, with its shape, and nothing else), in PyTorch's
// state_dict order, plus the facts a user of the exported file needs (as string metadata).
import { StateFormatError } from '../nn/state.ts';
import type { ModelFile, TensorMap } from '../train/model-file.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { describeNetwork, stateEntrySpecs, type NetworkSpec } from './network-spec.ts';

/** Which weights of a model file: the best-on-validation ones (as `mednas eval` scores) or the last epoch's. */
export type ExportWeights = 'best' | 'last';

export interface NamedTensor {
  /** PyTorch state_dict name (mstf_torch.py's), e.g. `blocks.0.normal.ops.1.main.1.weight`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface ModelState {
  readonly spec: NetworkSpec;
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

function describeWeights(weights: ExportWeights, epoch: number | null): string {
  return epoch === null ? 'initial (no finished epoch)' : `${weights === 'best' ? 'best on validation' : 'last'}, epoch ${epoch + 1}`;
}

/**
 * The tensors of `model` to export, checked against its genotype's network. A file whose tensors do
 * not fit (a missing or extra name, a wrong shape or length) is a StateFormatError naming the source.
 */
export function modelState(model: ModelFile, options: ModelStateOptions = {}): ModelState {
  const source = options.source ?? 'the model file';
  const spec = describeNetwork(model.genotype, { ...model.network });
  const useBest = (options.weights ?? 'best') === 'best' && model.best !== null;
  const map: TensorMap = useBest ? model.best!.tensors : model.tensors;
  const where = useBest ? 'best.tensors' : 'tensors';
  const advice = 'The file does not hold the network its genotype describes: use an intact model file written by `mednas train`.';
  const expected = stateEntrySpecs(spec);
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
  const { plan } = spec;
  const metadata: Record<string, string> = {
    producer: 'mednas',
    mednas_version: MEDNAS_VERSION,
    genotype: model.genotype.join(','),
    in_channels: String(plan.inChannels),
    num_classes: String(plan.numClasses),
    init_channels: String(plan.initChannels),
    input_size: `${plan.inputHeight}x${plan.inputWidth}`,
    dataset: model.dataset.name,
    task: model.dataset.task,
    weights: describeWeights(weights, epoch),
    input: INPUT_NOTE,
  };
  return { spec, tensors, weights, epoch, metadata };
}
