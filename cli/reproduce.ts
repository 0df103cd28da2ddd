// `mednas reproduce run|show`: the paper's tables under one harness (issue 21, docs/RESULTS.md).
// `run` trains, for each seed, the picks of a search with eq. 1's objectives and of one with
// mednas's best, the paper genotype, ResNet-18 and random live architectures under one recipe,
// writing DIR/results.mednas after every unit (`--resume` continues it; a killed run loses at most
// the unit in progress; a search in progress resumes from DIR/searches/). With `--redis URL` the
// trainings and the searches' scoring run on `mednas worker`s, side by side, and this process
// writes the same files (docs/scale-out.md). `show` prints the table; `--results-json FILE` merges
// its rows and means into a JSON file (results/medmnist.json).
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CAC } from 'cac';
import {
  BEST_OBJECTIVE_PROXIES, PRESET_NAMES, publishedFigures, REPRODUCTION_METHODS, reproductionProgress, reproductionResumeDifferences, reproductionProtocol, runReproduction, summarise, architectureKey, unitLabel,
  type MethodSummary, type PresetName, type ReproductionEvent, type ReproductionMethod, type ReproductionUnit, type ReproductionProtocol, type ReproductionResults, type TrainConfig,
} from '../src/index.ts';
import {
  initNode, loadDataset, lockReproduction, readReproduction, readReproductionSearch, removeStaleTempFiles, REPRODUCTION_FILE,
  writeFileAtomic, writeReproduction, writeReproductionSearch,
} from '../src/node/index.ts';
import { datasetRef, queuedReproduction } from '../src/node/queue/index.ts';
import { continueCommand, onInterrupt } from './interrupt.ts';
import { addDatasetOptions, DATASET_HELP, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { choiceValue, CliUsageError, hoursMinutes, initChannelsValue, intValue, listValue, optional, pathValue, shellQuote, stringValue } from './options.ts';
import { recipeFromFlags } from './recipe-flags.ts';
import { openCoordinator, REDIS_HELP, redisValue } from './queue-options.ts';

interface ReproduceFlags {
  dataset?: unknown;
  out?: unknown;
  seeds?: unknown;
  preset?: unknown;
  epochs?: unknown;
  initChannels?: unknown;
  batch?: unknown;
  lr?: unknown;
  trainImages?: unknown;
  maxImages?: unknown;
  resnetWidth?: unknown;
  random?: unknown;
  methods?: unknown;
  pop?: unknown;
  gens?: unknown;
  searchInitChannels?: unknown;
  proxyBatch?: unknown;
  bestProxies?: unknown;
  resultsJson?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  resume?: boolean;
  json?: boolean;
  /** --redis URL: the trainings and the searches' scoring run on `mednas worker`s (docs/scale-out.md). */
  redis?: unknown;
  backend?: unknown;
  adapter?: unknown;
}

/**
 * Test hook: SIGKILL in the middle of the Nth unit this process starts (1-based; a training after its
 * first epoch, a search after its first generation). With --redis the trainings that wait for no
 * search start first, then every search (and a training's epochs are the workers').
 */
const KILL_HOOK = 'MEDNAS_TEST_KILL_IN_UNIT';

/** The protocol the flags ask for, over `base` (a resumed run's: unset flags keep its values) or over the defaults. */
function protocolFromFlags(f: ReproduceFlags, dataset: string, base: ReproductionProtocol | null): ReproductionProtocol {
  const train: Partial<Omit<TrainConfig, 'seed'>> = recipeFromFlags(f);
  const search: Record<string, number> = {};
  const pop = optional(f.pop, (v) => intValue(v, '--pop', { min: 2, max: 10_000 }));
  const gens = optional(f.gens, (v) => intValue(v, '--gens', { min: 1, max: 10_000 }));
  const sc = optional(f.searchInitChannels, (v) => initChannelsValue(v, '--search-init-channels'));
  const pb = optional(f.proxyBatch, (v) => intValue(v, '--proxy-batch', { min: 2, max: 100_000 }));
  if (pop !== undefined) search.popSize = pop;
  if (gens !== undefined) search.generations = gens;
  if (sc !== undefined) search.initChannels = sc;
  if (pb !== undefined) search.proxyBatch = pb;
  const preset = optional(f.preset, (v) => choiceValue<PresetName>(v, '--preset', PRESET_NAMES));
  if (base && preset !== undefined && preset !== base.train.preset) throw new CliUsageError(`--preset ${preset}: the reproduction uses ${base.train.preset ?? 'no preset'}; a resumed run keeps its protocol`);
  const b = base?.searchPaper;
  return reproductionProtocol({
    dataset,
    preset: preset ?? base?.train.preset ?? undefined,
    train: base ? { ...base.train, ...train } : train,
    resnetWidth: optional(f.resnetWidth, (v) => intValue(v, '--resnet-width', { min: 1, max: 4096 })) ?? base?.resnetWidth,
    seeds: optional(f.seeds, (v) => intValue(v, '--seeds', { min: 1, max: 100 })) ?? base?.seeds.length,
    trainImages: optional(f.trainImages, (v) => intValue(v, '--train-images', { min: 2 })) ?? base?.trainImages,
    randomCount: optional(f.random, (v) => intValue(v, '--random', { min: 1, max: 1000 })) ?? base?.randomCount,
    methods: optional(f.methods, (v) => listValue(v, '--methods', (m) => choiceValue<ReproductionMethod>(m, '--methods', REPRODUCTION_METHODS))) ?? base?.methods,
    search: b ? { popSize: b.popSize, generations: b.generations, initChannels: b.initChannels, proxyBatch: b.proxyBatch, ...search } : search,
    bestProxies: optional(f.bestProxies, (v) => listValue(v, '--best-proxies', stringValue)) ?? base?.searchBest.proxies,
  });
}

/**
 * Prints the runner's events. `sideBySide` (--redis): units run at the same time, so a start line
 * says the unit began and each done line names its unit and counts it.
 */
function reporter(json: boolean, killAt: number | null, sideBySide: boolean): (e: ReproductionEvent) => void {
  const startedHere: string[] = [];
  const kill = (unit: ReproductionUnit) => killAt !== null && startedHere[killAt - 1] === JSON.stringify(unit) && process.kill(process.pid, 'SIGKILL');
  return (e) => {
    if (e.type === 'unit-start') {
      startedHere.push(JSON.stringify(e.unit));
      if (json) console.log(JSON.stringify({ event: 'unit-start', ...e.unit, label: e.label, done: e.done, units: e.units }));
      else if (sideBySide) console.log(`started: ${e.label}${e.unit.kind === 'train' ? ' (queued)' : ''}`);
      else console.log(`[${e.done + 1}/${e.units}] ${e.label}`);
    } else if (e.type === 'search-generation') {
      kill(e.unit);
      if (json) console.log(JSON.stringify({ event: 'generation', ...e.unit, generation: e.generation, generations: e.generations }));
    } else if (e.type === 'train-epoch') {
      if (e.event.type !== 'epoch') return;
      kill(e.unit);
      if (json) console.log(JSON.stringify({ event: 'epoch', ...e.unit, epoch: e.event.record.epoch, trainLoss: e.event.record.trainLoss, val: e.event.record.val }));
    } else if (json) {
      console.log(JSON.stringify({ event: 'unit-done', ...e.unit, done: e.done, units: e.units, seconds: e.seconds, summary: e.summary }));
    } else if (sideBySide) {
      console.log(`[${e.done}/${e.units}] ${unitLabel(e.unit)}: ${e.summary} (${hoursMinutes(e.seconds)})`);
    } else {
      console.log(`    ${e.summary} (${hoursMinutes(e.seconds)})`);
    }
  };
}

function fmt(mean: number, sd: number): string {
  return `${mean.toFixed(3)} +- ${sd.toFixed(3)}`;
}

function printSummary(r: ReproductionResults, path: string): void {
  const { units, done } = reproductionProgress(r);
  const t = r.protocol.train;
  console.log(`${path}: ${r.protocol.dataset}${r.protocol.trainImages === null ? '' : ` (training on ${r.protocol.trainImages} images)`}, ${done} of ${units} units, ${hoursMinutes(r.elapsedSeconds)} of work; C = ${t.initChannels} (ResNet-18 width ${r.protocol.resnetWidth}), ${t.epochs} epochs, seeds ${r.protocol.seeds.join(', ')}`);
  console.log('method           seeds  test ACC          test AUC          params     train s  search s');
  for (const m of summarise(r)) {
    console.log(`${m.method.padEnd(16)} ${String(m.seeds).padStart(5)}  ${fmt(m.accMean, m.accStd)}   ${fmt(m.aucMean, m.aucStd)}   ${String(m.params).padStart(9)}  ${m.trainSeconds.toFixed(0).padStart(7)}  ${m.searchSeconds.toFixed(0).padStart(8)}`);
  }
  const devices = [...new Set([...r.runs.map((x) => x.adapter), ...r.searches.map((x) => x.adapter)])];
  if (devices.length > 0) console.log(`device${devices.length > 1 ? 's' : ''}: ${devices.join('; ')}`);
  const paper = publishedFigures(r.protocol.dataset);
  if (paper.length > 0) console.log(`the paper (MSTF-NAS, IEEE TEVC 2024, Fig 4/5; its own recipe), test ACC / AUC: ${paper.map((p) => `${p.label} ${p.acc.toFixed(3)} / ${p.auc.toFixed(3)}`).join(', ')}`);
}

interface ResultsJson {
  format: 'mednas-results';
  version: 1;
  runs: Record<string, unknown>[];
  means: MethodSummary[];
}

/** Merges one subset's rows and means into a JSON results file (other subsets' entries are kept). */
async function mergeResultsJson(file: string, r: ReproductionResults): Promise<void> {
  let doc: ResultsJson = { format: 'mednas-results', version: 1, runs: [], means: [] };
  if (existsSync(file)) {
    const old = JSON.parse(await readFile(file, 'utf8')) as ResultsJson;
    if (old.format !== 'mednas-results') throw new CliUsageError(`${file} is not a mednas results file (format ${String(old.format)}): give another --results-json`);
    doc = old;
  }
  const dataset = r.protocol.dataset;
  const t = r.protocol.train;
  doc.runs = [
    ...doc.runs.filter((x) => x.dataset !== dataset),
    ...r.runs.map((x) => ({
      dataset, method: x.method, seed: x.seed, index: x.index, architecture: architectureKey(x.architecture),
      params: x.params, macs: x.macs, initChannels: x.architecture.kind === 'resnet18' ? r.protocol.resnetWidth : t.initChannels, epochs: t.epochs,
      trainImages: r.protocol.trainImages, bestEpoch: x.bestEpoch, valAuc: x.val?.auc ?? null, testAcc: x.test?.acc ?? null, testAuc: x.test?.auc ?? null,
      failure: x.failure, seconds: x.seconds, adapter: x.adapter, mednasVersion: x.mednasVersion,
    })),
  ];
  doc.means = [...doc.means.filter((m) => m.dataset !== dataset), ...summarise(r)];
  await writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(doc, null, 1) + '\n'));
}

