// The reproduction runner (issue 21): for each seed, the two searches and their picks' training,
// the paper genotype, ResNet-18 and the random architectures, one unit at a time, the results file
// rewritten after every unit (saveResults), so a killed run loses at most the unit in progress and
// a resumed one skips what is finished. A search in progress also resumes from its own checkpoint
// (saveSearch / loadSearch). The same seed and protocol give the same units in the same order, so
// an interrupted and resumed run ends equal to an uninterrupted one on the same adapter.
//
// Given `runTrainings` (a queue of workers: src/node/queue), the units run side by side instead:
// every training that needs no search goes to it at once, every missing search runs at the same
// time (its scoring through `scoreBatch` where given), and each search's pick goes to it as soon as
// the search is done. Results are stored as they come, each at the place a run one unit at a time
// gives it, so the file ends equal to a local run's in every number but the times.
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import type { SearchCheckpoint } from '../search/checkpoint.ts';
import type { SearchConfig } from '../search/config.ts';
import { search, type BatchScorer } from '../search/search.ts';
import { PAPER_GENOTYPE } from '../space/genotype.ts';
import { randomGenotype } from '../space/random.ts';
import { mstfArchitecture, RESNET18, type Architecture } from '../train/architecture.ts';
import { architectureSizeOf } from '../train/build-architecture.ts';
import type { TrainConfig } from '../train/config.ts';
import { datasetId } from '../train/dataset-id.ts';
import { DatasetMismatchError } from '../train/errors.ts';
import type { TrainEvent } from '../train/trainer.ts';
import { adapterLine } from '../truth/unit.ts';
import { Rng } from '../util/rng.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { reproductionResumeDifferences, ReproductionConfigError, type ReproductionMethod, type ReproductionProtocol } from './protocol.ts';
import { encodeReproduction, reproductionProgress, runId, type ReproductionResults, type ReproductionRun, type SearchPick } from './results.ts';
import { reproductionData, reproductionTrainConfig, reproductionTrainUnit, type ReproductionTrainResult } from './unit.ts';

/** One unit of a reproduction, in the order they run. */
export type ReproductionUnit =
  | { readonly kind: 'search'; readonly method: 'search-paper' | 'search-best'; readonly seed: number }
  | { readonly kind: 'train'; readonly method: ReproductionMethod; readonly seed: number; readonly index: number };

type TrainingUnit = Extract<ReproductionUnit, { kind: 'train' }>;
type SearchUnit = Extract<ReproductionUnit, { kind: 'search' }>;

export type ReproductionEvent =
  | { readonly type: 'unit-start'; readonly unit: ReproductionUnit; readonly done: number; readonly units: number; readonly label: string }
  | { readonly type: 'search-generation'; readonly unit: ReproductionUnit; readonly generation: number; readonly generations: number }
  | { readonly type: 'train-epoch'; readonly unit: ReproductionUnit; readonly event: TrainEvent }
  | { readonly type: 'unit-done'; readonly unit: ReproductionUnit; readonly done: number; readonly units: number; readonly seconds: number; readonly summary: string };

/** One training of a reproduction as plain data: which unit, the network, and its recipe with the run's seed. */
export interface ReproductionTraining {
  readonly unit: TrainingUnit;
  readonly architecture: Architecture;
  readonly config: TrainConfig;
}

/** What every training of a reproduction shares: the protocol, the whole dataset and the data trained on. */
export interface ReproductionTrainingContext {
  readonly protocol: ReproductionProtocol;
  readonly dataset: ImageDataset;
  /** The protocol's training subset of `dataset` (reproductionData). */
  readonly data: ImageDataset;
}

/**
 * Runs many trainings at once (a queue of workers: src/node/queue), awaiting `onResult` for each as
 * it finishes, in any order. Throwing stops the reproduction; what was stored stays stored.
 */
export type ReproductionTrainingRunner = (
  trainings: readonly ReproductionTraining[],
  context: ReproductionTrainingContext,
  onResult: (index: number, result: ReproductionTrainResult) => Promise<void>,
) => Promise<void>;

