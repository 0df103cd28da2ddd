// A reproduction's results file ('mednas-reproduction' v1, one msgpack envelope, rewritten
// atomically after every unit): the protocol, the dataset's identity, each finished search (its
// pick) and each finished training run. `summarise` turns it into the table docs/RESULTS.md shows:
// per reported method, mean +- std over seeds of test ACC and AUC, parameters, times.
import { readDatasetId, type DatasetId } from '../train/dataset-id.ts';
import { readTrainConfig } from '../train/model-file.ts';
import { readSearchConfig } from '../search/checkpoint.ts';
import { readMetrics, readSeeds } from '../truth/table.ts';
import { readArchitecture, encodeArchitecture, type Architecture } from '../train/architecture.ts';
import type { Metrics } from '../train/metrics.ts';
import { encodeEnvelope, decodeEnvelope } from '../util/envelope.ts';
import { FieldChecker } from '../util/fields.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import {
  checkReproductionProtocol, REPORTED_METHODS, REPRODUCTION_METHODS,
  type ReportedMethod, type ReproductionMethod, type ReproductionProtocol,
} from './protocol.ts';

export const REPRODUCTION_FORMAT = 'mednas-reproduction';
export const REPRODUCTION_VERSION = 1;

export interface SearchPick {
  readonly method: 'search-paper' | 'search-best';
  readonly seed: number;
  readonly genotype: readonly number[];
  /** Architectures the search scored. */
  readonly evaluated: number;
  readonly seconds: number;
  readonly adapter: string;
  readonly mednasVersion: string;
}

export interface ReproductionRun {
  readonly method: ReproductionMethod;
  readonly seed: number;
  /** Which of the seed's random architectures (0 for the other methods). */
  readonly index: number;
  readonly architecture: Architecture;
  readonly params: number;
  /** Multiply-accumulates per image. */
  readonly macs: number;
  /** Best-on-validation epoch (0-based; -1 when the run failed). */
  readonly bestEpoch: number;
  readonly val: Metrics | null;
  readonly test: Metrics | null;
  /** Why the run produced no model (a NaN loss), or null. */
  readonly failure: string | null;
  readonly seconds: number;
  readonly adapter: string;
  readonly mednasVersion: string;
}

export interface ReproductionResults {
  readonly mednasVersion: string;
  readonly protocol: ReproductionProtocol;
  readonly dataset: DatasetId;
  readonly searches: readonly SearchPick[];
  readonly runs: readonly ReproductionRun[];
  readonly elapsedSeconds: number;
  readonly sessions: number;
}

export function encodeReproduction(r: ReproductionResults): Uint8Array {
  return encodeEnvelope(REPRODUCTION_FORMAT, REPRODUCTION_VERSION, {
    ...r,
    runs: r.runs.map((x) => ({ ...x, architecture: encodeArchitecture(x.architecture) })),
  });
}

function metrics(f: FieldChecker, v: unknown, where: string): Metrics | null {
  return v === null ? null : readMetrics(f, v, where);
}

function protocol(f: FieldChecker, v: unknown): ReproductionProtocol {
  const p = f.record(v, 'protocol');
  f.keys(p, 'protocol', ['dataset', 'train', 'resnetWidth', 'seeds', 'trainImages', 'randomCount', 'methods', 'searchPaper', 'searchBest']);
  const out: ReproductionProtocol = {
    dataset: f.string(p.dataset, 'protocol.dataset'),
    train: readTrainConfig(f, p.train, 'protocol.train'),
    resnetWidth: f.integer(p.resnetWidth, 'protocol.resnetWidth', 1),
    seeds: readSeeds(f, p.seeds, 'protocol.seeds'),
    trainImages: p.trainImages === null ? null : f.integer(p.trainImages, 'protocol.trainImages', 2),
    randomCount: f.integer(p.randomCount, 'protocol.randomCount', 1),
    methods: f.array(p.methods, 'protocol.methods').map((m, i) => f.choice(m, `protocol.methods[${i}]`, REPRODUCTION_METHODS)),
    searchPaper: readSearchConfig(f, p.searchPaper),
    searchBest: readSearchConfig(f, p.searchBest),
  };
  try {
    checkReproductionProtocol(out);
  } catch (e) {
    throw new FileFormatError(f.source, `holds a protocol that is not valid (${(e as Error).message})`);
  }
  return out;
}