async function run(f: ReproduceFlags): Promise<number> {
  const source = datasetFlag(f);
  const redis = optional(f.redis, (v) => redisValue(v));
  const datasetName = source?.name ?? 'synthetic';
  const dir = resolve(await pathValue(f.out ?? `runs/reproduce-${datasetName}`, '--out', 'dir-or-missing'));
  const path = join(dir, REPRODUCTION_FILE);
  let resume: ReproductionResults | null = null;
  if (existsSync(path)) {
    if (!f.resume) throw new CliUsageError(`${path} already holds a reproduction: add --resume to continue it, or give another --out. It is never overwritten.`);
    resume = await readReproduction(path);
  } else if (f.resume) {
    throw new CliUsageError(`${dir} holds no reproduction to continue (no ${REPRODUCTION_FILE}): drop --resume to start one there`);
  }
  if (resume && source !== undefined && source.name !== resume.protocol.dataset) {
    throw new CliUsageError(`--dataset ${source.name}: the reproduction in ${dir} runs on ${resume.protocol.dataset}; continue it on ${resume.protocol.dataset}, or give another --out`);
  }
  const dataset = resume?.protocol.dataset ?? datasetName;
  const protocol = protocolFromFlags(f, dataset, resume?.protocol ?? null);
  if (resume) {
    if (protocol.seeds.length < resume.protocol.seeds.length) {
      throw new CliUsageError(`--seeds ${protocol.seeds.length}: the reproduction in ${dir} runs ${resume.protocol.seeds.length} seeds and never loses any (more may be added)`);
    }
    const changed = reproductionResumeDifferences(resume.protocol, protocol);
    if (changed.length > 0) throw new CliUsageError(`the reproduction was started with another protocol (${changed.join(', ')}); a resumed run keeps its protocol: drop those flags, or start another --out`);
  }
  if (source === undefined) requireOwnDataPath(dataset, resume?.dataset.release ?? null, `the reproduction in ${dir}`);
  const data = await loadDataset(source?.path ?? dataset, await datasetLoadOptions(f, { sizePx: resume?.dataset.sizePx, release: resume?.dataset.release }));
  await mkdir(dir, { recursive: true });
  const unlock = await lockReproduction(path);
  let stopInterrupt = () => {};
  try {
    await removeStaleTempFiles(path);
    const rt = await initNode(gpuInitOptions(f));
    if (!f.json) console.log(`reproduction: ${dir}`);
    const killAt = process.env[KILL_HOOK] ? Number(process.env[KILL_HOOK]) : null;
    let saved: ReproductionResults | null = resume;
    stopInterrupt = onInterrupt(() => {
      if (!saved) return 'Nothing of this reproduction was saved yet: run the same command again to start it.';
      const held = reproductionProgress(saved);
      const cont = continueCommand(`mednas reproduce run --out ${shellQuote(dir)} --resume`, f, protocol.dataset);
      return `${path} holds ${held.done} of ${held.units} units (a search in progress keeps its generations in ${join(dir, 'searches')}); continue with:\n  ${cont}`;
    }, unlock);
    // --redis: the results are written here after every unit as always; the GPU work runs on the workers.
    const coordinator = redis === undefined ? null : await openCoordinator(redis, f.json === true);
    const results = await runReproduction({
      rt, dataset: data, protocol, resumeFrom: resume,
      saveResults: async (r, bytes) => {
        await writeReproduction(path, bytes);
        saved = r;
      },
      loadSearch: (method, seed) => readReproductionSearch(dir, method, seed),
      saveSearch: (method, seed, _, bytes) => writeReproductionSearch(dir, method, seed, bytes),
      onProgress: reporter(f.json === true, killAt, coordinator !== null),
      ...(coordinator ? queuedReproduction(coordinator, datasetRef(data, source, { skipBad: f.skipBad }), protocol) : {}),
    }).finally(() => coordinator?.close());
    if (f.resultsJson !== undefined) await mergeResultsJson(resolve(String(f.resultsJson)), results);
    if (f.json) console.log(JSON.stringify({ event: 'done', results: path, means: summarise(results), elapsedSeconds: results.elapsedSeconds }));
    else {
      printSummary(results, path);
      console.log(`\`mednas reproduce show ${shellQuote(dir)}\` prints this table again.`);
    }
    return 0;
  } finally {
    stopInterrupt();
    await unlock();
  }
}