export interface ReproductionOptions {
  /** The searches' device (and the trainings' without runTrainings; its adapter is recorded with each search). */
  readonly rt: Runtime;
  /** The whole dataset (the protocol's training subset is taken here). */
  readonly dataset: ImageDataset;
  readonly protocol: ReproductionProtocol;
  /** Continue these results (their protocol must equal `protocol`; their dataset this one). */
  readonly resumeFrom?: ReproductionResults | null;
  /** Called after every unit with the results and their bytes: write them atomically. */
  readonly saveResults: (results: ReproductionResults, bytes: Uint8Array) => Promise<void>;
  /** A search in progress, saved by saveSearch (null: start it). */
  readonly loadSearch?: (method: 'search-paper' | 'search-best', seed: number) => Promise<SearchCheckpoint | null>;
  readonly saveSearch?: (method: 'search-paper' | 'search-best', seed: number, checkpoint: SearchCheckpoint, bytes: Uint8Array) => Promise<void>;
  /** Scores each search generation's new architectures together (default: one at a time on `rt`). */
  readonly scoreBatch?: BatchScorer;
  /** Runs the trainings many at once; the units then run side by side (see the head of this file). */
  readonly runTrainings?: ReproductionTrainingRunner;
  readonly onProgress?: (event: ReproductionEvent) => void;
}

/** Every unit of the protocol, seed by seed, in the order they run. */
export function reproductionUnits(p: ReproductionProtocol): ReproductionUnit[] {
  const units: ReproductionUnit[] = [];
  for (const seed of p.seeds) {
    for (const method of p.methods) {
      if (method === 'search-paper' || method === 'search-best') {
        units.push({ kind: 'search', method, seed }, { kind: 'train', method, seed, index: 0 });
      } else if (method === 'random') {
        for (let index = 0; index < p.randomCount; index++) units.push({ kind: 'train', method, seed, index });
      } else {
        units.push({ kind: 'train', method, seed, index: 0 });
      }
    }
  }
  return units;
}

const RANDOM_STREAM = 0x7a11d;

/** The seed's random live architectures (the same on every machine). */
export function randomArchitectures(p: ReproductionProtocol, seed: number): number[][] {
  const rng = new Rng(seed, RANDOM_STREAM);
  return Array.from({ length: p.randomCount }, () => randomGenotype(rng, { avoidDead: true }));
}

export function unitLabel(u: ReproductionUnit): string {
  if (u.kind === 'search') return `${u.method} search, seed ${u.seed}`;
  return u.method === 'random' ? `random architecture ${u.index + 1}, seed ${u.seed}` : `${u.method}, seed ${u.seed}`;
}

const searchKey = (method: string, seed: number) => `${method} search/${seed}`;
const unitKey = (u: ReproductionUnit) => (u.kind === 'search' ? searchKey(u.method, u.seed) : runId(u.method, u.seed, u.index));
const isSearchMethod = (m: ReproductionMethod): m is 'search-paper' | 'search-best' => m === 'search-paper' || m === 'search-best';

function searchSummary(pick: SearchPick): string {
  return `picked ${pick.genotype.join(',')} after ${pick.evaluated} architectures`;
}

function runSummary(run: ReproductionRun): string {
  return run.test ? `test ACC ${run.test.acc.toFixed(3)} AUC ${run.test.auc.toFixed(3)} (best epoch ${run.bestEpoch + 1})` : `failed: ${run.failure}`;
}