function searchPick(f: FieldChecker, v: unknown, where: string): SearchPick {
  const r = f.record(v, where);
  f.keys(r, where, ['method', 'seed', 'genotype', 'evaluated', 'seconds', 'adapter', 'mednasVersion']);
  return {
    method: f.choice(r.method, `${where}.method`, ['search-paper', 'search-best'] as const),
    seed: f.integer(r.seed, `${where}.seed`, 0, 2 ** 32 - 1),
    genotype: f.integers(r.genotype, `${where}.genotype`, 0, 1000),
    evaluated: f.integer(r.evaluated, `${where}.evaluated`),
    seconds: f.number(r.seconds, `${where}.seconds`),
    adapter: f.string(r.adapter, `${where}.adapter`),
    mednasVersion: f.string(r.mednasVersion, `${where}.mednasVersion`),
  };
}

function run(f: FieldChecker, v: unknown, where: string): ReproductionRun {
  const r = f.record(v, where);
  f.keys(r, where, ['method', 'seed', 'index', 'architecture', 'params', 'macs', 'bestEpoch', 'val', 'test', 'failure', 'seconds', 'adapter', 'mednasVersion']);
  return {
    method: f.choice(r.method, `${where}.method`, REPRODUCTION_METHODS),
    seed: f.integer(r.seed, `${where}.seed`, 0, 2 ** 32 - 1),
    index: f.integer(r.index, `${where}.index`),
    architecture: readArchitecture(f, r.architecture, `${where}.architecture`),
    params: f.integer(r.params, `${where}.params`),
    macs: f.integer(r.macs, `${where}.macs`),
    bestEpoch: f.integer(r.bestEpoch, `${where}.bestEpoch`, -1),
    val: metrics(f, r.val, `${where}.val`),
    test: metrics(f, r.test, `${where}.test`),
    failure: r.failure === null ? null : f.string(r.failure, `${where}.failure`),
    seconds: f.number(r.seconds, `${where}.seconds`),
    adapter: f.string(r.adapter, `${where}.adapter`),
    mednasVersion: f.string(r.mednasVersion, `${where}.mednasVersion`),
  };
}

/** Decodes and checks a results file (FileFormatError naming `source` and the field on any fault). */
export function decodeReproduction(bytes: Uint8Array, source: string): ReproductionResults {
  const env = decodeEnvelope(bytes, { format: REPRODUCTION_FORMAT, versions: [REPRODUCTION_VERSION], source });
  if (env.encoding !== 'msgpack') throw new FileFormatError(source, 'holds raw bytes, not msgpack results');
  const f = new FieldChecker(source);
  const top = f.record(env.payload, 'the results');
  f.keys(top, 'the results', ['mednasVersion', 'protocol', 'dataset', 'searches', 'runs', 'elapsedSeconds', 'sessions']);
  const out: ReproductionResults = {
    mednasVersion: f.string(top.mednasVersion, 'mednasVersion'),
    protocol: protocol(f, top.protocol),
    dataset: readDatasetId(f, top.dataset),
    searches: f.array(top.searches, 'searches').map((s, i) => searchPick(f, s, `searches[${i}]`)),
    runs: f.array(top.runs, 'runs').map((r, i) => run(f, r, `runs[${i}]`)),
    elapsedSeconds: f.number(top.elapsedSeconds, 'elapsedSeconds'),
    sessions: f.integer(top.sessions, 'sessions', 1),
  };
  const seen = new Set<string>();
  for (const [i, r] of out.runs.entries()) {
    const id = runId(r.method, r.seed, r.index);
    if (seen.has(id)) f.fail(`runs[${i}]`, 'one run per method, seed and index', `a second ${id}`);
    seen.add(id);
  }
  for (const [i, s] of out.searches.entries()) {
    const id = `${s.method} search/${s.seed}`;
    if (seen.has(id)) f.fail(`searches[${i}]`, 'one search per method and seed', `a second ${id}`);
    seen.add(id);
  }
  return out;
}

