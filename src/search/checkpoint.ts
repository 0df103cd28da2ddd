// The search checkpoint: everything a search needs to continue exactly where it stopped, and
// everything replay shows, in the one mednas envelope (format 'mednas-search', a version, a CRC-32
// of the payload; src/util/envelope.ts) around a msgpack payload. Written after every generation,
// and after every candidate of a refinement. Decoding checks every field, so a damaged or foreign
// file is a FileFormatError naming the field, never a TypeError later.
// Versions: 2 adds config.objectives ('paper' | 'rank'), config.refine and the `refine` record;
// 3 names each generation's best values `bestPerProxy` (they come from different architectures),
// where 1 and 2 say `best`. Versions 1 and 2 are still read (version 1: objectives 'paper', no
// refinement).
import type { OptimiserState } from '../moo/optimiser-state.ts';
import { readDatasetId, type DatasetId } from '../train/dataset-id.ts';
import { readTrainConfig } from '../train/model-file.ts';
import { decodeEnvelope, encodeEnvelope } from '../util/envelope.ts';
import { FieldChecker } from '../util/fields.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import type { ArchitectureRecord } from './archive.ts';
import {
  ALGORITHMS, checkSearchConfig, PICK_RULES, SEARCH_PRESETS, type AlgorithmName, type PickRule, type RefineSettings, type SearchConfig, type SearchPresetName,
} from './config.ts';
import type { GenerationRecord } from './history.ts';
import { OBJECTIVE_KINDS, SYNFLOW_SCALES, type ObjectiveKind, type SynflowScale } from './objectives.ts';
import { refineChoice, type RefineCandidate, type RefineRecord } from './refine.ts';

export const SEARCH_FORMAT = 'mednas-search';
export const SEARCH_VERSION = 3;
/** The versions this mednas reads. */
export const SEARCH_VERSIONS_READ: readonly number[] = [1, 2, 3];

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
  readonly algorithm: OptimiserState;
  readonly archive: readonly ArchitectureRecord[];
  readonly history: readonly GenerationRecord[];
  /** Wall time of every generation so far, over all the runs that worked on the search. */
  readonly elapsedMs: number;
  /** How many runs worked on it (1 + resumes). */
  readonly sessions: number;
  /** The refinement stage (null: none asked, or none of its candidates trained yet). */
  readonly refine: RefineRecord | null;
  /** All generations are done, and the refinement when one is asked for. */
  readonly finished: boolean;
}

export function encodeSearchCheckpoint(c: SearchCheckpoint): Uint8Array {
  return encodeEnvelope(SEARCH_FORMAT, SEARCH_VERSION, c);
}

const CONFIG_KEYS_V1 = ['preset', 'dataset', 'algorithm', 'popSize', 'generations', 'proxies', 'proxyBatch', 'initChannels', 'seed', 'synflowScale', 'pick'];
const CONFIG_KEYS = [...CONFIG_KEYS_V1, 'objectives', 'refine'];

function refineSettings(f: FieldChecker, v: unknown): RefineSettings | null {
  if (v === null) return null;
  const r = f.record(v, 'config.refine');
  f.keys(r, 'config.refine', ['candidates', 'epochs', 'maxImages']);
  return {
    candidates: f.integer(r.candidates, 'config.refine.candidates', 1),
    epochs: f.integer(r.epochs, 'config.refine.epochs', 1),
    maxImages: r.maxImages === null ? null : f.integer(r.maxImages, 'config.refine.maxImages', 2),
  };
}

function config(f: FieldChecker, v: unknown, version: number): SearchConfig {
  const c = f.record(v, 'config');
  f.keys(c, 'config', version === 1 ? CONFIG_KEYS_V1 : CONFIG_KEYS);
  const objectives = version === 1 ? 'paper' : f.choice<ObjectiveKind>(c.objectives, 'config.objectives', OBJECTIVE_KINDS);
  const proxies = f.array(c.proxies, 'config.proxies').map((p, i) => f.string(p, `config.proxies[${i}]`));
  if (objectives === 'paper' && proxies.length !== 2) f.fail('config.proxies', 'two proxy names (the paper\'s objectives)', c.proxies);
  if (proxies.length < 1) f.fail('config.proxies', 'at least one proxy name', c.proxies);
  const out: SearchConfig = {
    preset: c.preset === null ? null : f.choice<SearchPresetName>(c.preset, 'config.preset', SEARCH_PRESETS),
    dataset: f.string(c.dataset, 'config.dataset'),
    algorithm: f.choice<AlgorithmName>(c.algorithm, 'config.algorithm', ALGORITHMS),
    popSize: f.integer(c.popSize, 'config.popSize', 2),
    generations: f.integer(c.generations, 'config.generations', 1),
    objectives,
    proxies,
    proxyBatch: f.integer(c.proxyBatch, 'config.proxyBatch', 1),
    initChannels: f.integer(c.initChannels, 'config.initChannels', 4),
    seed: f.integer(c.seed, 'config.seed', 0, 2 ** 32 - 1),
    synflowScale: f.choice<SynflowScale>(c.synflowScale, 'config.synflowScale', SYNFLOW_SCALES),
    pick: f.choice<PickRule>(c.pick, 'config.pick', PICK_RULES),
    refine: version === 1 ? null : refineSettings(f, c.refine),
  };
  try {
    checkSearchConfig(out);
  } catch (e) {
    throw new FileFormatError(f.source, `holds settings that are not valid (${(e as Error).message})`);
  }
  return out;
}


