// What a worker does with a job: check the payload, find the data, run the core's own unit of
// work (the function a local search, table build or reproduction calls), and hand back plain data.
// One GPU device per process, opened at the first job and kept; datasets and proxy batches are kept
// too (a worker runs many jobs on the same data).
//
// An architecture that cannot be scored is a result (the search records it as failed, as a local
// search does); a refinement candidate whose loss goes NaN or that runs out of memory likewise.
// A lost GPU device fails the job so that BullMQ retries it (here on a new device, or on another
// worker); every other error fails the job for good with its name and message.
import type { ImageDataset } from '../../data/dataset.ts';
import { GpuDeviceLostError, GpuOutOfMemoryError } from '../../gpu/errors.ts';
import type { Runtime } from '../../gpu/runtime.ts';
import { proxyBatch, type ProxyBatch } from '../../proxies/batch.ts';
import { scoreArchitecture } from '../../proxies/score.ts';
import { reproductionTrainUnit } from '../../reproduce/unit.ts';
import { defaultCandidateTrainer } from '../../search/refinement.ts';
import { NonFiniteLossError } from '../../train/errors.ts';
import { adapterLine, proxyUnit, trainSubset, trainUnit } from '../../truth/unit.ts';
import { initNode, type NodeInitOptions } from '../device.ts';
import { loadJobDataset } from './dataset.ts';
import { errorToWire, JobRejectedError } from './errors.ts';
import { parseJob, type BatchRef, type DatasetRef, type JobPayload, type JobResult, type SubsetRef } from './jobs.ts';
import { toWire } from './wire.ts';

/** The environment variable through which a job's child process learns the worker's data directory. */
export const WORKER_DATA_ENV = 'MEDNAS_WORKER_DATA';

/** Progress of a training job, reported per epoch (BullMQ's job progress). */
export interface JobProgress {
  readonly epoch: number;
  readonly epochs: number;
}

export interface JobRunnerOptions {
  /** Where dataset files are read from. */
  readonly dataDir: string;
  readonly gpu?: NodeInitOptions;
}

const keyOf = (...parts: unknown[]) => JSON.stringify(parts);

/** Fails the job for good (BullMQ does not retry it) with the error's name and message. */
function final(e: unknown): Error {
  if (e instanceof JobRejectedError) return e;
  const err = e as Error;
  return new JobRejectedError(`${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`);
}

export class JobRunner {
  private rt: Promise<Runtime> | null = null;
  private readonly datasets = new Map<string, Promise<ImageDataset>>();
  private readonly batches = new Map<string, ProxyBatch>();
  private readonly subsets = new Map<string, ImageDataset>();

  constructor(private readonly options: JobRunnerOptions) {}

  private runtime(): Promise<Runtime> {
    if (!this.rt) {
      this.rt = initNode(this.options.gpu);
      this.rt.catch(() => (this.rt = null));
    }
    return this.rt;
  }

  private dataset(ref: DatasetRef): Promise<ImageDataset> {
    const key = keyOf(ref);
    let d = this.datasets.get(key);
    if (!d) {
      d = loadJobDataset(ref, this.options.dataDir);
      this.datasets.set(key, d);
      d.catch(() => this.datasets.delete(key));
    }
    return d;
  }

  private async data(ref: DatasetRef, subset: SubsetRef | null): Promise<ImageDataset> {
    const whole = await this.dataset(ref);
    if (subset === null || subset.trainImages === null) return whole;
    const key = keyOf(ref, subset);
    let d = this.subsets.get(key);
    if (!d) this.subsets.set(key, (d = trainSubset(whole, subset.trainImages, subset.sampleSeed)));
    return d;
  }

  private batch(data: ImageDataset, ref: DatasetRef, subset: SubsetRef | null, b: BatchRef): ProxyBatch {
    const key = keyOf(ref, subset, b.size, b.seed);
    let batch = this.batches.get(key);
    if (!batch) {
      try {
        batch = proxyBatch(data, { size: b.size, seed: b.seed });
      } catch (e) {
        throw final(e);
      }
      this.batches.set(key, batch);
    }
    if (batch.id !== b.id) throw new JobRejectedError(`the proxy batch drawn here is ${batch.id}, the job's is ${b.id}: this worker's data or mednas differs from the coordinator's`);
    return batch;
  }

