// `search`: MSTF-NAS end to end on one device. The proxy batch is drawn once with the seed, every
// network is built with weights from the seed, the optimiser (NSGA-II or MOEA/D) asks for
// architectures, the archive answers those already scored, and after every generation the search
// hands a checkpoint to the caller (the Node edge writes it atomically). Given a checkpoint it
// continues exactly where that run stopped: the result is the one an uninterrupted run gives.
// With refine settings, the best members of the final front are then trained briefly and the best
// on validation is chosen (src/search/refinement.ts), with a checkpoint after every candidate.
// Progress goes to callbacks; the library never prints.
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { Moead, type MoeadOptions } from '../moo/moead.ts';
import { Nsga2 } from '../moo/nsga2.ts';
import type { OptimiserState } from '../moo/optimiser-state.ts';
import { MooInputError } from '../moo/errors.ts';
import { proxyBatch, type ProxyBatch } from '../proxies/batch.ts';
import { ProxyInputError, UnknownProxyError } from '../proxies/errors.ts';
import { scoreArchitecture } from '../proxies/score.ts';
import { GpuDeviceLostError, GpuLimitError, GpuOutOfMemoryError } from '../gpu/errors.ts';
import { genotypeKey } from '../space/text.ts';
import { datasetId, type DatasetId } from '../train/dataset-id.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import { Archive, architectureSize, type ArchitectureRecord } from './archive.ts';
import { checkSearchConfig, searchConfigDifferences, objectiveDefinition, scoredProxies, type SearchConfig } from './config.ts';
import { runRefinement, type CandidateTrainer, type RefineProgress } from './refinement.ts';
import type { RefineRecord } from './refine.ts';
import { CheckpointMismatchError, SearchConfigError, SearchFailedError } from './errors.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { encodeSearchCheckpoint, type SearchCheckpoint } from './checkpoint.ts';
import { generationRecord, type GenerationRecord } from './history.ts';
import { MstfProblem } from './problem.ts';
import { lastPopulation, refinePlan, searchResult, type SearchResult } from './result.ts';

/** One architecture done (scored, or answered from the archive). */
export interface ArchitectureProgress {
  /** The generation in progress (1-based). */
  readonly generation: number;
  readonly key: string;
  /** Raw values (NaN where undefined or failed). */
  readonly values: Readonly<Record<string, number>>;
  readonly timeMs: number;
  /** Why it could not be scored; it counts as the worst. */
  readonly failure: string | null;
  /** New architectures scored so far in this generation. */
  readonly scoredInGeneration: number;
}

export interface GenerationProgress {
  readonly record: GenerationRecord;
  readonly generations: number;
  /** Estimated time to the end from the mean generation time of this run (null before one is done). */
  readonly etaMs: number | null;
  /** Architectures in the archive. */
  readonly archiveSize: number;
}

/** Scores one genotype: raw values per proxy. Throwing marks the architecture failed (worst). */
export type ArchitectureScorer = (genotype: number[], context: ScorerContext) => Promise<{
  values: Record<string, number>; logValues: Record<string, number>; reasons: Record<string, string>; timesMs: Record<string, number>;
}>;

export interface ScorerContext {
  readonly rt: Runtime;
  readonly batch: ProxyBatch;
  readonly config: SearchConfig;
  readonly proxies: readonly string[];
}

/** One architecture scored by a batch scorer: its values, or the error that scoring it threw. */
export type ScoreOutcome =
  | {
      readonly ok: true;
      readonly values: Record<string, number>; readonly logValues: Record<string, number>;
      readonly reasons: Record<string, string>; readonly timesMs: Record<string, number>;
    }
  | { readonly ok: false; readonly error: unknown };

/**
 * Scores a generation's new architectures together (a queue of workers: src/node/queue), calling
 * `onOutcome` as each is done (`timeMs`: its scoring time) and resolving with every outcome in the
 * genotypes' order. An error is an outcome, recorded as the one-at-a-time scorer's would be (and
 * the search stops on the same fatal ones); throwing stops the search.
 */
export type BatchScorer = (
  genotypes: readonly number[][],
  context: Omit<ScorerContext, 'rt'>,
  onOutcome: (index: number, outcome: ScoreOutcome, timeMs: number) => void,
) => Promise<ScoreOutcome[]>;

/** The default scorer: the registered proxies through scoreArchitecture, weights seeded with the search's seed. */
export const defaultScorer: ArchitectureScorer = async (genotype, { rt, batch, config, proxies }) => {
  const s = await scoreArchitecture(genotype, proxies, batch, { rt, seed: config.seed, initChannels: config.initChannels });
  return { values: s.values, logValues: s.logValues, reasons: s.reasons, timesMs: s.timesMs };
};

