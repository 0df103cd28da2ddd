// `mednas predict MODEL IMAGE...|FOLDER`: a model file's prediction for each image, with the
// probability of every class. Images are decoded and prepared as the model's dataset was (channels,
// size) and normalised with the training split's statistics of the data the model was trained on
// (the model file does not hold them: they come from that dataset, as `mednas eval` gets them, so
// a model trained on your own data needs --dataset PATH). Everything is checked before the GPU opens.
import type { CAC } from 'cac';
import {
  CUSTOM_NPZ_RELEASE, decodeImage, ImageFileError, predictImages, predictionSetup, prepareForModel,
} from '../src/index.ts';
import { datasetSource, initNode, listImageArguments, loadDataset, readImageFile, readModelFile } from '../src/node/index.ts';
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

async function run(modelArg: string, imageArgs: readonly string[], flags: PredictFlags): Promise<number> {
  const path = await pathValue(modelArg, 'MODEL', 'file');
  if (imageArgs.length === 0) throw new CliUsageError('predict needs images: give image files (PNG or JPEG) or folders of them after the model file');
  const model = await readModelFile(path);
  // The training data: for its normalisation and class names (and an image folder's split seed, from the model file).
  const given = datasetFlag(flags);
  if (given === undefined) requireOwnDataPath(model.dataset.name, model.dataset.release, `the model ${path}`);
  const source = given ?? datasetSource(model.dataset.name);
  const { files, ignored } = await listImageArguments(imageArgs);
  const loadOptions = await datasetLoadOptions({ ...flags, json: true }, { sizePx: model.network.inputSize, release: model.dataset.release });
  const dataset = await loadDataset(source.path ?? source.name, loadOptions);
  const setup = predictionSetup(model, dataset);
  if (setup.notice) console.error(`mednas: note: ${setup.notice}`);
  // Class names are known unless the model was trained on a custom .npz (its classes are only numbers).
  const named = dataset.release !== CUSTOM_NPZ_RELEASE;
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
  const classNames = named ? setup.classNames : null;
  const { inChannels: c, inputSize: s } = model.network;
  if (!flags.json) {
    const stats = setup.stats.mean.map((m, i) => `${m.toFixed(4)}/${setup.stats.std[i].toFixed(4)}`).join(', ');
    console.log(`model ${path}: trained on ${model.dataset.name} (${plural(model.network.numClasses, 'class')}${classNames ? `: ${classNames.join(', ')}` : ''}); images as ${s} x ${s} ${c === 1 ? 'grayscale' : 'RGB'}, normalised by its training split (mean/std ${stats})`);
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
    .option('--dataset <name>', `The data the model was trained on, for its normalisation and class names: ${DATASET_HELP} (default: the model's; your own data needs its path)`)
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--json', 'One JSON object per image on stdout: image, predicted, className, probabilities, classNames'), { size: false, skipBadHelp: 'skip files that are not readable PNG/JPEG images, among the images given and in the dataset folder (each is listed)' })
    .example('mednas predict runs/train-skin/model.mednas photo1.png photo2.jpg --dataset ~/data/skin')
    .example('mednas predict runs/train-breastmnist/model.mednas scans/ --json')
    .action(async (model: string, images: string[] | undefined, flags: PredictFlags) => run(String(model), (images ?? []).map(String), flags));
}
