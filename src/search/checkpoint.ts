// The search checkpoint: everything a search needs to continue exactly where it stopped, and
// everything replay shows, in the one mednas envelope (format 'mednas-search', a version, a CRC-32
// of the payload; src/util/envelope.ts) around a msgpack payload. Written after every generation.
// Decoding checks every field, so a damaged or foreign file is a FileFormatError naming the field,
// never a TypeError later.
import type { Nsga2State } from '../moo/nsga2.ts';
import type { MoeadState } from '../moo/moead.ts';
import { readDatasetId, type DatasetId } from '../train/dataset-id.ts';
import { decodeEnvelope, encodeEnvelope } from '../util/envelope.ts';
import { FieldChecker } from '../util/fields.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import type { ArchitectureRecord } from './archive.ts';
import {
  ALGORITHMS, checkSearchConfig, PICK_RULES, SEARCH_PRESETS, type AlgorithmName, type PickRule, type SearchConfig, type SearchPresetName,
} from './config.ts';
import type { GenerationRecord } from './history.ts';
import { SYNFLOW_SCALES, type SynflowScale } from './objectives.ts';

export const SEARCH_FORMAT = 'mednas-search';
export const SEARCH_VERSION = 1;

export interface AdapterRecord {
  readonly description: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly isCpu: boolean;
}

export interface SearchCheckpoint {
  readonly mednasVersion: string;
  readonly config: SearchConfig;
  readonly dataset: DatasetId;
  /** ProxyBatch.id of the proxy batch (its content's checksum). */
  readonly batchId: string;
  /** The adapter of the run that wrote this checkpoint. */
  readonly adapter: AdapterRecord;
  /** The optimiser's exported state (its RNG state included). */
  readonly algorithm: Nsga2State | MoeadState;
  readonly archive: readonly ArchitectureRecord[];
  readonly history: readonly GenerationRecord[];
  /** Wall time of every generation so far, over all the runs that worked on the search. */
  readonly elapsedMs: number;
  /** How many runs worked on it (1 + resumes). */
  readonly sessions: number;
  /** All generations are done. */
  readonly finished: boolean;
}

export function encodeSearchCheckpoint(c: SearchCheckpoint): Uint8Array {
  return encodeEnvelope(SEARCH_FORMAT, SEARCH_VERSION, c);
}

/** A number that may be NaN or infinite (proxy values): anything but a number is an error. */
function anyNumber(f: FieldChecker, v: unknown, where: string): number {
  if (typeof v !== 'number') f.fail(where, 'a number', v);
  return v;
}

function numberMap(f: FieldChecker, v: unknown, where: string): Record<string, number> {
  const r = f.record(v, where);
  return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, anyNumber(f, x, `${where}.${k}`)]));
}

function stringMap(f: FieldChecker, v: unknown, where: string): Record<string, string> {
  const r = f.record(v, where);
  return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, f.string(x, `${where}.${k}`)]));
}

function choice<T extends string>(f: FieldChecker, v: unknown, where: string, choices: readonly T[]): T {
  const s = f.string(v, where);
  if (!choices.includes(s as T)) f.fail(where, `one of ${choices.join(', ')}`, v);
  return s as T;
}

const CONFIG_KEYS = ['preset', 'dataset', 'algorithm', 'popSize', 'generations', 'proxies', 'proxyBatch', 'initChannels', 'seed', 'synflowScale', 'pick'];