export interface SearchOptions {
  readonly config: SearchConfig;
  readonly dataset: ImageDataset;
  readonly rt: Runtime;
  /** Continue this search (its config must equal `config`; its dataset must be this one). */
  readonly resumeFrom?: SearchCheckpoint;
  readonly scorer?: ArchitectureScorer;
  /** Scores each generation's new architectures together instead of one at a time with `scorer`. */
  readonly scoreBatch?: BatchScorer;
  readonly onArchitecture?: (p: ArchitectureProgress) => void;
  readonly onGeneration?: (p: GenerationProgress) => void;
  /** Trains a refinement candidate (default: trainModel, no model file). */
  readonly trainer?: CandidateTrainer;
  /** Refinement progress: its start, every training event of a candidate, each candidate done, the choice. */
  readonly onRefine?: (p: RefineProgress) => void;
  /**
   * Called after every generation (before onGeneration) and after every refinement candidate with the
   * checkpoint and its bytes; awaited before the search goes on.
   */
  readonly saveCheckpoint?: (checkpoint: SearchCheckpoint, bytes: Uint8Array) => void | Promise<void>;
}

/** Errors that no other architecture would escape: the search stops on them. */
function fatal(e: unknown): boolean {
  return e instanceof ProxyInputError || e instanceof UnknownProxyError || e instanceof GpuDeviceLostError;
}

/** The prefixes of failures that are the device's limits or memory (C and the proxy batch decide). */
const RESOURCE_FAILURES = ['GpuLimitError:', 'GpuOutOfMemoryError:'];

/** Whether a recorded failure is the device's limits or memory. */
export function resourceFailure(failure: string): boolean {
  return RESOURCE_FAILURES.some((p) => failure.startsWith(p));
}

/**
 * An architecture's failure as recorded: the error's name and message. The device's limit and memory
 * errors lose their general hint (a smaller batch or image size) for the search's own terms: C and
 * the proxy batch are what decide whether a network fits.
 */
function failureText(e: unknown, config: SearchConfig): string {
  const at = `at C = ${config.initChannels} on a proxy batch of ${config.proxyBatch} images`;
  if (e instanceof GpuLimitError) return `GpuLimitError: ${e.detail.replace(/\.$/, '')} ${at}`;
  if (e instanceof GpuOutOfMemoryError) return `GpuOutOfMemoryError: GPU out of memory (${e.kernel}): ${e.dawnMessage} ${at}`;
  return `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
}

function failedSearch(generation: number, failures: readonly string[], config: SearchConfig): SearchFailedError {
  return new SearchFailedError(generation, failures.length, failures[0], failures.some(resourceFailure), config.initChannels, config.proxyBatch);
}

/** The optimiser the config names, new or restored from `state` (which must be that optimiser's). */
function makeAlgorithm(problem: MstfProblem, config: SearchConfig, state: OptimiserState | null): Nsga2 | Moead {
  if (state && state.algorithm !== config.algorithm) {
    throw new MooInputError(`state is for '${state.algorithm}', cannot restore it into ${config.algorithm}`);
  }
  if (config.algorithm === 'nsga2') {
    const options = { popSize: config.popSize, seed: config.seed };
    return state?.algorithm === 'nsga2' ? Nsga2.restore(problem, state, options) : new Nsga2(problem, options);
  }
  // Two objectives: popSize - 1 partitions give popSize Das-Dennis directions. Batch schedule: a
  // generation's children are scored together (one proxy batch upload, GPU-friendly).
  const options: MoeadOptions = {
    nPartitions: config.popSize - 1, nNeighbours: Math.min(20, config.popSize), seed: config.seed, schedule: 'batch',
  };
  return state?.algorithm === 'moead' ? Moead.restore(problem, state, options) : new Moead(problem, options);
}

/**
 * The settings in which `config` differs from the checkpoint's, as "field: old -> new". Two may
 * change: the generations, to any number not below those done (more extend the search, and the
 * result is the one an uninterrupted search of that length gives: the optimiser's state does not
 * depend on the total); and the refine settings (added, dropped or altered), as long as no
 * candidate was trained yet or the search is extended (its refinement is then done again on the
 * new final front).
 */
export function resumeDifferences(c: Pick<SearchCheckpoint, 'config' | 'refine' | 'history'>, config: SearchConfig): string[] {
  const done = c.history.length;
  const extended = config.generations > done && config.generations !== c.config.generations;
  const ignore: (keyof SearchConfig)[] = [];
  if (config.generations >= done) ignore.push('generations');
  if (c.refine === null || extended) ignore.push('refine');
  const diff = searchConfigDifferences(c.config, config, ignore);
  return diff.map((d) => (d.startsWith('generations:') ? `${d} (${done} are done already: a search can be extended, not cut short)` : d));
}

/** Whether a checkpoint with this history and refinement is done under `config`. */
export function searchFinished(config: SearchConfig, generationsDone: number, refine: RefineRecord | null): boolean {
  return generationsDone >= config.generations && (config.refine === null || (refine?.chosen ?? null) !== null);
}

/** Refuses a checkpoint of another search, saying what differs. */
function checkResume(c: SearchCheckpoint, config: SearchConfig, id: DatasetId, batch: ProxyBatch): void {
  const diff = resumeDifferences(c, config);
  if (diff.length) throw new CheckpointMismatchError(`the checkpoint is of another search (${diff.join('; ')}): resume with its settings, or start a new search in another directory`);
  if (id.name !== c.dataset.name || id.crc32 !== c.dataset.crc32) {
    throw new CheckpointMismatchError(
      `the checkpoint was searched on ${c.dataset.name} (CRC-32 ${c.dataset.crc32.toString(16)}), this is ${id.name} (CRC-32 ${id.crc32.toString(16)}): resume with the same data files`,
    );
  }
  if (batch.id !== c.batchId) throw new CheckpointMismatchError(`the proxy batch differs from the checkpoint's (${batch.id} vs ${c.batchId}): the data changed; resume with the same data files`);
}

