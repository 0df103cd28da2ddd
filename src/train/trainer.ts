// The training run: epochs of SGD over the training split (AugMix per the config), validation after
// each epoch, the best-on-validation weights kept (best validation AUC; the first epoch that
// reaches it wins ties), a model file handed to `saveModel` after every epoch, and a final test of
// the best weights. Progress goes to a callback; nothing is printed.
//
// Exact resumption: every input of an epoch is a pure function of the saved state. The weights,
// BatchNorm statistics and momentum buffers are restored bit for bit (f32 in, f32 out), the data
// order and augmentation of epoch e come from (seed, e), and the learning rate from (epoch, step).
// So continuing from a model file written after epoch k ends with exactly the weights of an
// uninterrupted run. The loss is read back once per step (one step late, so the GPU always has the
// next step queued) to stop at the first NaN or Inf.
import { CUSTOM_NPZ_RELEASE, trainStats, type ImageDataset } from '../data/dataset.ts';
import { DataLoader } from '../data/loader.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { loadNamedValues, StateFormatError, type StateTensor } from '../nn/state.ts';
import type { Module } from '../nn/module.ts';
import type { GenotypeInput } from '../space/genotype.ts';
import { architectureKey, architectureLabel, toArchitecture, type Architecture, type ArchitectureInput } from './architecture.ts';
import { buildArchitecture, type ArchitectureNetwork } from './build-architecture.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkTrainConfig, configDifferences, scheduleOf, type TrainConfig } from './config.ts';
import { datasetId, firstImages, type DatasetId } from './dataset-id.ts';
import { DatasetMismatchError, NonFiniteLossError, TrainConfigError } from './errors.ts';
import { evaluateSplit } from './evaluate.ts';
import { lossForTask } from './loss.ts';
import type { Metrics } from './metrics.ts';
import { encodeModelFile, type EpochRecord, type ModelFile, type ModelNetwork, type TensorMap } from './model-file.ts';
import { learningRate } from './schedule.ts';
import { Sgd } from './sgd.ts';
import { sgdStep } from './step.ts';

export type TrainEvent =
  | {
      readonly type: 'start';
      readonly epochs: number;
      /** 0-based epoch the run starts at (> 0 when resumed). */
      readonly startEpoch: number;
      readonly stepsPerEpoch: number;
      readonly images: Readonly<Record<'train' | 'val' | 'test', number>>;
      readonly params: number;
    }
  | {
      readonly type: 'step';
      readonly epoch: number;
      readonly epochs: number;
      /** 0-based step within the epoch. */
      readonly step: number;
      readonly steps: number;
      readonly loss: number;
      readonly lr: number;
      /** Training images per second so far in this epoch. */
      readonly imagesPerSecond: number;
      readonly epochElapsedMs: number;
    }
  | { readonly type: 'evaluate'; readonly split: 'val' | 'test'; readonly done: number; readonly total: number }
  | {
      readonly type: 'epoch';
      readonly epochs: number;
      readonly record: EpochRecord;
      readonly bestEpoch: number;
      readonly bestVal: Metrics;
      /** The model file was handed to saveModel (and its promise resolved) before this event. */
      readonly saved: boolean;
    }
  | { readonly type: 'test'; readonly bestEpoch: number; readonly metrics: Metrics };

/** The network to train: an architecture (a genotype, or ResNet-18; src/train/architecture.ts), or a genotype alone. */
export type TrainArchitecture = { readonly architecture: ArchitectureInput; readonly genotype?: never } | { readonly genotype: GenotypeInput; readonly architecture?: never };

export type TrainOptions = TrainArchitecture & TrainRunOptions;

export interface TrainRunOptions {
  readonly rt: Runtime;
  /** The whole dataset; the config's maxImages cuts it (firstImages). */
  readonly dataset: ImageDataset;
  readonly config: TrainConfig;
  /** A model file to continue (checkResume first); its config is used, `config` must equal it. */
  readonly resume?: ModelFile | null;
  readonly onProgress?: (event: TrainEvent) => void;
  /** Called after every epoch and after the final test with the model file's bytes: write them atomically. */
  readonly saveModel?: (bytes: Uint8Array, model: ModelFile) => Promise<void>;
  /**
   * Test hook: sees every training batch's images (normalised, NCHW) and the network before its
   * step (a test writes NaN into a weight to check that a NaN loss stops the run).
   */
  readonly beforeStep?: (step: { readonly epoch: number; readonly step: number; readonly images: Float32Array; readonly network: ArchitectureNetwork }) => void;
  /**
   * Called after each epoch's validation, before its model file is saved, with the network in train
   * mode (the ground-truth builder scores the test split here, which changes no training state:
   * evaluation runs in eval mode without the tape and restores the mode).
   */
  readonly afterEpoch?: (info: { readonly epoch: number; readonly network: ArchitectureNetwork; readonly data: ImageDataset }) => Promise<void>;
}