function config(f: FieldChecker, v: unknown): SearchConfig {
  const c = f.record(v, 'config');
  f.keys(c, 'config', CONFIG_KEYS);
  const proxies = f.array(c.proxies, 'config.proxies').map((p, i) => f.string(p, `config.proxies[${i}]`));
  if (proxies.length !== 2) f.fail('config.proxies', 'two proxy names', c.proxies);
  const out: SearchConfig = {
    preset: c.preset === null ? null : choice<SearchPresetName>(f, c.preset, 'config.preset', SEARCH_PRESETS),
    dataset: f.string(c.dataset, 'config.dataset'),
    algorithm: choice<AlgorithmName>(f, c.algorithm, 'config.algorithm', ALGORITHMS),
    popSize: f.integer(c.popSize, 'config.popSize', 2),
    generations: f.integer(c.generations, 'config.generations', 1),
    proxies: [proxies[0], proxies[1]],
    proxyBatch: f.integer(c.proxyBatch, 'config.proxyBatch', 1),
    initChannels: f.integer(c.initChannels, 'config.initChannels', 4),
    seed: f.integer(c.seed, 'config.seed', 0, 2 ** 32 - 1),
    synflowScale: choice<SynflowScale>(f, c.synflowScale, 'config.synflowScale', SYNFLOW_SCALES),
    pick: choice<PickRule>(f, c.pick, 'config.pick', PICK_RULES),
  };
  try {
    checkSearchConfig(out);
  } catch (e) {
    throw new FileFormatError(f.source, `holds settings that are not valid (${(e as Error).message})`);
  }
  return out;
}


const ARCH_KEYS = ['key', 'genotype', 'generation', 'values', 'logValues', 'reasons', 'timesMs', 'params', 'flops', 'failure'];

function architecture(f: FieldChecker, v: unknown, where: string): ArchitectureRecord {
  const r = f.record(v, where);
  f.keys(r, where, ARCH_KEYS);
  const genotype = f.integers(r.genotype, `${where}.genotype`, 0, 1000);
  const key = f.string(r.key, `${where}.key`);
  if (key !== genotype.join(',')) f.fail(`${where}.key`, `the genotype's key ${genotype.join(',')}`, key);
  return {
    key,
    genotype,
    generation: f.integer(r.generation, `${where}.generation`, 1),
    values: numberMap(f, r.values, `${where}.values`),
    logValues: numberMap(f, r.logValues, `${where}.logValues`),
    reasons: stringMap(f, r.reasons, `${where}.reasons`),
    timesMs: numberMap(f, r.timesMs, `${where}.timesMs`),
    params: f.integer(r.params, `${where}.params`),
    flops: f.integer(r.flops, `${where}.flops`),
    failure: r.failure === null ? null : f.string(r.failure, `${where}.failure`),
  };
}

const GENERATION_KEYS = ['generation', 'evaluations', 'population', 'objectives', 'front', 'hypervolume', 'best', 'scored', 'archiveHits', 'failures', 'times'];

function generation(f: FieldChecker, v: unknown, where: string, known: ReadonlySet<string>): GenerationRecord {
  const r = f.record(v, where);
  f.keys(r, where, GENERATION_KEYS);
  const population = f.array(r.population, `${where}.population`).map((k, i) => {
    const key = f.string(k, `${where}.population[${i}]`);
    if (!known.has(key)) f.fail(`${where}.population[${i}]`, 'the key of an architecture in the archive', k);
    return key;
  });
  const objectives = f.array(r.objectives, `${where}.objectives`).map((row, i) => {
    const rr = f.array(row, `${where}.objectives[${i}]`).map((x, j) => anyNumber(f, x, `${where}.objectives[${i}][${j}]`));
    if (rr.length !== 2) f.fail(`${where}.objectives[${i}]`, 'two objectives', row);
    return rr;
  });
  if (objectives.length !== population.length) f.fail(`${where}.objectives`, `one row per population member (${population.length})`, r.objectives);
  const times = f.record(r.times, `${where}.times`);
  f.keys(times, `${where}.times`, ['wallMs', 'scoringMs']);
  return {
    generation: f.integer(r.generation, `${where}.generation`, 1),
    evaluations: f.integer(r.evaluations, `${where}.evaluations`),
    population,
    objectives,
    front: f.integers(r.front, `${where}.front`, 0, Math.max(0, population.length - 1)),
    hypervolume: anyNumber(f, r.hypervolume, `${where}.hypervolume`),
    best: numberMap(f, r.best, `${where}.best`),
    scored: f.integer(r.scored, `${where}.scored`),
    archiveHits: f.integer(r.archiveHits, `${where}.archiveHits`),
    failures: f.integer(r.failures, `${where}.failures`),
    times: { wallMs: f.number(times.wallMs, `${where}.times.wallMs`), scoringMs: f.number(times.scoringMs, `${where}.times.scoringMs`) },
  };
}

