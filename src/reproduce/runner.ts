// The reproduction runner (issue 21): for each seed, the two searches and their picks' training,
// the paper genotype, ResNet-18 and the random architectures, one unit at a time, the results file
// rewritten after every unit (saveResults), so a killed run loses at most the unit in progress and
// a resumed one skips what is finished. A search in progress also resumes from its own checkpoint
// (saveSearch / loadSearch). The same seed and protocol give the same units in the same order, so
// an interrupted and resumed run ends equal to an uninterrupted one on the same adapter.
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import type { SearchCheckpoint } from '../search/checkpoint.ts';
import type { SearchConfig } from '../search/config.ts';
import { search } from '../search/search.ts';
import { PAPER_GENOTYPE } from '../space/genotype.ts';
import { randomGenotype } from '../space/random.ts';
import { mstfArchitecture, RESNET18, type Architecture } from '../train/architecture.ts';
import { architectureSizeOf } from '../train/build-architecture.ts';
import type { TrainConfig } from '../train/config.ts';
import { datasetId } from '../train/dataset-id.ts';
import { DatasetMismatchError, NonFiniteLossError } from '../train/errors.ts';
import { trainModel, type TrainEvent } from '../train/trainer.ts';
import { adapterLine, trainSubset } from '../truth/unit.ts';
import { Rng } from '../util/rng.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { reproductionDifferences, ReproductionConfigError, type ReproductionMethod, type ReproductionProtocol } from './protocol.ts';
import { encodeReproduction, reproductionProgress, runId, type ReproductionResults, type ReproductionRun, type SearchPick } from './results.ts';

/** One unit of a reproduction, in the order they run. */
export type ReproductionUnit =
  | { readonly kind: 'search'; readonly method: 'search-paper' | 'search-best'; readonly seed: number }
  | { readonly kind: 'train'; readonly method: ReproductionMethod; readonly seed: number; readonly index: number };

export type ReproductionEvent =
  | { readonly type: 'unit-start'; readonly unit: ReproductionUnit; readonly done: number; readonly units: number; readonly label: string }
  | { readonly type: 'search-generation'; readonly unit: ReproductionUnit; readonly generation: number; readonly generations: number }
  | { readonly type: 'train-epoch'; readonly unit: ReproductionUnit; readonly event: TrainEvent }
  | { readonly type: 'unit-done'; readonly unit: ReproductionUnit; readonly done: number; readonly units: number; readonly seconds: number; readonly summary: string };

export interface ReproductionOptions {
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

/** Runs (or continues) a reproduction to its last unit; resolves to the finished results. */
export async function runReproduction(options: ReproductionOptions): Promise<ReproductionResults> {
  const { protocol, resumeFrom } = options;
  const data = protocol.trainImages === null ? options.dataset : trainSubset(options.dataset, protocol.trainImages, 0);
  const id = datasetId(options.dataset);
  if (resumeFrom) {
    const changed = reproductionDifferences(resumeFrom.protocol, protocol);
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
  const units = reproductionUnits(protocol);
  const total = reproductionProgress({ protocol, searches, runs }).units;
  for (const unit of units) {
    const finished = unit.kind === 'search'
      ? searches.some((s) => s.method === unit.method && s.seed === unit.seed)
      : runs.some((r) => runId(r.method, r.seed, r.index) === runId(unit.method, unit.seed, unit.index));
    if (finished) continue;
    const done = searches.length + runs.length;
    options.onProgress?.({ type: 'unit-start', unit, done, units: total, label: unitLabel(unit) });
    const t0 = performance.now();
    let summary: string;
    if (unit.kind === 'search') {
      const pick = await runSearchUnit(options, data, unit.method, unit.seed, unit);
      searches.push(pick);
      summary = `picked ${pick.genotype.join(',')} after ${pick.evaluated} architectures`;
    } else {
      const architecture = unitArchitecture(protocol, searches, unit);
      const run = await trainUnitRun(options, data, unit, architecture);
      runs.push(run);
      summary = run.test ? `test ACC ${run.test.acc.toFixed(3)} AUC ${run.test.auc.toFixed(3)} (best epoch ${run.bestEpoch + 1})` : `failed: ${run.failure}`;
    }
    const r = results();
    await options.saveResults(r, encodeReproduction(r));
    options.onProgress?.({ type: 'unit-done', unit, done: searches.length + runs.length, units: total, seconds: (performance.now() - t0) / 1000, summary });
  }
  const r = results();
  await options.saveResults(r, encodeReproduction(r));
  return r;
}

function unitArchitecture(p: ReproductionProtocol, searches: readonly SearchPick[], unit: Extract<ReproductionUnit, { kind: 'train' }>): Architecture {
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

async function runSearchUnit(
  options: ReproductionOptions, data: ImageDataset, method: 'search-paper' | 'search-best', seed: number, unit: ReproductionUnit,
): Promise<SearchPick> {
  const base: SearchConfig = method === 'search-paper' ? options.protocol.searchPaper : options.protocol.searchBest;
  const config: SearchConfig = { ...base, seed };
  const resumeFrom = (await options.loadSearch?.(method, seed)) ?? undefined;
  const result = await search({
    config, dataset: data, rt: options.rt, resumeFrom,
    onGeneration: (g) => options.onProgress?.({ type: 'search-generation', unit, generation: g.record.generation, generations: config.generations }),
    saveCheckpoint: options.saveSearch ? (c, bytes) => options.saveSearch!(method, seed, c, bytes) : undefined,
  });
  return {
    method, seed, genotype: [...result.chosen.record.genotype], evaluated: result.archive.length,
    // The checkpoint's wall time: every session of this search, a resumed one included.
    seconds: result.elapsedMs / 1000,
    adapter: adapterLine(options.rt), mednasVersion: MEDNAS_VERSION,
  };
}

async function trainUnitRun(
  options: ReproductionOptions, data: ImageDataset, unit: Extract<ReproductionUnit, { kind: 'train' }>, architecture: Architecture,
): Promise<ReproductionRun> {
  const p = options.protocol;
  const initChannels = architecture.kind === 'resnet18' ? p.resnetWidth : p.train.initChannels;
  const config: TrainConfig = { ...p.train, initChannels, seed: unit.seed };
  const size = architectureSizeOf(architecture, { inChannels: data.channels, numClasses: data.classNames.length, initChannels, inputSize: data.sizePx });
  const base = {
    method: unit.method, seed: unit.seed, index: unit.index, architecture, params: size.params, macs: size.macs,
    adapter: adapterLine(options.rt), mednasVersion: MEDNAS_VERSION,
  };
  const t0 = performance.now();
  try {
    const result = await trainModel({
      rt: options.rt, dataset: data, architecture, config,
      onProgress: (event) => options.onProgress?.({ type: 'train-epoch', unit, event }),
    });
    return { ...base, bestEpoch: result.bestEpoch, val: result.model.best!.val, test: result.test, failure: null, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    return { ...base, bestEpoch: -1, val: null, test: null, failure: e.message, seconds: (performance.now() - t0) / 1000 };
  }
}
