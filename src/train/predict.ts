// Predicting with a model file on images of your own: each image decoded and prepared as the
// model's dataset was (channels, size: src/data/image-folder.ts's prepareImage), normalised as
// training normalised (the model file's normalisation: the training split's per-channel mean and
// std the trainer computed, cut to config.maxImages as the run was; a file from before model file
// version 3 lacks it, and then it comes from that dataset, exactly as evaluateModel gets it), and
// scored by the best-on-validation weights in eval mode through the same path as evaluation
// (predictSplit).
import { CUSTOM_NPZ_RELEASE, type ChannelStats, type ImageDataset } from '../data/dataset.ts';
import type { DecodedImage } from '../data/decode.ts';
import { prepareImage } from '../data/image-folder.ts';
import type { MedMnistTask } from '../data/registry.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { MissingNormalizationError } from './errors.ts';
import { buildModelNetwork, modelData } from './evaluate-model.ts';
import { predictSplit } from './evaluate.ts';
import { isMultiLabel } from './loss.ts';
import type { ModelFile } from './model-file.ts';

export interface PredictionSetup {
  /** The normalisation of the model's training run. */
  readonly stats: ChannelStats;
  /** Names of the model's outputs, or null where none are known (a custom .npz's classes are only numbers). */
  readonly classNames: readonly string[] | null;
  /** Where stats and classNames came from: the model file (version 3 on), or the dataset (an older file). */
  readonly from: 'model' | 'dataset';
  /** Said when the dataset's content, normalisation or class names differ from the model's, else null. */
  readonly notice: string | null;
}

/**
 * What predicting with `model` needs besides its weights: the normalisation it was trained with and
 * its class names. The model file's own when it records them (version 3 on); `dataset` (the data it
 * was trained on; it must fit the network: checkDatasetFits) is then optional, and when given it is
 * checked against them: a difference is said in `notice`, and the model's values are used, since its
 * weights were trained for them. An older file takes both from `dataset` (its training split's
 * statistics, of the first config.maxImages images when the run was cut, as evaluateModel) and
 * without it is a MissingNormalizationError.
 */
export function predictionSetup(model: ModelFile, dataset?: ImageDataset): PredictionSetup {
  if (dataset === undefined) {
    if (model.normalization === null) {
      throw new MissingNormalizationError(
        `the model file does not record the normalisation it was trained with (a model file from before version 3, written by an older mednas): ` +
          `give the data it was trained on (${model.dataset.name}) to take it from its training split`,
      );
    }
    return { stats: model.normalization, classNames: model.classNames, from: 'model', notice: null };
  }
  const { stats, notice } = modelData(model, dataset);
  const given = dataset.release === CUSTOM_NPZ_RELEASE ? null : dataset.classNames;
  if (model.normalization === null) return { stats, classNames: given, from: 'dataset', notice };
  const notes = notice === null ? [] : [notice];
  const names = model.classNames;
  if (names !== null && given !== null && names.some((n, i) => n !== given[i])) {
    notes.push(`${dataset.name}'s class names (${given.join(', ')}) differ from the model's (${names.join(', ')}), which are used`);
  }
  return { stats, classNames: names ?? given, from: 'model', notice: notes.length > 0 ? notes.join('; ') : null };
}

/** An image as the model's network takes it: its channels (gray repeated, or RGB to luma) and size. */
export function prepareForModel(image: DecodedImage, model: ModelFile): Uint8Array {
  const c = model.network.inChannels;
  if (c !== 1 && c !== 3) throw new RangeError(`the model takes ${c}-channel images; only 1 (grayscale) and 3 (RGB) are supported`);
  return prepareImage(image, c, model.network.inputSize);
}

export interface Prediction {
  /** The class with the highest score. */
  readonly predicted: number;
  /** Softmax probabilities over the classes (they sum to 1), or one sigmoid per label for multi-label models. */
  readonly scores: readonly number[];
}

export interface PredictOptions {
  readonly stats: ChannelStats;
  /** Images per forward pass (default: the training run's batch size). */
  readonly batchSize?: number;
  /** Which weights: the best on validation (default) or the last epoch's. */
  readonly weights?: 'best' | 'last';
}

/**
 * The model's predictions on prepared images (prepareForModel: H x W x C uint8 at the model's size
 * and channels), in order. Runs the network in eval mode through predictSplit, as evaluation does.
 */
export async function predictImages(rt: Runtime, model: ModelFile, images: readonly Uint8Array[], options: PredictOptions): Promise<Prediction[]> {
  const { inChannels: c, inputSize: s, numClasses: k } = model.network;
  const plane = s * s * c;
  images.forEach((im, i) => {
    if (im.length !== plane) throw new RangeError(`image ${i} has ${im.length} values; the model takes ${s} x ${s} x ${c} = ${plane} (prepareForModel makes them)`);
  });
  if (images.length === 0) return [];
  const task = model.dataset.task as MedMnistTask;
  const multiLabel = isMultiLabel(task);
  const pixels = new Uint8Array(images.length * plane);
  images.forEach((im, i) => pixels.set(im, i * plane));
  const empty = { count: 0, images: new Uint8Array(0), labels: new Int32Array(0) };
  const data: ImageDataset = {
    name: model.dataset.name,
    task,
    channels: c as 1 | 3,
    sizePx: s,
    classNames: Array.from({ length: k }, (_, i) => String(i)),
    labelWidth: multiLabel ? k : 1,
    splits: { train: empty, val: empty, test: { count: images.length, images: pixels, labels: new Int32Array(images.length * (multiLabel ? k : 1)) } },
    release: null,
    source: 'the images to predict',
  };
  const net = buildModelNetwork(rt, model, options.weights ?? 'best');
  try {
    const out = await predictSplit(rt, net, data, { split: 'test', batchSize: options.batchSize ?? model.config.batchSize, normalize: options.stats });
    return images.map((_, i) => {
      const scores = Array.from(out.scores.subarray(i * k, (i + 1) * k));
      let predicted = 0;
      for (let j = 1; j < k; j++) if (scores[j] > scores[predicted]) predicted = j;
      return { predicted, scores };
    });
  } finally {
    net.dispose();
  }
}