/** The optimiser's state, checked as far as its shape goes (restoring it checks the rest). */
function algorithmState(f: FieldChecker, v: unknown, algo: AlgorithmName): Nsga2State | MoeadState {
  const s = f.record(v, 'algorithm');
  if (s.algorithm !== algo) f.fail('algorithm.algorithm', `'${algo}' (the config's algorithm)`, s.algorithm);
  f.integer(s.generation, 'algorithm.generation');
  f.integer(s.evaluations, 'algorithm.evaluations');
  f.integers(s.rng, 'algorithm.rng', 0, 0xffffffff);
  for (const k of ['X', 'F'] as const) f.array(s[k], `algorithm.${k}`).forEach((row, i) => f.array(row, `algorithm.${k}[${i}]`).forEach((x, j) => anyNumber(f, x, `algorithm.${k}[${i}][${j}]`)));
  f.array(s.CV, 'algorithm.CV').forEach((x, i) => anyNumber(f, x, `algorithm.CV[${i}]`));
  return s as unknown as Nsga2State | MoeadState;
}

/**
 * Reads and checks a checkpoint's bytes. Every fault (not a mednas file, truncated, damaged, another
 * format or version, a field of the wrong type) is a FileFormatError naming `source`.
 */
export function decodeSearchCheckpoint(bytes: Uint8Array, source = 'the search checkpoint'): SearchCheckpoint {
  const { payload } = decodeEnvelope(bytes, { format: SEARCH_FORMAT, versions: [SEARCH_VERSION], source });
  const f = new FieldChecker(source);
  const top = f.record(payload, 'the payload');
  f.keys(top, 'the payload', ['mednasVersion', 'config', 'dataset', 'batchId', 'adapter', 'algorithm', 'archive', 'history', 'elapsedMs', 'sessions', 'finished']);
  const cfg = config(f, top.config);
  const archive = f.array(top.archive, 'archive').map((a, i) => architecture(f, a, `archive[${i}]`));
  const known = new Set(archive.map((a) => a.key));
  if (known.size !== archive.length) f.fail('archive', 'each architecture once', top.archive);
  const history = f.array(top.history, 'history').map((g, i) => generation(f, g, `history[${i}]`, known));
  history.forEach((g, i) => g.generation !== i + 1 && f.fail(`history[${i}].generation`, `${i + 1}`, g.generation));
  const algorithm = algorithmState(f, top.algorithm, cfg.algorithm);
  if (algorithm.generation !== history.length) f.fail('algorithm.generation', `${history.length} (the generations in history)`, algorithm.generation);
  const adapter = f.record(top.adapter, 'adapter');
  f.keys(adapter, 'adapter', ['description', 'vendor', 'architecture', 'isCpu']);
  return {
    mednasVersion: f.string(top.mednasVersion, 'mednasVersion'),
    config: cfg,
    dataset: readDatasetId(f, top.dataset),
    batchId: f.string(top.batchId, 'batchId'),
    adapter: {
      description: f.string(adapter.description, 'adapter.description'),
      vendor: f.string(adapter.vendor, 'adapter.vendor'),
      architecture: f.string(adapter.architecture, 'adapter.architecture'),
      isCpu: f.boolean(adapter.isCpu, 'adapter.isCpu'),
    },
    algorithm,
    archive,
    history,
    elapsedMs: f.number(top.elapsedMs, 'elapsedMs'),
    sessions: f.integer(top.sessions, 'sessions', 1),
    finished: f.boolean(top.finished, 'finished'),
  };
}
