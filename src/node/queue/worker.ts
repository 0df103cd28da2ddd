// The worker's end of the queue: a BullMQ Worker whose jobs run in sandboxed child processes
// (processor.ts, BullMQ's "sandboxed processors"). The GPU work of a job blocks the child's event
// loop for as long as it takes; this process only renews the job's lock, watches for stalled jobs
// of workers that died, and reports. A child that crashes fails its job (BullMQ retries it); a
// worker killed outright leaves its job to be found stalled and run by another worker.
import { existsSync } from 'node:fs';
import { Worker, type Job } from 'bullmq';
import { resolveDataDir } from '../data/dirs.ts';
import { DEFAULT_QUEUE } from './coordinator.ts';
import { describeJob, parseJob } from './jobs.ts';
import { readServerWarnings, redactRedisUrl, redisConnection } from './redis.ts';
import { WORKER_DATA_ENV } from './run-job.ts';

export interface QueueWorkerOptions {
  readonly url: string;
  readonly queueName?: string;
  /** Jobs at once, each in its own child process with its own GPU device (default 1: one worker per GPU). */
  readonly concurrency?: number;
  /** Where dataset files are read from (default: MEDNAS_DATA, else the per-user data folder). */
  readonly dataDir?: string;
  /** A job's lock, renewed every half of it while the job runs (default 30 000 ms). */
  readonly lockDurationMs?: number;
  /** How often stalled jobs (their worker died) are looked for (default 30 000 ms). */
  readonly stalledIntervalMs?: number;
  /** How often a job may stall before it fails for good (default 3). */
  readonly maxStalledCount?: number;
  readonly onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { readonly type: 'ready'; readonly url: string; readonly queue: string; readonly concurrency: number; readonly dataDir: string; readonly warnings: readonly string[] }
  | { readonly type: 'active'; readonly id: string; readonly kind: string; readonly what: string; readonly attempt: number }
  | { readonly type: 'completed'; readonly id: string; readonly kind: string; readonly ms: number }
  | { readonly type: 'failed'; readonly id: string; readonly kind: string; readonly reason: string; readonly retried: boolean }
  | { readonly type: 'stalled'; readonly id: string }
  | { readonly type: 'error'; readonly message: string };

export interface QueueWorker {
  /** Waits for the running jobs, then disconnects. */
  close(): Promise<void>;
}

/** The processor file: the built one beside the bundle, else the source (run through tsx). */
export function processorFile(): URL {
  const built = new URL('./queue-processor.js', import.meta.url);
  return existsSync(built) ? built : new URL('./processor.ts', import.meta.url);
}

function describe(job: Job): string {
  try {
    return describeJob(parseJob(job.data));
  } catch {
    return `a malformed ${JSON.stringify(job.name)} job`;
  }
}

/** Starts taking jobs; resolves once connected to Redis. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const emit = options.onEvent ?? (() => undefined);
  const queue = options.queueName ?? DEFAULT_QUEUE;
  const dataDir = resolveDataDir({ dataDir: options.dataDir }).path;
  const concurrency = options.concurrency ?? 1;
  const worker = new Worker(queue, processorFile(), {
    connection: redisConnection(options.url),
    concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 3,
    useWorkerThreads: false,
    workerForkOptions: { env: { ...process.env, [WORKER_DATA_ENV]: dataDir } },
    autorun: false,
  });
  const kindOf = (job: Job | undefined) => String(job?.name ?? '?');
  worker.on('active', (job) => emit({ type: 'active', id: String(job.id), kind: kindOf(job), what: describe(job), attempt: job.attemptsMade + 1 }));
  worker.on('completed', (job) => emit({ type: 'completed', id: String(job.id), kind: kindOf(job), ms: (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now()) }));
  worker.on('failed', (job, err) => {
    const retried = job !== undefined && err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    emit({ type: 'failed', id: String(job?.id ?? '?'), kind: kindOf(job), reason: err.message, retried });
  });
  worker.on('stalled', (id) => emit({ type: 'stalled', id: String(id) }));
  let lastError = '';
  worker.on('error', (e) => {
    // Connection errors repeat while Redis is away: say each new one once.
    if (e.message === lastError) return;
    lastError = e.message;
    emit({ type: 'error', message: e.message });
  });
  await worker.waitUntilReady();
  const warnings = await readServerWarnings(await worker.client);
  emit({ type: 'ready', url: redactRedisUrl(options.url), queue, concurrency, dataDir, warnings });
  const running = worker.run();
  running.catch((e: Error) => emit({ type: 'error', message: `the worker stopped taking jobs: ${e.message}` }));
  return {
    async close() {
      await worker.close();
      await running.catch(() => undefined);
    },
  };
}
