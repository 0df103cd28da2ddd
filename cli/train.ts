// `mednas train`: trains a genotype (or ResNet-18: --arch resnet18) on a dataset with a preset's settings, writes OUT/model.mednas
// atomically after every epoch, and tests the best-on-validation weights. `--resume` continues a
// run from its model file (its settings, not new flags). Every argument is checked before the GPU
// is opened; an existing model file is never overwritten unless the run continues it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CAC } from 'cac';
import {
  architectureKey, architectureLabel, checkTrainConfig, architectureSizeOf, configForArchitecture, deadCells, formatGenotype, genotypeKey, mstfArchitecture, modelNetwork,
  namedArchitecture, presetConfig, PRESET_NAMES, trainModel, type Architecture, type ModelFile, type PresetName, type TrainConfig,
} from '../src/index.ts';
import {
  initNode, loadDataset, lockRunDirectory, MODEL_FILE_NAME, readGenotypeArgument, readModelFile, removeStaleTempFiles, searchRunDatasetName, writeModelFile,
} from '../src/node/index.ts';
import { addDatasetOptions, DATASET_HELP, datasetArgs, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { configFields, printConfig, printedDataset, TRAIN_CONFIG_ALIASES, TRAIN_CONFIG_SCHEMA, TRAIN_RUN_KEYS, withConfigFile, type ConfigFlags } from './config-file.ts';
import { choiceValue, CliUsageError, countOf, intValue, optional, pathValue, shellQuote, stringValue } from './options.ts';
import { recipeOverrides } from './recipe-flags.ts';
import { trainReporter } from './train-progress.ts';
import { continueCommand, onInterrupt } from './interrupt.ts';

interface TrainOptions extends ConfigFlags<TrainConfig & { readonly dataset: string }> {
  /** --config FILE: settings over the preset's, under the flags' (cli/config-file.ts). */
  config?: unknown;
  printConfig?: boolean;
  arch?: unknown;
  dataset?: unknown;
  preset?: unknown;
  epochs?: unknown;
  initChannels?: unknown;
  batch?: unknown;
  lr?: unknown;
  seed?: unknown;
  maxImages?: unknown;
  out?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  resume?: boolean;
  force?: boolean;
  allowDead?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

/** Test hooks (docs/training.md): a NaN weight at epoch:step (1-based), a SIGKILL before the rename of the model file of epoch E. */
const NAN_HOOK = 'MEDNAS_TEST_NAN_STEP';
const KILL_HOOK = 'MEDNAS_TEST_KILL_BEFORE_RENAME';

/** The flags that set a config field, with the field they set. */
function flagOverrides(options: TrainOptions): { flag: string; field: keyof TrainConfig; value: number }[] {
  const seed = optional(options.seed, (v) => intValue(v, '--seed', { min: 0, max: 2 ** 32 - 1 }));
  return [...recipeOverrides(options), ...(seed === undefined ? [] : [{ flag: '--seed', field: 'seed' as const, value: seed }])];
}

function describeModel(m: ModelFile): string {
  return `${m.dataset.name}, epoch ${m.epochsDone} of ${m.config.epochs}${m.finished ? ', finished' : ''}, ${architectureLabel(m.architecture)}`;
}

function killHook(): ((epochsDone: number) => (() => void) | undefined) {
  const at = process.env[KILL_HOOK];
  return (epochsDone) => (at !== undefined && Number(at) === epochsDone ? () => process.kill(process.pid, 'SIGKILL') : undefined);
}

async function run(typed: TrainOptions): Promise<number> {
  const options = await withConfigFile(typed, TRAIN_CONFIG_SCHEMA, 'train', TRAIN_CONFIG_ALIASES, TRAIN_RUN_KEYS);
  const preset = optional(options.preset, (v) => choiceValue<PresetName>(v, '--preset', PRESET_NAMES)) ?? options.configFile?.values.preset ?? undefined;
  const overrides = flagOverrides(options);
  // A search run directory names the data it was searched on: train on that unless --dataset says otherwise.
  const runDataset = options.arch === undefined || namedArchitecture(stringValue(options.arch, '--arch')) ? null : await searchRunDatasetName(stringValue(options.arch, '--arch'));
  const out = resolve(await pathValue(options.out ?? defaultOut(options, runDataset), '--out', 'dir-or-missing'));
  // --print-config reads (a model file with --resume) and writes nothing: no lock.
  if (options.printConfig) return trainIn(options, out, preset, overrides, runDataset);
  // Before anything is read or decided there: a second run on this directory is refused.
  const unlock = await lockRunDirectory(out);
  try {
    return await trainIn(options, out, preset, overrides, runDataset, unlock);
  } finally {
    await unlock();
  }
}

async function trainIn(
  options: TrainOptions, out: string, preset: PresetName | undefined, overrides: ReturnType<typeof flagOverrides>, runDataset: string | null,
  unlock: () => Promise<void> = async () => undefined,
): Promise<number> {
  const modelPath = join(out, MODEL_FILE_NAME);
  const present = existsSync(modelPath);
  let resume: ModelFile | null = null;
  if (options.resume && options.force) throw new CliUsageError('--resume and --force contradict each other: --resume continues the run in --out, --force starts it again from scratch');
  if (options.resume) {
    if (!present) throw new CliUsageError(`--resume: ${out} holds no ${MODEL_FILE_NAME} to continue; drop --resume to start a new run there`);
    resume = await readModelFile(modelPath); // a damaged or foreign file is refused here, and left as it is
  } else if (present) {
    const existing = await readModelFile(modelPath).then(describeModel, (e: Error) => `unreadable: ${e.message}`);
    if (!options.force && !options.printConfig) {
      throw new CliUsageError(`${modelPath} already exists (${existing}): add --resume to continue that run, --force to start it again (the file is replaced after the first new epoch), or give another --out.`);
    }
  }
  const given = datasetFlag(options);
  const datasetName = given?.name ?? resume?.dataset.name ?? runDataset ?? 'synthetic';
  const archText = options.arch === undefined ? null : stringValue(options.arch, '--arch');
  const architecture: Architecture = archText === null
    ? (resume ? resume.architecture : mstfArchitecture(await readGenotypeArgument('paper')))
    : (namedArchitecture(archText) ?? mstfArchitecture(await readGenotypeArgument(archText)));
  const dead = architecture.kind === 'mstf' ? deadCells(architecture.genotype) : [];
  if (dead.length > 0 && !resume && !options.allowDead) {
    throw new CliUsageError(
      `${architectureLabel(architecture)} has a dead normal cell in block ${dead.map((b) => b + 1).join(' and ')} (every output of the cell descends from a zero op), ` +
        'so the network ignores its input and would train to chance (AUC 0.5). Give another genotype (`mednas arch random --live` draws live ones), or add --allow-dead to train it anyway.',
    );
  }
  // --config's settings (its preset and dataset are taken above, with the flags').
  const { preset: _preset, ...fileFields } = configFields(options);
  let config: TrainConfig;
  if (resume) {
    if (resume.dataset.name !== datasetName) {
      throw new CliUsageError(`--dataset ${datasetName}: the model file in ${out} was trained on ${resume.dataset.name}; resume it on ${resume.dataset.name}, or start a new run with another --out`);
    }
    if (architectureKey(architecture) !== architectureKey(resume.architecture)) {
      const want = architecture.kind === 'mstf' && resume.architecture.kind === 'mstf' ? architectureKey(architecture) : architectureLabel(architecture);
      throw new CliUsageError(`--arch: the model file in ${out} is for ${architectureLabel(resume.architecture)}, not ${want}; drop --arch to continue it, or start a new run with another --out`);
    }
    if (preset !== undefined && preset !== resume.config.preset) throw new CliUsageError(`--preset ${preset}: the run in ${out} uses ${resume.config.preset ?? 'no preset'}; a resumed run keeps its settings`);
    for (const o of overrides) {
      if (resume.config[o.field] !== o.value) {
        throw new CliUsageError(`${o.flag} ${o.value}: the run in ${out} was started with ${String(resume.config[o.field])}; a resumed run keeps its settings (drop ${o.flag}, or start a new run with another --out)`);
      }
    }
    for (const [key, value] of Object.entries(fileFields)) {
      if (JSON.stringify(resume.config[key as keyof TrainConfig]) !== JSON.stringify(value)) {
        throw new CliUsageError(`--config ${options.configFile!.path}: "${key}" is ${JSON.stringify(value)}, but the run in ${out} was started with ${JSON.stringify(resume.config[key as keyof TrainConfig])}; a resumed run keeps its settings (drop it from the file, or start a new run with another --out)`);
      }
    }
    config = resume.config;
  } else {
    // ResNet-18's widths are its own (stem 64), not the preset's C: --init-channels still scales them.
    config = {
      ...configForArchitecture(presetConfig(datasetName, preset ?? 'quick'), architecture), ...fileFields, ...Object.fromEntries(overrides.map((o) => [o.field, o.value])),
    };
  }
  if (options.printConfig) {
    checkTrainConfig(config);
    printConfig(printedDataset(given, datasetName), config, architectureKey(architecture));
    return 0;
  }
  // Your own data is found by its path only: a resumed run or a search run directory names it, --dataset gives it.
  if (given === undefined) requireOwnDataPath(datasetName, resume?.dataset.release ?? null, resume ? `the run in ${out}` : `the search run ${String(options.arch)}`);
  const dataset = await loadDataset(given?.path ?? datasetName, await datasetLoadOptions(options, { sizePx: resume?.dataset.sizePx, release: resume?.dataset.release }));
  if (resume?.finished) {
    console.log(`${modelPath} is finished (${describeModel(resume)}): test ACC ${resume.test!.acc.toFixed(4)} AUC ${resume.test!.auc.toFixed(4)}. Nothing to do.`);
    return 0;
  }
  await removeStaleTempFiles(modelPath);
  const rt = await initNode(gpuInitOptions(options));
  if (!options.json) {
    if (options.dataset === undefined && !resume && runDataset !== null) console.log(`dataset ${runDataset} (the search run's; --dataset trains on another)`);
    if (architecture.kind === 'mstf') {
      console.log(`genotype ${genotypeKey(architecture.genotype)}`);
      console.log(formatGenotype(architecture.genotype));
    } else {
      const size = architectureSizeOf(architecture, modelNetwork(dataset, config.initChannels));
      console.log(`${architectureLabel(architecture)} (stem width ${config.initChannels}): ${size.params.toLocaleString('en-US')} parameters, ${(size.macs / 1e6).toFixed(1)} M multiply-accumulates per image`);
    }
    console.log(`${dataset.name}: C = ${config.initChannels}, ${countOf(config.epochs, 'epoch')}, batch ${config.batchSize}, lr ${config.lr} (${config.schedule}${config.gamma ? `, gamma ${config.gamma}` : ''}), AugMix ${config.augmix ? `severity ${config.augmix.severity}, width ${config.augmix.width}, alpha ${config.augmix.alpha}` : 'off'}, seed ${config.seed}`);
  }
  const reporter = trainReporter({ json: options.json === true });
  const nanAt = process.env[NAN_HOOK]?.split(':').map(Number);
  const kill = killHook();
  let savedEpochs = resume?.epochsDone ?? 0;
  const stopInterrupt = onInterrupt(() => {
    if (savedEpochs === 0 && !resume) return 'No epoch of this run was finished, so nothing was saved: run the same command again to start it.';
    const cont = continueCommand(`mednas train --out ${shellQuote(out)} --resume`, options, dataset.name);
    return `${modelPath} holds ${countOf(savedEpochs, 'finished epoch')} of ${config.epochs} of this run; continue it with:\n  ${cont}`;
  }, unlock);
  try {
    const result = await trainModel({
      rt, dataset, architecture, config, resume,
      onProgress: reporter.onProgress,
      saveModel: async (bytes, model) => {
        await writeModelFile(modelPath, bytes, { beforeRename: kill(model.finished ? -1 : model.epochsDone) });
        savedEpochs = model.epochsDone;
      },
      beforeStep: nanAt && ((s) => {
        // NaN in the classifier's bias makes every logit, and so the loss, NaN at that step.
        const bias = s.network.classifier.bias;
        if (bias && s.epoch + 1 === nanAt[0] && s.step + 1 === nanAt[1]) rt.scheduler.write(bias.buffer, 0, new Float32Array(bias.size).fill(Number.NaN));
      }),
    });
    if (options.json) console.log(JSON.stringify({ event: 'done', model: modelPath, bestEpoch: result.bestEpoch, test: result.test }));
    else console.log(`model: ${modelPath} (best epoch ${result.bestEpoch + 1}; \`mednas eval ${shellQuote(modelPath)}${given?.path ? ` ${datasetArgs(given, dataset.name, {})}` : ''}\` scores it again)`);
    return 0;
  } finally {
    stopInterrupt();
    reporter.close();
  }
}

function defaultOut(options: TrainOptions, runDataset: string | null): string {
  const name = datasetFlag(options)?.name ?? runDataset ?? 'synthetic';
  return join('runs', `train-${name}`);
}

export function registerTrain(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('train', 'Train an architecture on a dataset; writes OUT/model.mednas after every epoch'))
    .option('--arch <genotype>', 'paper, 2,0,4,... (42 integers), a genotype file, a search run directory, or resnet18 (ResNet-18 as MedMNIST trains it at 28 px; default: paper)')
    .option('--dataset <name>', `${DATASET_HELP} (default: synthetic; for a search run directory: the run's)`)
    .option('--preset <name>', 'quick (C = 8, 15 epochs, batch 32, lr 0.025; the default) or paper (C = 128, 100 epochs, Table 1 lr and batch); both take AugMix per subset')
    .option('--epochs <E>', "Epochs (default: the preset's)")
    .option('--init-channels <C>', "Stem channels C, a multiple of 4 (default: the preset's)")
    .option('--batch <N>', "Images per batch (default: the subset's)")
    .option('--lr <rate>', "Initial learning rate (default: the subset's)")
    .option('--seed <S>', 'Seed of the initial weights, data order and augmentation (default 0)')
    .option('--max-images <N>', 'Use only the first N images of each split (quick checks)')
    .option('--out <dir>', 'Run directory for model.mednas (default: runs/train-DATASET)')
    .option('--resume', "Continue the run in --out from its last finished epoch, with its settings")
    .option('--force', 'Start again in an --out that holds a model file (it is replaced after the first new epoch)')
    .option('--allow-dead', 'Train a genotype with a dead normal cell anyway (it ignores its input: refused by default)')
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--config <file>', 'JSON settings (the config\'s own keys, as --print-config prints them, any subset; "dataset", "arch", "out", "backend", "adapter" as the flags take them): over the preset, under the flags')
    .option('--print-config', 'Print the effective settings (preset, then --config, then flags) as JSON, usable as a --config file, and exit without training')
    .option('--json', 'One JSON object per event on stdout (start, step, epoch, test, done)'))
    .example('mednas train --arch paper --dataset breastmnist --preset quick')
    .example('mednas train --arch resnet18 --dataset breastmnist --preset quick')
    .example('mednas train --arch paper --dataset ~/data/skin-lesions --size 28 --epochs 10')
    .action(async (options: TrainOptions) => run(options));
}