async function show(target: string, f: ReproduceFlags): Promise<number> {
  const abs = resolve(target);
  const path = existsSync(join(abs, REPRODUCTION_FILE)) ? join(abs, REPRODUCTION_FILE) : abs;
  const r = await readReproduction(path);
  if (f.resultsJson !== undefined) await mergeResultsJson(resolve(String(f.resultsJson)), r);
  if (f.json) {
    const { units, done } = reproductionProgress(r);
    console.log(JSON.stringify({ event: 'reproduction', protocol: r.protocol, dataset: r.dataset, units, done, elapsedSeconds: r.elapsedSeconds, means: summarise(r) }));
  } else printSummary(r, path);
  return 0;
}

export function registerReproduce(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('reproduce <action> [dir]', 'The paper\'s tables under one harness: `reproduce run --dataset D --out DIR` trains searched, paper, ResNet-18 and random networks per seed; `reproduce show DIR`')))
    .option('--dataset <name>', `run: ${DATASET_HELP} (default: synthetic)`)
    .option('--out <dir>', 'run: the reproduction directory (default: runs/reproduce-DATASET)')
    .option('--seeds <S>', 'run: seeds 0..S-1, each a repetition of every method (default 3)')
    .option('--preset <name>', 'run: training preset, quick (default) or paper')
    .option('--epochs <E>', "run: epochs (default: the preset's)")
    .option('--init-channels <C>', "run: C of the MSTF networks trained (default: the preset's)")
    .option('--batch <N>', "run: batch size (default: the preset's)")
    .option('--lr <rate>', "run: learning rate (default: the preset's)")
    .option('--train-images <N>', 'run: train on a seeded subset of N training images (val and test stay whole)')
    .option('--max-images <N>', 'run: only the first N images of each split (quick checks)')
    .option('--resnet-width <W>', 'run: ResNet-18 stem width (default 64: ResNet-18 itself)')
    .option('--random <K>', 'run: random live architectures per seed (default 3)')
    .option('--methods <list>', `run: methods to run (default all: ${REPRODUCTION_METHODS.join(', ')})`)
    .option('--pop <N>', "run: both searches' population (default: the quick search preset's)")
    .option('--gens <G>', "run: both searches' generations (default: the quick search preset's)")
    .option('--search-init-channels <C>', "run: C of the networks the searches score (default: the quick search preset's)")
    .option('--proxy-batch <N>', "run: the searches' proxy batch (default: the quick search preset's)")
    .option('--best-proxies <list>', `run: the proxies search-best rank-aggregates against FLOPs (default: the quick search preset's, ${BEST_OBJECTIVE_PROXIES.join(',')})`)
    .option('--results-json <file>', 'run, show: merge this subset\'s runs and means into a JSON results file (results/medmnist.json)')
    .option('--resume', 'run: continue the reproduction in --out with its protocol (--seeds may grow it)')
    .option('--redis <url>', `run: ${REDIS_HELP}; the trainings and the searches' scoring run side by side on the workers, this process writes --out`)
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--json', 'One JSON object per line')
    .action(async (action: string, dir: string | undefined, f: ReproduceFlags) => {
      if (action === 'run') {
        if (dir !== undefined && f.out === undefined) f.out = dir;
        return run(f);
      } else if (action === 'show') {
        if (dir === undefined) throw new CliUsageError('`mednas reproduce show DIR`: give the reproduction directory (or its results.mednas)');
        return show(dir, f);
      } else {
        throw new CliUsageError(`unknown action '${action}': use \`mednas reproduce run\` or \`mednas reproduce show DIR\``);
      }
    });
}