/** Runs (or continues) a reproduction to its last unit; resolves to the finished results. */
export async function runReproduction(options: ReproductionOptions): Promise<ReproductionResults> {
  const { protocol, resumeFrom } = options;
  const data = reproductionData(options.dataset, protocol);
  const id = datasetId(options.dataset);
  if (resumeFrom) {
    const changed = reproductionResumeDifferences(resumeFrom.protocol, protocol);
    if (changed.length > 0) throw new ReproductionConfigError(`the settings differ from the results file's (${changed.join(', ')}): a resumed reproduction continues with the protocol it started with`);
    if (resumeFrom.dataset.crc32 !== id.crc32 || resumeFrom.dataset.name !== id.name) {
      throw new DatasetMismatchError(`the results were made on ${resumeFrom.dataset.name} (CRC-32 ${resumeFrom.dataset.crc32.toString(16)}), not on this ${id.name} (CRC-32 ${id.crc32.toString(16)})`);
    }
  }
  const searches: SearchPick[] = [...(resumeFrom?.searches ?? [])];
  const runs: ReproductionRun[] = [...(resumeFrom?.runs ?? [])];
  const previousSeconds = resumeFrom?.elapsedSeconds ?? 0;
  const sessions = (resumeFrom?.sessions ?? 0) + 1;
  const started = performance.now();
  const results = (): ReproductionResults => ({
    mednasVersion: MEDNAS_VERSION, protocol, dataset: id, searches: [...searches], runs: [...runs],
    elapsedSeconds: previousSeconds + (performance.now() - started) / 1000, sessions,
  });
  const save = async () => {
    const r = results();
    await options.saveResults(r, encodeReproduction(r));
  };
  const units = reproductionUnits(protocol);
  const total = reproductionProgress({ protocol, searches, runs }).units;
  const finished = (unit: ReproductionUnit) =>
    unit.kind === 'search' ? searches.some((s) => s.method === unit.method && s.seed === unit.seed) : runs.some((r) => runId(r.method, r.seed, r.index) === unitKey(unit));
  const start = (unit: ReproductionUnit) => options.onProgress?.({ type: 'unit-start', unit, done: searches.length + runs.length, units: total, label: unitLabel(unit) });
  const done = (unit: ReproductionUnit, seconds: number, summary: string) =>
    options.onProgress?.({ type: 'unit-done', unit, done: searches.length + runs.length, units: total, seconds, summary });

  // The file exists from the start (its protocol, no unit yet), so a run killed before its first
  // unit ends is continued with --resume like any other (its searches' checkpoints are kept).
  if (!resumeFrom) await save();

  if (options.runTrainings) {
    await runSideBySide(options, options.runTrainings, { data, units: units.filter((u) => !finished(u)), searches, runs, save, start, done });
    await save();
    return results();
  }

  for (const unit of units) {
    if (finished(unit)) continue;
    start(unit);
    const t0 = performance.now();
    let summary: string;
    if (unit.kind === 'search') {
      const pick = await runSearchUnit(options, data, unit);
      searches.push(pick);
      summary = searchSummary(pick);
    } else {
      const architecture = unitArchitecture(protocol, searches, unit);
      const config = reproductionTrainConfig(protocol, architecture, unit.seed);
      const result = await reproductionTrainUnit({
        rt: options.rt, dataset: data, architecture, config,
        onProgress: (event) => options.onProgress?.({ type: 'train-epoch', unit, event }),
      });
      const run = reproductionRun(data, { unit, architecture, config }, result);
      runs.push(run);
      summary = runSummary(run);
    }
    await save();
    done(unit, (performance.now() - t0) / 1000, summary);
  }
  await save();
  return results();
}

interface SideBySideState {
  readonly data: ImageDataset;
  /** The units not finished yet, in the order they run one at a time. */
  readonly units: readonly ReproductionUnit[];
  readonly searches: SearchPick[];
  readonly runs: ReproductionRun[];
  readonly save: () => Promise<void>;
  readonly start: (unit: ReproductionUnit) => void;
  readonly done: (unit: ReproductionUnit, seconds: number, summary: string) => void;
}

/** The missing units through `runTrainings`, side by side; each result stored as it comes, in unit order. */
async function runSideBySide(options: ReproductionOptions, runTrainings: ReproductionTrainingRunner, state: SideBySideState): Promise<void> {
  const { protocol } = options;
  const { data, searches, runs } = state;
  const order = new Map(reproductionUnits(protocol).map((u, i) => [unitKey(u), i]));
  /** `item` put where a run one unit at a time has it: before the first of a later unit. */
  const place = <T>(list: T[], item: T, key: (x: T) => string): void => {
    const at = order.get(key(item))!;
    const i = list.findIndex((x) => (order.get(key(x)) ?? Infinity) > at);
    list.splice(i === -1 ? list.length : i, 0, item);
  };
  // One save at a time, in the order results come. After a failure nothing more is stored: the
  // caller reports the error at once, while units in flight elsewhere may still finish.
  let stored: Promise<void> = Promise.resolve();
  let stopped = false;
  const store = (add: () => void, unit: ReproductionUnit, seconds: number, summary: string): Promise<void> =>
    (stored = stored.then(async () => {
      if (stopped) return;
      add();
      await state.save();
      state.done(unit, seconds, summary);
    }));
  const context: ReproductionTrainingContext = { protocol, dataset: options.dataset, data };
  const train = async (units: readonly TrainingUnit[]): Promise<void> => {
    if (units.length === 0) return;
    const trainings = units.map((unit): ReproductionTraining => {
      const architecture = unitArchitecture(protocol, searches, unit);
      return { unit, architecture, config: reproductionTrainConfig(protocol, architecture, unit.seed) };
    });
    units.forEach(state.start);
    await runTrainings(trainings, context, (i, result) => {
      const run = reproductionRun(data, trainings[i], result);
      return store(() => place(runs, run, (x) => runId(x.method, x.seed, x.index)), trainings[i].unit, result.seconds, runSummary(run));
    });
  };
  const pickOf = (u: TrainingUnit) => searches.some((s) => s.method === u.method && s.seed === u.seed);
  const trainings = state.units.filter((u): u is TrainingUnit => u.kind === 'train');
  const searchUnits = state.units.filter((u): u is SearchUnit => u.kind === 'search');
  // Trainings that wait for no search: all at once.
  const now = trainings.filter((u) => !isSearchMethod(u.method) || pickOf(u));
  const searchThenTrain = async (unit: SearchUnit): Promise<void> => {
    state.start(unit);
    const t0 = performance.now();
    const pick = await runSearchUnit(options, data, unit, () => stopped);
    await store(() => place(searches, pick, (x) => searchKey(x.method, x.seed)), unit, (performance.now() - t0) / 1000, searchSummary(pick));
    await train(trainings.filter((u) => u.method === unit.method && u.seed === unit.seed));
  };
  try {
    await Promise.all([train(now), ...searchUnits.map(searchThenTrain)]);
    await stored;
  } catch (e) {
    stopped = true;
    throw e;
  }
}

