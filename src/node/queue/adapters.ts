// The coordinator plugged into the core's own loops, each through the hook the loop already has:
// a search's batch scorer (a generation's new architectures as score jobs), a table build's unit
// runner (its missing units as proxies and train jobs), refinement's candidate trainer (one
// refine job per candidate) and a reproduction's training runner and its searches' scorer
// (reproduce and score jobs). The loops then store every result exactly as they store their own.
import { REPRODUCTION_SUBSET_SEED } from '../../reproduce/unit.ts';
import type { ReproductionProtocol } from '../../reproduce/protocol.ts';
import type { ReproductionTrainingRunner } from '../../reproduce/runner.ts';
import type { BatchScorer, ScoreOutcome } from '../../search/search.ts';
import type { CandidateTrainer } from '../../search/refinement.ts';
import type { TruthUnit, TruthUnitResult, TruthUnitRunner } from '../../truth/build.ts';
import { MEDNAS_VERSION } from '../../version.ts';
import type { QueueCoordinator } from './coordinator.ts';
import { errorFromWire } from './errors.ts';
import {
  JOB_FORMAT, JOB_VERSION, type DatasetRef, type ProxiesJob, type RefineJob, type ReproduceJob, type ScoreJob, type ScoreJobResult, type SubsetRef, type TrainJob,
} from './jobs.ts';

const header = { format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION } as const;

function outcome(r: ScoreJobResult): ScoreOutcome {
  return r.ok ? { ok: true, values: r.values, logValues: r.logValues, reasons: r.reasons, timesMs: r.timesMs } : { ok: false, error: errorFromWire(r.error) };
}

/**
 * A search's batch scorer: score jobs on `dataset` (the search's data, as loaded by the coordinator),
 * or on its training subset `subset` where the search runs on one (a reproduction's --train-images).
 */
export function queuedScorer(coordinator: QueueCoordinator, dataset: DatasetRef, subset: SubsetRef | null = null): BatchScorer {
  // The whole split is named by leaving the field out: such jobs are a plain search's.
  const on = subset === null || subset.trainImages === null ? {} : { subset };
  return async (genotypes, { batch, config, proxies }, onOutcome) => {
    const jobs: ScoreJob[] = genotypes.map((genotype) => ({
      ...header, kind: 'score', dataset, ...on, genotype: [...genotype],
      batch: { size: config.proxyBatch, seed: config.seed, id: batch.id }, proxies: [...proxies], initChannels: config.initChannels, seed: config.seed,
    }));
    const results = await coordinator.run(jobs, (i, r) => onOutcome(i, outcome(r), r.ms));
    return results.map(outcome);
  };
}

/** A table build's unit runner: proxies and train jobs on `dataset` (the whole dataset the coordinator loaded). */
export function queuedTruthRunner(coordinator: QueueCoordinator, dataset: DatasetRef): TruthUnitRunner {
  return async (units, { protocol, data, batch }, onResult) => {
    const subset = { trainImages: protocol.trainImages, sampleSeed: protocol.sampleSeed };
    const job = (u: TruthUnit): ProxiesJob | TrainJob =>
      u.kind === 'proxies'
        ? {
            ...header, kind: 'proxies', dataset, genotype: [...u.genotype], subset,
            // protocolBatch's size: the protocol's N, or the whole training subset when smaller.
            batch: { size: Math.min(protocol.proxyBatch, data.splits.train.count), seed: protocol.proxyBatchSeed, id: batch.id },
            proxies: [...u.proxies], initChannels: protocol.train.initChannels, initSeed: u.initSeed,
          }
        : { ...header, kind: 'train', dataset, genotype: [...u.genotype], subset, config: { ...protocol.train, seed: u.seed } };
    await coordinator.run(units.map(job), async (i, r) => {
      const result: TruthUnitResult = r.kind === 'proxies' ? { kind: 'proxies', result: r.result, seconds: r.seconds } : { kind: 'train', result: r.result, seconds: r.result.seconds };
      await onResult(i, result);
    });
  };
}

/** Refinement's candidate trainer: one refine job per candidate on `dataset` (the search's data). */
export function queuedCandidateTrainer(coordinator: QueueCoordinator, dataset: DatasetRef): CandidateTrainer {
  return async ({ genotype, config }) => {
    const job: RefineJob = { ...header, kind: 'refine', dataset, genotype: [...genotype], config };
    const [r] = await coordinator.run([job]);
    if (!r.ok) throw errorFromWire(r.error); // a NaN loss or out of memory: refinement records the candidate as failed
    return { bestEpoch: r.bestEpoch, val: r.val, test: r.test };
  };
}

/** A reproduction's training runner: one reproduce job per training on `dataset` (the whole dataset the coordinator loaded). */
export function queuedReproductionTrainer(coordinator: QueueCoordinator, dataset: DatasetRef): ReproductionTrainingRunner {
  return async (trainings, { protocol }, onResult) => {
    const subset = reproductionSubset(protocol);
    const jobs = trainings.map((t): ReproduceJob => ({ ...header, kind: 'reproduce', dataset, architecture: t.architecture, subset, config: t.config }));
    await coordinator.run(jobs, (i, r) => onResult(i, r.result));
  };
}

/** The training subset a reproduction runs on, as jobs name it. */
function reproductionSubset(protocol: ReproductionProtocol): SubsetRef {
  return { trainImages: protocol.trainImages, sampleSeed: REPRODUCTION_SUBSET_SEED };
}

/**
 * The hooks that run a reproduction through the queue (runReproduction's `scoreBatch` and
 * `runTrainings`): its searches' scoring as score jobs on its training subset, its trainings as
 * reproduce jobs. The searches themselves run on the coordinator.
 */
export function queuedReproduction(
  coordinator: QueueCoordinator, dataset: DatasetRef, protocol: ReproductionProtocol,
): { readonly scoreBatch: BatchScorer; readonly runTrainings: ReproductionTrainingRunner } {
  return { scoreBatch: queuedScorer(coordinator, dataset, reproductionSubset(protocol)), runTrainings: queuedReproductionTrainer(coordinator, dataset) };
}