/** Search settings stored in another file (a reproduction's protocol), in the current version's form. */
export function readSearchConfig(f: FieldChecker, v: unknown): SearchConfig {
  return config(f, v, SEARCH_VERSION);
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
    values: f.numberMap(r.values, `${where}.values`),
    logValues: f.numberMap(r.logValues, `${where}.logValues`),
    reasons: f.stringMap(r.reasons, `${where}.reasons`),
    timesMs: f.numberMap(r.timesMs, `${where}.timesMs`),
    params: f.integer(r.params, `${where}.params`),
    flops: f.integer(r.flops, `${where}.flops`),
    failure: r.failure === null ? null : f.string(r.failure, `${where}.failure`),
  };
}

const GENERATION_KEYS = ['generation', 'evaluations', 'population', 'objectives', 'front', 'hypervolume', 'bestPerProxy', 'scored', 'archiveHits', 'failures', 'times'];
/** Before version 3 the best values were stored as `best`. */
const GENERATION_KEYS_V2 = GENERATION_KEYS.map((k) => (k === 'bestPerProxy' ? 'best' : k));

function generation(f: FieldChecker, v: unknown, where: string, known: ReadonlySet<string>, version: number): GenerationRecord {
  const r = f.record(v, where);
  const bestKey = version < 3 ? 'best' : 'bestPerProxy';
  f.keys(r, where, version < 3 ? GENERATION_KEYS_V2 : GENERATION_KEYS);
  const population = f.array(r.population, `${where}.population`).map((k, i) => {
    const key = f.string(k, `${where}.population[${i}]`);
    if (!known.has(key)) f.fail(`${where}.population[${i}]`, 'the key of an architecture in the archive', k);
    return key;
  });
  const objectives = f.array(r.objectives, `${where}.objectives`).map((row, i) => {
    const rr = f.array(row, `${where}.objectives[${i}]`).map((x, j) => f.anyNumber(x, `${where}.objectives[${i}][${j}]`));
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
    hypervolume: f.anyNumber(r.hypervolume, `${where}.hypervolume`),
    bestPerProxy: f.numberMap(r[bestKey], `${where}.${bestKey}`),
    scored: f.integer(r.scored, `${where}.scored`),
    archiveHits: f.integer(r.archiveHits, `${where}.archiveHits`),
    failures: f.integer(r.failures, `${where}.failures`),
    times: { wallMs: f.number(times.wallMs, `${where}.times.wallMs`), scoringMs: f.number(times.scoringMs, `${where}.times.scoringMs`) },
  };
}

/**
 * The optimiser's state, checked as far as its shape goes (restoring it checks the rest): the
 * fields both optimisers share, then the config's optimiser's own, rebuilt field by field.
 */
function algorithmState(f: FieldChecker, v: unknown, algo: AlgorithmName): OptimiserState {
  const s = f.record(v, 'algorithm');
  if (s.algorithm !== algo) f.fail('algorithm.algorithm', `'${algo}' (the config's algorithm)`, s.algorithm);
  const numbers = (value: unknown, where: string): number[] => f.array(value, where).map((x, i) => f.anyNumber(x, `${where}[${i}]`));
  const rows = (value: unknown, where: string): number[][] => f.array(value, where).map((row, i) => numbers(row, `${where}[${i}]`));
  const base = {
    generation: f.integer(s.generation, 'algorithm.generation'),
    evaluations: f.integer(s.evaluations, 'algorithm.evaluations'),
    rng: f.integers(s.rng, 'algorithm.rng', 0, 0xffffffff),
    X: rows(s.X, 'algorithm.X'),
    F: rows(s.F, 'algorithm.F'),
    CV: numbers(s.CV, 'algorithm.CV'),
  };
  if (algo === 'nsga2') return { ...base, algorithm: 'nsga2', popSize: f.integer(s.popSize, 'algorithm.popSize') };
  const neighbours = f.array(s.neighbours, 'algorithm.neighbours').map((n, i) => f.integers(n, `algorithm.neighbours[${i}]`));
  return { ...base, algorithm: 'moead', directions: rows(s.directions, 'algorithm.directions'), neighbours, ideal: numbers(s.ideal, 'algorithm.ideal') };
}

const CANDIDATE_KEYS = ['key', 'epochs', 'bestEpoch', 'valAuc', 'valAcc', 'testAuc', 'testAcc', 'seconds', 'failure'];

function refineRecord(f: FieldChecker, v: unknown, cfg: SearchConfig, known: ReadonlySet<string>): RefineRecord | null {
  if (v === null) return null;
  if (cfg.refine === null) f.fail('refine', 'null (the config asks for no refinement)', v);
  const r = f.record(v, 'refine');
  f.keys(r, 'refine', ['train', 'planned', 'candidates', 'chosen']);
  const planned = f.array(r.planned, 'refine.planned').map((k, i) => {
    const key = f.string(k, `refine.planned[${i}]`);
    if (!known.has(key)) f.fail(`refine.planned[${i}]`, 'the key of an architecture in the archive', k);
    return key;
  });
  if (planned.length < 1 || planned.length > cfg.refine.candidates) f.fail('refine.planned', `1 to ${cfg.refine.candidates} keys (config.refine.candidates)`, r.planned);
  const candidates = f.array(r.candidates, 'refine.candidates').map((x, i): RefineCandidate => {
    const where = `refine.candidates[${i}]`;
    const c = f.record(x, where);
    f.keys(c, where, CANDIDATE_KEYS);
    const key = f.string(c.key, `${where}.key`);
    if (key !== planned[i]) f.fail(`${where}.key`, `the planned key ${planned[i] ?? '(none: more candidates than planned)'}`, c.key);
    return {
      key,
      epochs: f.integer(c.epochs, `${where}.epochs`, 1),
      bestEpoch: f.integer(c.bestEpoch, `${where}.bestEpoch`, -1),
      valAuc: f.anyNumber(c.valAuc, `${where}.valAuc`),
      valAcc: f.anyNumber(c.valAcc, `${where}.valAcc`),
      testAuc: f.anyNumber(c.testAuc, `${where}.testAuc`),
      testAcc: f.anyNumber(c.testAcc, `${where}.testAcc`),
      seconds: f.number(c.seconds, `${where}.seconds`),
      failure: c.failure === null ? null : f.string(c.failure, `${where}.failure`),
    };
  });
  const chosen = r.chosen === null ? null : f.string(r.chosen, 'refine.chosen');
  const expected = refineChoice(planned, candidates);
  if (chosen !== expected) f.fail('refine.chosen', expected === null ? 'null (candidates are still to be trained)' : `${expected} (the best validation AUC)`, r.chosen);
  return { train: readTrainConfig(f, r.train, 'refine.train'), planned, candidates, chosen };
}

/**
 * Reads and checks a checkpoint's bytes. Every fault (not a mednas file, truncated, damaged, another
 * format or version, a field of the wrong type) is a FileFormatError naming `source`.
 */
export function decodeSearchCheckpoint(bytes: Uint8Array, source = 'the search checkpoint'): SearchCheckpoint {
  const { payload, version } = decodeEnvelope(bytes, { format: SEARCH_FORMAT, versions: SEARCH_VERSIONS_READ, source });
  const f = new FieldChecker(source);
  const top = f.record(payload, 'the payload');
  const topKeys = ['mednasVersion', 'config', 'dataset', 'batchId', 'adapter', 'algorithm', 'archive', 'history', 'elapsedMs', 'sessions', 'finished'];
  f.keys(top, 'the payload', version === 1 ? topKeys : [...topKeys, 'refine']);
  const cfg = config(f, top.config, version);
  const archive = f.array(top.archive, 'archive').map((a, i) => architecture(f, a, `archive[${i}]`));
  const known = new Set(archive.map((a) => a.key));
  if (known.size !== archive.length) f.fail('archive', 'each architecture once', top.archive);
  const history = f.array(top.history, 'history').map((g, i) => generation(f, g, `history[${i}]`, known, version));
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
    refine: version === 1 ? null : refineRecord(f, top.refine, cfg, known),
    finished: f.boolean(top.finished, 'finished'),
  };
}
