// `mednas eval MODEL...`: MedMNIST's ACC and AUC of a model file's best-on-validation weights on a
// split of a dataset (by default the one it was trained on); of several models (one network's
// seeds, say), each, then their mean and sample standard deviation. The dataset must fit the network
// (channels, classes, image size): checked before the GPU is opened.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CAC } from 'cac';
import { architectureKey, architectureLabel, checkDatasetFits, datasetShape, evaluateModel } from '../src/index.ts';
import { datasetSource, initNode, loadDataset, MODEL_FILE_NAME, readModelFile, SEARCH_CHECKPOINT_FILE } from '../src/node/index.ts';
import { addDatasetOptions, DATASET_HELP, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { choiceValue, CliUsageError, pathValue, shellQuote } from './options.ts';

interface EvalOptions {
  dataset?: unknown;
  split?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

/**
 * The model file MODEL names: the file itself, or a train run directory's model.mednas (as replay
 * takes a search run directory and train --arch a search's). A search run directory holds no model:
 * said, with the command that trains its choice.
 */
function modelPath(arg: string): string {
  let dir = false;
  try {
    dir = statSync(arg).isDirectory();
  } catch {
    // Not there: pathValue says so.
  }
  if (!dir) return arg;
  const inside = join(arg, MODEL_FILE_NAME);
  if (existsSync(inside)) return inside;
  if (existsSync(join(arg, SEARCH_CHECKPOINT_FILE))) {
    throw new CliUsageError(`MODEL: ${arg} is a search run directory and holds no model: train its choice first (\`mednas train --arch ${shellQuote(arg)}\`), then eval that run's directory`);
  }
  throw new CliUsageError(`MODEL: ${arg} is a directory without a ${MODEL_FILE_NAME}: give a model file, or the --out directory of a \`mednas train\` run`);
}

/** Mean and sample standard deviation (NaN with one value). */
function meanStd(v: readonly number[]): { mean: number; std: number } {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = v.length < 2 ? NaN : Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
  return { mean, std };
}

async function run(modelArgs: readonly string[], options: EvalOptions): Promise<number> {
  const paths = await Promise.all(modelArgs.map((m) => pathValue(modelPath(m), 'MODEL', 'file')));
  const split = choiceValue(options.split ?? 'test', '--split', ['test', 'val'] as const);
  const models = await Promise.all(paths.map((p) => readModelFile(p)));
  const given = datasetFlag(options);
  if (given === undefined) {
    // Several models are scored together only on one dataset: their own, when they share it.
    const own = [...new Set(models.map((m) => `${m.dataset.name} (CRC-32 ${m.dataset.crc32.toString(16)})`))];
    if (own.length > 1) throw new CliUsageError(`the models were trained on different datasets (${own.join(', ')}): give --dataset to score them all on one`);
    models.forEach((m, i) => requireOwnDataPath(m.dataset.name, m.dataset.release, `the model ${paths[i]}`));
  }
  for (const model of models) {
    const source = given ?? datasetSource(model.dataset.name);
    if (source.path !== null) continue;
    // Channels and classes are known from the name: a mismatch is said before any file is read.
    const shape = datasetShape(source.name);
    checkDatasetFits(model, { name: shape.name, task: shape.task, channels: shape.inChannels, classes: shape.numClasses });
  }
  const rt = await initNode(gpuInitOptions(options));
  const loaded = new Map<string, Awaited<ReturnType<typeof loadDataset>>>();
  const results = [];
  for (const [i, model] of models.entries()) {
    const source = given ?? datasetSource(model.dataset.name);
    // Your own data is read at the model's image size, split as the model file records (unless the flags say otherwise).
    const at = { sizePx: model.network.inputSize, release: model.dataset.release };
    const key = JSON.stringify([source.path ?? source.name, at]);
    if (!loaded.has(key)) loaded.set(key, await loadDataset(source.path ?? source.name, await datasetLoadOptions(options, at)));
    const dataset = loaded.get(key)!;
    const result = await evaluateModel(rt, model, dataset, { split });
    results.push(result);
    const a = model.architecture;
    if (options.json) {
      console.log(JSON.stringify({ model: paths[i], architecture: architectureKey(a), genotype: a.kind === 'mstf' ? a.genotype : null, dataset: dataset.name, ...result }));
      continue;
    }
    if (result.notice) console.error(`mednas: note: ${result.notice}`);
    console.log(`model ${paths[i]}: ${architectureLabel(a)}, C = ${model.network.initChannels}, trained on ${model.dataset.name} (${model.epochsDone}/${model.config.epochs} epochs${model.finished ? '' : ', unfinished'})`);
    console.log(`${dataset.name} ${split} (${result.images} images), weights of epoch ${result.epoch + 1}: ACC ${result.acc.toFixed(4)} AUC ${result.auc.toFixed(4)}`);
  }
  if (results.length > 1) {
    const acc = meanStd(results.map((r) => r.acc));
    const auc = meanStd(results.map((r) => r.auc));
    if (options.json) console.log(JSON.stringify({ summary: { models: results.length, split, accMean: acc.mean, accStd: acc.std, aucMean: auc.mean, aucStd: auc.std } }));
    else console.log(`mean +- sd over ${results.length} models (${split}): ACC ${acc.mean.toFixed(4)} +- ${acc.std.toFixed(4)}, AUC ${auc.mean.toFixed(4)} +- ${auc.std.toFixed(4)}`);
  }
  return 0;
}

export function registerEval(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('eval <model> [...more]', "MedMNIST's ACC and AUC of a model file (OUT/model.mednas, or the run directory OUT) on a dataset split; of several (e.g. one network's seeds), each and their mean +- sd"))
    .option('--dataset <name>', `Dataset to score: ${DATASET_HELP} (default: the one the model was trained on; your own data needs its path)`)
    .option('--split <name>', 'test or val (default test)')
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--json', 'Print one JSON object per model (and, for several, a summary object)'), { sizeHelp: "image size (default: the model's; an image folder is resized to it)" })
    .example('mednas eval runs/train-breastmnist/model.mednas --dataset breastmnist')
    .example('mednas eval runs/train-breastmnist --split val')
    .example('mednas eval runs/pick-s0 runs/pick-s1 runs/pick-s2')
    .action(async (model: string, more: string[] | undefined, options: EvalOptions) => run([String(model), ...(more ?? []).map(String)], options));
}