  /**
   * Runs a job's payload (as BullMQ hands it over) and returns its result as it travels back
   * (src/node/queue/wire.ts). Throws to fail the job: JobRejectedError for good, others to retry.
   */
  async run(data: unknown, onProgress?: (p: JobProgress) => void): Promise<unknown> {
    const job = parseJob(data);
    try {
      return toWire(await this.execute(job, onProgress ?? (() => undefined)));
    } catch (e) {
      if (e instanceof GpuDeviceLostError) {
        // This device is gone: the next job opens a new one; BullMQ retries this one.
        this.rt = null;
        throw e;
      }
      throw final(e);
    }
  }

  private async execute(job: JobPayload, onProgress: (p: JobProgress) => void): Promise<JobResult> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    switch (job.kind) {
      case 'score': {
        const subset = job.subset ?? null;
        const data = await this.data(job.dataset, subset);
        const batch = this.batch(data, job.dataset, subset, job.batch);
        const rt = await this.runtime();
        const adapter = adapterLine(rt);
        try {
          const s = await scoreArchitecture([...job.genotype], job.proxies, batch, { rt, seed: job.seed, initChannels: job.initChannels });
          return { kind: 'score', ok: true, ms: performance.now() - started, adapter, values: s.values, logValues: s.logValues, reasons: s.reasons, timesMs: s.timesMs };
        } catch (e) {
          if (e instanceof GpuDeviceLostError) throw e;
          // The search decides what this error means (a failed architecture, or a fatal one), as it does locally.
          return { kind: 'score', ok: false, ms: performance.now() - started, adapter, error: errorToWire(e) };
        }
      }
      case 'proxies': {
        const data = await this.data(job.dataset, job.subset);
        const batch = this.batch(data, job.dataset, job.subset, job.batch);
        const rt = await this.runtime();
        const result = await proxyUnit({ rt, batch, genotype: job.genotype, initSeed: job.initSeed, initChannels: job.initChannels, proxies: job.proxies });
        return { kind: 'proxies', seconds: seconds(), result };
      }
      case 'train': {
        const data = await this.data(job.dataset, job.subset);
        const rt = await this.runtime();
        const result = await trainUnit({
          rt, dataset: data, genotype: job.genotype, config: job.config,
          onProgress: (e) => e.type === 'epoch' && onProgress({ epoch: e.record.epoch, epochs: e.epochs }),
        });
        return { kind: 'train', result };
      }
      case 'reproduce': {
        const data = await this.data(job.dataset, job.subset);
        const rt = await this.runtime();
        const result = await reproductionTrainUnit({
          rt, dataset: data, architecture: job.architecture, config: job.config,
          onProgress: (e) => e.type === 'epoch' && onProgress({ epoch: e.record.epoch, epochs: e.epochs }),
        });
        return { kind: 'reproduce', result };
      }
      case 'refine': {
        const data = await this.data(job.dataset, null);
        const rt = await this.runtime();
        try {
          const r = await defaultCandidateTrainer({
            rt, dataset: data, genotype: job.genotype, config: job.config,
            onProgress: (e) => e.type === 'epoch' && onProgress({ epoch: e.record.epoch, epochs: e.epochs }),
          });
          return { kind: 'refine', ok: true, seconds: seconds(), bestEpoch: r.bestEpoch, val: r.val, test: r.test };
        } catch (e) {
          // What refinement records as a failed candidate (runRefinement); anything else fails the job.
          if (e instanceof NonFiniteLossError || e instanceof GpuOutOfMemoryError) return { kind: 'refine', ok: false, seconds: seconds(), error: errorToWire(e) };
          throw e;
        }
      }
    }
  }
}