/** A run's identity in the file: 'paper-genotype/1', 'random/0/2'. */
export function runId(method: ReproductionMethod, seed: number, index: number): string {
  return method === 'random' ? `random/${seed}/${index}` : `${method}/${seed}`;
}

/** One reported method's figures over the seeds (a row of docs/RESULTS.md and of results/medmnist.json's `means`). */
export interface MethodSummary {
  readonly dataset: string;
  readonly method: ReportedMethod;
  /** Seeds with a finished, successful run. */
  readonly seeds: number;
  readonly accMean: number;
  readonly accStd: number;
  readonly aucMean: number;
  readonly aucStd: number;
  /** Mean parameters of the networks behind the figures. */
  readonly params: number;
  readonly initChannels: number;
  readonly epochs: number;
  /** Mean training seconds per run, and mean search seconds per seed (0 without a search). */
  readonly trainSeconds: number;
  readonly searchSeconds: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1), 0 for one value: the spread over seeds. */
const std = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** The median run of a seed's random architectures by test AUC (the lower middle for an even count). */
function medianRun(runs: readonly ReproductionRun[]): ReproductionRun {
  const sorted = [...runs].sort((a, b) => a.test!.auc - b.test!.auc);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The run a reported method stands on for each seed (only seeds whose runs are all finished and successful). */
export function reportedRuns(r: ReproductionResults, method: ReportedMethod): ReproductionRun[] {
  const out: ReproductionRun[] = [];
  for (const seed of r.protocol.seeds) {
    if (method === 'random-median' || method === 'random-best') {
      const runs = r.runs.filter((x) => x.method === 'random' && x.seed === seed);
      if (runs.length < r.protocol.randomCount || runs.some((x) => x.test === null || x.val === null)) continue;
      out.push(method === 'random-median' ? medianRun(runs) : runs.reduce((best, x) => (x.val!.auc > best.val!.auc ? x : best)));
    } else {
      const x = r.runs.find((y) => y.method === method && y.seed === seed);
      if (x && x.test !== null) out.push(x);
    }
  }
  return out;
}

/** Per reported method that has at least one seed: mean +- std of test ACC and AUC over seeds. */
export function summarise(r: ReproductionResults): MethodSummary[] {
  const out: MethodSummary[] = [];
  for (const method of REPORTED_METHODS) {
    const base: ReproductionMethod = method === 'random-median' || method === 'random-best' ? 'random' : method;
    if (!r.protocol.methods.includes(base)) continue;
    const runs = reportedRuns(r, method);
    if (runs.length === 0) continue;
    const acc = runs.map((x) => x.test!.acc);
    const auc = runs.map((x) => x.test!.auc);
    const searches = r.searches.filter((s) => s.method === method);
    out.push({
      dataset: r.protocol.dataset, method, seeds: runs.length,
      accMean: mean(acc), accStd: std(acc), aucMean: mean(auc), aucStd: std(auc),
      params: Math.round(mean(runs.map((x) => x.params))),
      initChannels: base === 'resnet18' ? r.protocol.resnetWidth : r.protocol.train.initChannels,
      epochs: r.protocol.train.epochs,
      trainSeconds: mean(runs.map((x) => x.seconds)),
      searchSeconds: searches.length === 0 ? 0 : mean(searches.map((s) => s.seconds)),
    });
  }
  return out;
}

/** How many units the protocol has (each search and each training run), and how many are done. */
export function reproductionProgress(r: Pick<ReproductionResults, 'protocol' | 'searches' | 'runs'>): { units: number; done: number } {
  const p = r.protocol;
  const perSeed = p.methods.reduce((n, m) => n + (m === 'random' ? p.randomCount : m.startsWith('search') ? 2 : 1), 0);
  return { units: perSeed * p.seeds.length, done: r.searches.length + r.runs.length };
}

