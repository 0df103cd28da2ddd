// `mednas eval MODEL`: MedMNIST's ACC and AUC of a model file's best-on-validation weights on a
// split of a dataset (by default the one it was trained on). The dataset must fit the network
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

async function run(modelArg: string, options: EvalOptions): Promise<number> {
  const path = await pathValue(modelPath(modelArg), 'MODEL', 'file');
  const split = choiceValue(options.split ?? 'test', '--split', ['test', 'val'] as const);
  const model = await readModelFile(path);
  const given = datasetFlag(options);
  if (given === undefined) requireOwnDataPath(model.dataset.name, model.dataset.release, `the model ${path}`);
  const source = given ?? datasetSource(model.dataset.name);
  if (source.path === null) {
    // Channels and classes are known from the name: a mismatch is said before any file is read.
    const shape = datasetShape(source.name);
    checkDatasetFits(model, { name: shape.name, task: shape.task, channels: shape.inChannels, classes: shape.numClasses });
  }
  // Your own data is read at the model's image size, split as the model file records (unless the flags say otherwise).
  const dataset = await loadDataset(source.path ?? source.name, await datasetLoadOptions(options, { sizePx: model.network.inputSize, release: model.dataset.release }));
  const rt = await initNode(gpuInitOptions(options));
  const result = await evaluateModel(rt, model, dataset, { split });
  if (options.json) {
    const a = model.architecture;
    console.log(JSON.stringify({ model: path, architecture: architectureKey(a), genotype: a.kind === 'mstf' ? a.genotype : null, dataset: dataset.name, ...result }));
    return 0;
  }
  if (result.notice) console.error(`mednas: note: ${result.notice}`);
  console.log(`model ${path}: ${architectureLabel(model.architecture)}, C = ${model.network.initChannels}, trained on ${model.dataset.name} (${model.epochsDone}/${model.config.epochs} epochs${model.finished ? '' : ', unfinished'})`);
  console.log(`${dataset.name} ${split} (${result.images} images), weights of epoch ${result.epoch + 1}: ACC ${result.acc.toFixed(4)} AUC ${result.auc.toFixed(4)}`);
  return 0;
}

export function registerEval(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('eval <model>', "MedMNIST's ACC and AUC of a model file (OUT/model.mednas, or the run directory OUT) on a dataset split"))
    .option('--dataset <name>', `Dataset to score: ${DATASET_HELP} (default: the one the model was trained on; your own data needs its path)`)
    .option('--split <name>', 'test or val (default test)')
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--json', 'Print one JSON object'), { sizeHelp: "image size (default: the model's; an image folder is resized to it)" })
    .example('mednas eval runs/train-breastmnist/model.mednas --dataset breastmnist')
    .example('mednas eval runs/train-breastmnist --split val')
    .action(async (model: string, options: EvalOptions) => run(String(model), options));
}