export interface TrainResult {
  readonly model: ModelFile;
  /** The best weights' metrics on the test split. */
  readonly test: Metrics;
  readonly bestEpoch: number;
}

/** The network shape a dataset and config give. */
export function modelNetwork(dataset: ImageDataset | DatasetId, initChannels: number): ModelNetwork {
  const classes = 'classNames' in dataset ? dataset.classNames.length : dataset.classes;
  return { inChannels: dataset.channels, numClasses: classes, initChannels, inputSize: dataset.sizePx };
}

/** Why `model` cannot be continued with this architecture (or genotype) and dataset, or null when it can. */
export function resumeProblem(model: ModelFile, architecture: ArchitectureInput, dataset: DatasetId): string | null {
  const want = toArchitecture(architecture);
  const have = model.architecture;
  if (architectureKey(want) !== architectureKey(have)) {
    return want.kind === 'mstf' && have.kind === 'mstf'
      ? `it was trained for genotype ${architectureKey(have)}, not ${architectureKey(want)}`
      : `it was trained for ${architectureLabel(have)}, not ${architectureLabel(want)}`;
  }
  const d = model.dataset;
  if (d.name !== dataset.name) return `it was trained on ${d.name}, not ${dataset.name}`;
  if (d.sizePx !== dataset.sizePx) return `it was trained on ${d.sizePx} px images, not ${dataset.sizePx} px`;
  if (d.crc32 !== dataset.crc32 || ['train', 'val', 'test'].some((s) => d.counts[s as 'train'] !== dataset.counts[s as 'train'])) {
    return `its dataset ${d.name} (${d.counts.train}/${d.counts.val}/${d.counts.test} images, CRC-32 ${d.crc32.toString(16)}) differs from this one (${dataset.counts.train}/${dataset.counts.val}/${dataset.counts.test}, CRC-32 ${dataset.crc32.toString(16)})`;
  }
  return null;
}

async function readTensors(net: Module): Promise<Map<string, StateTensor>> {
  const out = new Map<string, StateTensor>();
  for (const [name, t] of net.stateEntries()) out.set(name, { shape: [...t.shape], values: await t.data() });
  return out;
}