/** Runs (or continues) a search and returns its result. */
export async function search(options: SearchOptions): Promise<SearchResult> {
  const { config, dataset, rt } = options;
  checkSearchConfig(config);
  if (dataset.name !== config.dataset) throw new SearchConfigError(`the config names dataset '${config.dataset}' but the data given is '${dataset.name}'`);
  const def = objectiveDefinition(config);
  const proxies = scoredProxies(config);
  const batch = proxyBatch(dataset, { size: config.proxyBatch, seed: config.seed });
  const resume = options.resumeFrom ?? null;
  // Hashes every byte of every split (about 1 s for the largest subsets): once per search.
  const id = datasetId(dataset);
  if (resume) checkResume(resume, config, id, batch);
  const netConfig = { inChannels: batch.shape[1], numClasses: batch.numClasses, initChannels: config.initChannels, inputSize: [batch.shape[2], batch.shape[3]] as [number, number] };
  const scorer = options.scorer ?? defaultScorer;
  const archive = new Archive(resume?.archive ?? []);
  const history: GenerationRecord[] = [...(resume?.history ?? [])];
  let generationInProgress = history.length + 1;
  let scoredInGeneration = 0;
  let failuresInGeneration = 0;
  const failureTexts: string[] = [];
  let scoringMs = 0;

  const scoreNew = async (genotype: number[]): Promise<ArchitectureRecord> => {
    const key = genotypeKey(genotype);
    const size = architectureSize(genotype, netConfig);
    const start = performance.now();
    let record: ArchitectureRecord;
    try {
      const s = await scorer(genotype, { rt, batch, config, proxies });
      record = { key, genotype, generation: generationInProgress, ...s, ...size, failure: null };
    } catch (e) {
      if (fatal(e)) throw e;
      const failure = failureText(e, config);
      failureTexts.push(failure);
      const values = Object.fromEntries(proxies.map((p) => [p, p === 'flops' ? size.flops : NaN]));
      record = { key, genotype, generation: generationInProgress, values, logValues: {}, reasons: {}, timesMs: {}, ...size, failure };
      failuresInGeneration++;
    }
    const timeMs = performance.now() - start;
    scoringMs += timeMs;
    scoredInGeneration++;
    options.onArchitecture?.({ generation: generationInProgress, key, values: record.values, timeMs, failure: record.failure, scoredInGeneration });
    return record;
  };

  // With a batch scorer: the records scoreNew would make of the same outcomes (fatal errors thrown once all are in).
  const batchScorer = options.scoreBatch;
  const scoreMany = batchScorer && (async (genotypes: number[][]): Promise<ArchitectureRecord[]> => {
    const records: ArchitectureRecord[] = [];
    const fatalErrors: unknown[] = [];
    const made = (i: number, outcome: ScoreOutcome, timeMs: number): void => {
      if (records[i]) return;
      const genotype = genotypes[i];
      const key = genotypeKey(genotype);
      const size = architectureSize(genotype, netConfig);
      const generation = generationInProgress;
      if (outcome.ok) {
        const { values, logValues, reasons, timesMs } = outcome;
        records[i] = { key, genotype, generation, values, logValues, reasons, timesMs, ...size, failure: null };
      } else {
        if (fatal(outcome.error)) fatalErrors.push(outcome.error);
        const failure = failureText(outcome.error, config);
        failureTexts.push(failure);
        const values = Object.fromEntries(proxies.map((p) => [p, p === 'flops' ? size.flops : NaN]));
        records[i] = { key, genotype, generation, values, logValues: {}, reasons: {}, timesMs: {}, ...size, failure };
        failuresInGeneration++;
      }
      scoringMs += timeMs;
      scoredInGeneration++;
      options.onArchitecture?.({ generation, key, values: records[i].values, timeMs, failure: records[i].failure, scoredInGeneration });
    };
    const outcomes = await batchScorer(genotypes, { batch, config, proxies }, made);
    outcomes.forEach((o, i) => made(i, o, 0));
    if (fatalErrors.length > 0) throw fatalErrors[0];
    return records;
  });
  const problem = new MstfProblem(archive, def, scoreNew, scoreMany);
  let algo: Nsga2 | Moead;
  try {
    algo = makeAlgorithm(problem, config, resume?.algorithm ?? null);
  } catch (e) {
    if (e instanceof MooInputError) throw new FileFormatError('the search checkpoint', `holds an optimiser state that does not fit its settings (${e.message})`);
    throw e;
  }
  const adapter = {
    description: rt.adapterInfo.description, vendor: rt.adapterInfo.vendor, architecture: rt.adapterInfo.architecture, isCpu: rt.adapterInfo.isCpu,
  };
  let elapsedMs = resume?.elapsedMs ?? 0;
  const sessions = (resume?.sessions ?? 0) + 1;
  const thisRunMs: number[] = [];

  // A search extended past its refinement (more generations) refines its new final front again.
  let refine: RefineRecord | null = config.refine && resume && resume.history.length >= config.generations ? resume.refine : null;
  const checkpoint = (): SearchCheckpoint => ({
    mednasVersion: MEDNAS_VERSION, config, dataset: id, batchId: batch.id, adapter,
    algorithm: algo.exportState(), archive: archive.records(), history: [...history], elapsedMs, sessions,
    refine, finished: searchFinished(config, history.length, refine),
  });
  const save = async (): Promise<void> => {
    if (!options.saveCheckpoint) return;
    const c = checkpoint();
    await options.saveCheckpoint(c, encodeSearchCheckpoint(c));
  };

  while (algo.generation < config.generations) {
    const start = performance.now();
    generationInProgress = algo.generation + 1;
    scoredInGeneration = 0;
    failuresInGeneration = 0;
    failureTexts.length = 0;
    scoringMs = 0;
    problem.takeHits();
    await algo.step();
    // Every new architecture failed (two or more: one unlucky child is no verdict): whatever made
    // them fail (C too large for the device, a broken scorer) would fail the rest too, and a
    // population of failures has nothing to choose from. Stop before saving the generation.
    if (scoredInGeneration >= 2 && failuresInGeneration === scoredInGeneration) throw failedSearch(algo.generation, failureTexts, config);
    const hits = problem.takeHits();
    const snap = algo.snapshot();
    const wallMs = performance.now() - start;
    elapsedMs += wallMs;
    thisRunMs.push(wallMs);
    const record = generationRecord(
      algo.generation, snap.evaluations, snap.X.map((x) => genotypeKey(x)), snap.F, archive, def,
      { scored: scoredInGeneration, archiveHits: hits, failures: failuresInGeneration }, { wallMs, scoringMs },
    );
    history.push(record);
    // The checkpoint first: a generation reported done is a generation saved.
    await save();
    const mean = thisRunMs.reduce((a, b) => a + b, 0) / thisRunMs.length;
    options.onGeneration?.({ record, generations: config.generations, etaMs: mean * (config.generations - algo.generation), archiveSize: archive.size });
  }
  // A checkpoint whose final population holds no scored architecture (written before the check
  // above): nothing to choose, never a failure.
  const last = history.at(-1);
  if (last && last.population.every((k) => archive.require(k).failure !== null)) {
    throw failedSearch(last.generation, last.population.map((k) => archive.require(k).failure!), config);
  }
  if (config.refine && history.length > 0) {
    const planned = refinePlan(lastPopulation({ config, archive: archive.records(), history }), config);
    refine = await runRefinement({
      rt, dataset, config, done: refine, trainer: options.trainer, onProgress: options.onRefine,
      planned: planned.map((m) => ({ key: m.record.key, genotype: m.record.genotype })),
      save: async (r) => {
        refine = r;
        await save();
      },
    });
  }
  return searchResult(checkpoint());
}
