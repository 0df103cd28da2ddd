// `mednas predict MODEL IMAGE...|FOLDER`: a model file's prediction for each image, with the
// probability of every class. Images are decoded and prepared as the model's dataset was (channels,
// size) and normalised as the model was trained: with the normalisation and class names its model
// file records (version 3 on), so the model file alone is enough. A file from before version 3 does
// not record them: they come from the data it was trained on (its training split's statistics, as
// `mednas eval` gets them), found by name for a MedMNIST subset, and given with --dataset PATH for
// your own data. --dataset with a newer file checks the data against the model: a difference is
// said, and the model's own values are used (its weights were trained for them; silently taking
// the data's would change the predictions). Everything is checked before the GPU opens.
import type { CAC } from 'cac';
import {
  decodeImage, ImageFileError, predictImages, predictionSetup, prepareForModel, statsText, type ModelFile, type PredictionSetup,
} from '../src/index.ts';
import { datasetSource, initNode, isRegisteredDataset, listImageArguments, loadDataset, readImageFile, readModelFile } from '../src/node/index.ts';
import { addDatasetOptions, DATASET_HELP, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { CliUsageError, pathValue } from './options.ts';

interface PredictFlags {
  dataset?: unknown;
  dataDir?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

const plural = (n: number, word: string): string => (n === 1 ? `${n} ${word}` : `${n} ${/(s|x|ch|sh)$/.test(word) ? `${word}es` : /[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`}`);

const OLD_FILE = 'records no input normalisation or class names (a model file from before version 3)';

/**
 * The normalisation and class names to predict with: the model file's alone, unless --dataset is
 * given (then checked against that data) or the file is too old to record them (then taken from the
 * data it was trained on: by name for a MedMNIST subset, by --dataset PATH for your own data).
 */
async function setupFor(model: ModelFile, path: string, dataset: string | undefined, flags: PredictFlags): Promise<PredictionSetup> {
  if (dataset === undefined && model.normalization !== null) return predictionSetup(model);
  if (dataset === undefined) {
    if (!isRegisteredDataset(model.dataset.name)) requireOwnDataPath(model.dataset.name, model.dataset.release, `the model ${path} ${OLD_FILE}, and it`);
    console.error(`mednas: note: the model ${path} ${OLD_FILE}: taking them from ${model.dataset.name}'s training split`);
  }
  const loadOptions = await datasetLoadOptions({ ...flags, json: true }, { sizePx: model.network.inputSize, release: model.dataset.release });
  return predictionSetup(model, await loadDataset(dataset ?? datasetSource(model.dataset.name).name, loadOptions));
}

async function run(modelArg: string, imageArgs: readonly string[], flags: PredictFlags): Promise<number> {
  const path = await pathValue(modelArg, 'MODEL', 'file');
  if (imageArgs.length === 0) throw new CliUsageError('predict needs images: give image files (PNG or JPEG) or folders of them after the model file');
  const model = await readModelFile(path);
  const given = datasetFlag(flags);
  const { files, ignored } = await listImageArguments(imageArgs);
  const setup = await setupFor(model, path, given === undefined ? undefined : (given.path ?? given.name), flags);
  if (setup.notice) console.error(`mednas: note: ${setup.notice}`);
  const prepared: Uint8Array[] = [];
  const used: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const file of files) {
    try {
      prepared.push(prepareForModel(decodeImage(await readImageFile(file), file), model));
      used.push(file);
    } catch (e) {
      if (!(e instanceof ImageFileError) || !flags.skipBad) throw e;
      skipped.push({ path: file, reason: e.fault });
    }
  }
  if (ignored.length > 0) console.error(`mednas: left out ${plural(ignored.length, 'hidden entry')}: ${ignored.slice(0, 10).join(', ')}${ignored.length > 10 ? ', ...' : ''}`);
  for (const s of skipped) console.error(`mednas: skipped ${s.path} (--skip-bad): ${s.reason}`);
  if (prepared.length === 0) throw new CliUsageError(`none of the ${plural(files.length, 'file')} given is a readable image`);
  const rt = await initNode(gpuInitOptions(flags));
  const predictions = await predictImages(rt, model, prepared, { stats: setup.stats });
  const { classNames } = setup;
  const { inChannels: c, inputSize: s } = model.network;
  if (!flags.json) {
    const from = setup.from === 'model' ? 'as the model file records' : `from ${model.dataset.name}`;
    console.log(`model ${path}: trained on ${model.dataset.name} (${plural(model.network.numClasses, 'class')}${classNames ? `: ${classNames.join(', ')}` : ''}); images as ${s} x ${s} ${c === 1 ? 'grayscale' : 'RGB'}, normalised by its training split (mean/std ${statsText(setup.stats)}, ${from})`);
  }
  const width = Math.max(...used.map((f) => f.length));
  predictions.forEach((p, i) => {
    const className = classNames ? classNames[p.predicted] : null;
    if (flags.json) {
      console.log(JSON.stringify({ image: used[i], predicted: p.predicted, className, probabilities: p.scores, classNames }));
      return;
    }
    const label = (k: number) => (classNames ? classNames[k] : `class ${k}`);
    const all = p.scores.map((v, k) => `${label(k)} ${v.toFixed(4)}`).join('  ');
    console.log(`${used[i].padEnd(width)}  ${label(p.predicted)}  (${all})`);
  });
  return 0;
}

export function registerPredict(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('predict <model> [...images]', 'Predict the class of images (PNG, JPEG, or folders of them) with a model file, with every class\'s probability'))
    .option('--dataset <name>', `Not needed: the model file records its normalisation and class names. Given, the data the model was trained on (${DATASET_HELP}) is checked against them (a difference is said; the model's are used). A model file from before version 3 takes them from it (default: the model's dataset; your own data needs its path)`)
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--json', 'One JSON object per image on stdout: image, predicted, className, probabilities, classNames'), { size: false, skipBadHelp: 'skip files that are not readable PNG/JPEG images, among the images given and in the dataset folder (each is listed)' })
    .example('mednas predict runs/train-skin/model.mednas photo1.png photo2.jpg')
    .example('mednas predict runs/train-breastmnist/model.mednas scans/ --json')
    .action(async (model: string, images: string[] | undefined, flags: PredictFlags) => run(String(model), (images ?? []).map(String), flags));
}