/** A finished training as the results file stores it (its size computed here: no GPU needed). */
function reproductionRun(data: ImageDataset, t: ReproductionTraining, result: ReproductionTrainResult): ReproductionRun {
  const { unit, architecture, config } = t;
  const size = architectureSizeOf(architecture, { inChannels: data.channels, numClasses: data.classNames.length, initChannels: config.initChannels, inputSize: data.sizePx });
  return {
    method: unit.method, seed: unit.seed, index: unit.index, architecture, params: size.params, macs: size.macs,
    adapter: result.adapter, mednasVersion: result.mednasVersion,
    bestEpoch: result.bestEpoch, val: result.val, test: result.test, failure: result.failure, seconds: result.seconds,
  };
}

function unitArchitecture(p: ReproductionProtocol, searches: readonly SearchPick[], unit: TrainingUnit): Architecture {
  switch (unit.method) {
    case 'search-paper':
    case 'search-best': {
      const pick = searches.find((s) => s.method === unit.method && s.seed === unit.seed);
      if (!pick) throw new Error(`internal: ${unit.method}'s search for seed ${unit.seed} has not run`);
      return mstfArchitecture(pick.genotype);
    }
    case 'paper-genotype':
      return mstfArchitecture(PAPER_GENOTYPE);
    case 'resnet18':
      return RESNET18;
    case 'random':
      return mstfArchitecture(randomArchitectures(p, unit.seed)[unit.index]);
  }
}

/** Thrown from a search's checkpoint hook to end it once the reproduction has stopped on another unit's error. */
class ReproductionStopped extends Error {
  override name = 'ReproductionStopped';
}

/** A search unit; `stopped` (side by side) ends it at its next checkpoint once another unit failed. */
async function runSearchUnit(options: ReproductionOptions, data: ImageDataset, unit: SearchUnit, stopped?: () => boolean): Promise<SearchPick> {
  const { method, seed } = unit;
  const base: SearchConfig = method === 'search-paper' ? options.protocol.searchPaper : options.protocol.searchBest;
  const config: SearchConfig = { ...base, seed };
  const resumeFrom = (await options.loadSearch?.(method, seed)) ?? undefined;
  const result = await search({
    config, dataset: data, rt: options.rt, resumeFrom, scoreBatch: options.scoreBatch,
    onGeneration: (g) => options.onProgress?.({ type: 'search-generation', unit, generation: g.record.generation, generations: config.generations }),
    saveCheckpoint: options.saveSearch || stopped
      ? async (c, bytes) => {
          if (stopped?.()) throw new ReproductionStopped(`the reproduction stopped: ${method}'s search for seed ${seed} ends here`);
          await options.saveSearch?.(method, seed, c, bytes);
        }
      : undefined,
  });
  return {
    method, seed, genotype: [...result.chosen.record.genotype], evaluated: result.archive.length,
    // The checkpoint's wall time: every session of this search, a resumed one included.
    seconds: result.elapsedMs / 1000,
    adapter: adapterLine(options.rt), mednasVersion: MEDNAS_VERSION,
  };
}
