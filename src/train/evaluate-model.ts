// Evaluating a model file on a dataset: the dataset must fit the network (channels, classes, task,
// image size), checked before any GPU work; the network is rebuilt from the file's architecture
// and shape, given its best-on-validation weights, and scored with MedMNIST's metrics, on inputs
// normalised as it was trained (the model file's normalisation; an older file's, the data's).
import { trainStats, type ChannelStats, type ImageDataset } from '../data/dataset.ts';
import type { SplitName } from '../data/registry.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { loadNamedValues } from '../nn/state.ts';
import { buildArchitecture, type ArchitectureNetwork } from './build-architecture.ts';
import { datasetId, firstImages } from './dataset-id.ts';
import { DatasetMismatchError } from './errors.ts';
import { evaluateSplit } from './evaluate.ts';
import type { Metrics } from './metrics.ts';
import type { ModelFile } from './model-file.ts';

/** Builds the network a model file describes, with its best weights (or its last ones when asked, or when it has no best yet). */
export function buildModelNetwork(rt: Runtime, model: ModelFile, which: 'best' | 'last' = 'best'): ArchitectureNetwork {
  const net = buildArchitecture(model.architecture, model.network, { rt, seed: model.config.seed });
  loadNamedValues(net, which === 'best' && model.best ? model.best.tensors : model.tensors, 'the model file');
  return net;
}

const channelsText = (n: number) => `${n} channel${n === 1 ? '' : 's'}`;

/** What checkDatasetFits needs of a dataset: a loaded ImageDataset, or datasetShape(name) before loading. */
export interface DatasetFitsInfo {
  readonly name: string;
  readonly task: string;
  readonly channels: number;
  readonly classes: number;
  /** Unknown before the file is read. */
  readonly sizePx?: number;
}

/** The fields checkDatasetFits reads, from a loaded dataset. */
export function fitsInfo(dataset: ImageDataset): DatasetFitsInfo {
  return { name: dataset.name, task: dataset.task, channels: dataset.channels, classes: dataset.classNames.length, sizePx: dataset.sizePx };
}

/** Throws a DatasetMismatchError saying what differs, and what to do, when the dataset cannot feed the model's network. */
export function checkDatasetFits(model: ModelFile, dataset: DatasetFitsInfo): void {
  const m = model.network;
  const wrong: string[] = [];
  if (dataset.channels !== m.inChannels) wrong.push(`${channelsText(dataset.channels)} (the network takes ${m.inChannels})`);
  if (dataset.classes !== m.numClasses) wrong.push(`${dataset.classes} classes (the network has ${m.numClasses} outputs)`);
  if (dataset.sizePx !== undefined && dataset.sizePx !== m.inputSize) wrong.push(`${dataset.sizePx} px images (the network was trained on ${m.inputSize} px)`);
  if (dataset.task !== model.dataset.task && wrong.length === 0) wrong.push(`task '${dataset.task}' (the network was trained for '${model.dataset.task}')`);
  if (wrong.length > 0) {
    throw new DatasetMismatchError(
      `${dataset.name} does not fit the model trained on ${model.dataset.name}: it has ${wrong.join(', ')}. ` +
        `Evaluate it on ${model.dataset.name} (or a dataset with ${channelsText(m.inChannels)}, ${m.numClasses} classes, ${m.inputSize} px), or train a model for ${dataset.name}.`,
    );
  }
}

export interface ModelEvaluation extends Metrics {
  readonly split: SplitName;
  readonly images: number;
  /** The epoch whose weights were scored (0-based). */
  readonly epoch: number;
  /** Said when the dataset's content differs from the one the model was trained on, else null. */
  readonly notice: string | null;
}

/** Per-channel mean/std as text, for messages ("0.3276/0.2014, ..."). */
export function statsText(stats: ChannelStats): string {
  return stats.mean.map((m, i) => `${m.toFixed(4)}/${stats.std[i].toFixed(4)}`).join(', ');
}

/** Whether two normalisations agree (to 1e-9: the same data gives the same numbers bit for bit). */
function sameStats(a: ChannelStats, b: ChannelStats): boolean {
  const near = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= 1e-9);
  return near(a.mean, b.mean) && near(a.std, b.std);
}

export interface ModelData {
  /** The dataset as the run saw it (cut to config.maxImages when the run was). */
  readonly data: ImageDataset;
  /**
   * The normalisation to score it with: the model file's (what the network was trained with) when
   * it records one (version 3), else the data's training-split statistics (trainStats(data)).
   */
  readonly stats: ChannelStats;
  /** Said when the data's content differs from the one the model was trained on, or its normalisation from the model's; else null. */
  readonly notice: string | null;
}

/**
 * The data as the model's run saw it (cut to the first config.maxImages images of each split when
 * the run was), checked to fit the network, the normalisation to give it, and a notice when its
 * content is not the data the model was trained on or its training split normalises differently.
 * A model file that records its normalisation is always scored with it: its weights were trained
 * for those inputs, and another copy of the data must not change what the model computes.
 */
export function modelData(model: ModelFile, dataset: ImageDataset): ModelData {
  checkDatasetFits(model, fitsInfo(dataset));
  const data = model.config.maxImages === null ? dataset : firstImages(dataset, model.config.maxImages);
  const id = datasetId(data);
  const notes: string[] = [];
  if (id.crc32 !== model.dataset.crc32 || id.name !== model.dataset.name) {
    notes.push(`${data.name} is not the data the model was trained on (${model.dataset.name}, CRC-32 ${model.dataset.crc32.toString(16)}; this one ${id.crc32.toString(16)})`);
  }
  const stored = model.normalization;
  const own = stored === null || notes.length > 0 ? trainStats(data) : null;
  if (stored === null) {
    if (notes.length > 0) notes.push('its training-split normalisation differs too (the model file does not record the one the model was trained with)');
  } else if (own !== null && !sameStats(own, stored)) {
    notes.push(`its training-split normalisation (mean/std ${statsText(own)}) differs from the model's (${statsText(stored)}), which is used (the model was trained with it)`);
  }
  return { data, stats: stored ?? own!, notice: notes.length > 0 ? notes.join(': ') : null };
}

/**
 * MedMNIST's ACC and AUC of a model file's best weights on `split` of `dataset` (cut to the first
 * config.maxImages images of each split when the run was, so a model reproduces its own test figure).
 */
export async function evaluateModel(
  rt: Runtime, model: ModelFile, dataset: ImageDataset, options: { split: SplitName; onBatch?: (done: number, total: number) => void },
): Promise<ModelEvaluation> {
  const { data, stats, notice } = modelData(model, dataset);
  const net = buildModelNetwork(rt, model);
  try {
    const metrics = await evaluateSplit(rt, net, data, { split: options.split, batchSize: model.config.batchSize, normalize: stats, onBatch: options.onBatch });
    return { ...metrics, split: options.split, images: data.splits[options.split].count, epoch: model.best?.epoch ?? model.epochsDone - 1, notice };
  } finally {
    net.dispose();
  }
}