/** Trains (or continues) a run to its last epoch and tests the best weights. */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { rt, resume } = options;
  const config = resume ? resume.config : options.config;
  const changed = resume ? configDifferences(resume.config, options.config) : [];
  if (changed.length > 0) {
    throw new TrainConfigError(`the settings differ from the model file's (${changed.join(', ')}): a resumed run continues with the settings it started with`);
  }
  checkTrainConfig(config);
  const architecture: Architecture = toArchitecture(options.architecture ?? options.genotype!);
  const data = config.maxImages === null ? options.dataset : firstImages(options.dataset, config.maxImages);
  const id = datasetId(data);
  if (resume) {
    const problem = resumeProblem(resume, architecture, id);
    if (problem) throw new DatasetMismatchError(`the model file cannot be continued: ${problem}`);
    if (resume.finished) return { model: resume, test: resume.test!, bestEpoch: resume.best!.epoch };
  }
  const network = modelNetwork(data, config.initChannels);
  const net = buildArchitecture(architecture, network, { rt, seed: config.seed });
  const named = net.namedParameters();
  const sgd = new Sgd(named.map(([, p]) => p), { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, weightDecayOn: config.weightDecayOn, nesterov: config.nesterov });
  const pendingLosses: Tensor[] = [];
  try {
    let tensors: TensorMap = new Map();
    let momentum: TensorMap = new Map();
    let best: ModelFile['best'] = null;
    const history: EpochRecord[] = [];
    let startEpoch = 0;
    if (resume) {
      loadNamedValues(net, resume.tensors, 'the model file');
      sgd.loadMomentumState(named.map(([name, p]) => {
        const saved = resume.momentum.get(name);
        if (saved && saved.values.length !== p.size) throw new StateFormatError('the model file', `momentum['${name}'] holds ${saved.values.length} values, its parameter has ${p.size}`);
        return saved?.values ?? null;
      }));
      tensors = resume.tensors;
      momentum = resume.momentum;
      best = resume.best;
      history.push(...resume.history);
      startEpoch = resume.epochsDone;
    }
    const trainCount = data.splits.train.count;
    const loader = new DataLoader(data, {
      split: 'train',
      batchSize: config.batchSize,
      seed: config.seed,
      shuffle: true,
      augmix: config.augmix ?? false,
      // A last batch of one image cannot be normalised by train-mode BatchNorm (PyTorch refuses it).
      dropLast: trainCount % config.batchSize === 1,
    });
    if (loader.batchesPerEpoch === 0) throw new TrainConfigError(`the training split has ${trainCount} image(s), too few for a batch`);
    const steps = loader.batchesPerEpoch;
    const schedule = scheduleOf(config, steps);
    const loss = lossForTask(data.task);
    const emit = options.onProgress ?? (() => undefined);
    emit({
      type: 'start', epochs: config.epochs, startEpoch, stepsPerEpoch: steps, params: net.parameterCount(),
      images: { train: trainCount, val: data.splits.val.count, test: data.splits.test.count },
    });
    // What predicting needs besides the weights, so that the model file alone suffices: the loader's
    // normalisation (its default, trainStats of the same data object) and the class names where the
    // data has real ones (a custom .npz's are only the indices).
    const normalization = trainStats(data);
    const classNames = options.dataset.release === CUSTOM_NPZ_RELEASE ? null : [...data.classNames];
    const snapshot = (epochsDone: number, finished: boolean, test: ModelFile['test']): ModelFile => ({
      architecture, network, dataset: id, config, epochsDone, finished, tensors, momentum, rng: { seed: config.seed }, best, history: [...history], test,
      normalization, classNames,
    });
    const evaluate = (split: 'val' | 'test') =>
      evaluateSplit(rt, net, data, { split, batchSize: config.batchSize, onBatch: (done, total) => emit({ type: 'evaluate', split, done, total }) });

    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      net.train();
      const started = performance.now();
      let lossSum = 0;
      let images = 0;
      let lr = 0;
      // Reads the oldest pending loss: the step before the one just recorded.
      const settle = async (info: { step: number; lr: number; rows: number }) => {
        const t = pendingLosses.shift()!;
        const value = await t.item();
        t.dispose();
        if (!Number.isFinite(value)) {
          throw new NonFiniteLossError(epoch, info.step, value, epoch === 0
            ? 'No model file was written (the first epoch did not finish): lower the learning rate, or check the data for NaN.'
            : `The model file keeps epoch ${epoch} (the last one that finished): lower the learning rate, or check the data for NaN.`);
        }
        lossSum += value;
        images += info.rows;
        const ms = performance.now() - started;
        emit({ type: 'step', epoch, epochs: config.epochs, step: info.step, steps, loss: value, lr: info.lr, imagesPerSecond: (images * 1000) / ms, epochElapsedMs: ms });
      };
      let previous: { step: number; lr: number; rows: number } | null = null;
      let step = 0;
      for await (const batch of loader.epoch(epoch)) {
        lr = learningRate(schedule, epoch, epoch * steps + step);
        sgd.lr = lr;
        options.beforeStep?.({ epoch, step, images: batch.images, network: net });
        const x = tensor(batch.images, batch.shape, rt);
        pendingLosses.push(sgdStep(net, sgd, x, batch.labels, { loss, maxGradNorm: config.maxGradNorm ?? undefined }));
        x.dispose();
        if (previous) await settle(previous);
        previous = { step, lr, rows: batch.indices.length };
        step++;
      }
      if (previous) await settle(previous);
      const trainMs = performance.now() - started;
      const val = await evaluate('val');
      if (options.afterEpoch) await options.afterEpoch({ epoch, network: net, data });
      const now = await readTensors(net);
      const improved = best === null || val.auc > best.val.auc;
      if (improved) best = { epoch, val, tensors: now };
      tensors = now;
      const buffers = await sgd.momentumState();
      momentum = new Map(named.flatMap(([name, p], i) => (buffers[i] ? [[name, { shape: [...p.shape], values: buffers[i]! }] as const] : [])));
      const record: EpochRecord = {
        epoch, lr, trainLoss: lossSum / steps, val, best: improved,
        seconds: (performance.now() - started) / 1000, imagesPerSecond: (images * 1000) / trainMs,
      };
      history.push(record);
      const model = snapshot(epoch + 1, false, null);
      if (options.saveModel) await options.saveModel(encodeModelFile(model), model);
      emit({ type: 'epoch', epochs: config.epochs, record, bestEpoch: best!.epoch, bestVal: best!.val, saved: options.saveModel !== undefined });
    }

    loadNamedValues(net, best!.tensors, 'the best weights');
    const test = await evaluate('test');
    const model = snapshot(config.epochs, true, { epoch: best!.epoch, ...test });
    if (options.saveModel) await options.saveModel(encodeModelFile(model), model);
    emit({ type: 'test', bestEpoch: best!.epoch, metrics: test });
    return { model, test, bestEpoch: best!.epoch };
  } finally {
    for (const t of pendingLosses) t.dispose();
    sgd.dispose();
    net.dispose();
  }
}
