// `mednas worker --redis URL`: takes scoring and training jobs from the queue that `mednas search
// --redis`, `mednas truth build --redis` and `mednas reproduce run --redis` fill, one worker per GPU
// (docs/scale-out.md). Each job
// runs in a child process (BullMQ's sandboxed processor) so that a long GPU call never stalls the
// job's lock; bad jobs fail with their reason and the worker goes on. Runs until SIGINT/SIGTERM,
// then finishes the jobs in hand and exits.
import type { CAC } from 'cac';
import { startQueueWorker, type WorkerEvent } from '../src/node/index.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { CliUsageError, intValue, optional, pathValue } from './options.ts';
import { redisValue } from './queue-options.ts';

interface WorkerFlags {
  redis?: unknown;
  concurrency?: unknown;
  data?: unknown;
  lockMs?: unknown;
  stalledMs?: unknown;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

const short = (id: string) => (id.length > 22 ? `${id.slice(0, 22)}...` : id);
const now = () => new Date().toISOString().slice(11, 19);

function reporter(json: boolean): (e: WorkerEvent) => void {
  return (e) => {
    if (json) {
      console.log(JSON.stringify({ event: e.type, ...e, type: undefined, time: Date.now() }));
      return;
    }
    switch (e.type) {
      case 'ready':
        console.log(`worker: queue '${e.queue}' on ${e.url}; ${e.concurrency} job(s) at a time; datasets from ${e.dataDir}`);
        for (const w of e.warnings) console.error(`mednas: warning: ${w}`);
        break;
      case 'active':
        console.log(`${now()} ${short(e.id)} started: ${e.what}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
        break;
      case 'completed':
        console.log(`${now()} ${short(e.id)} done in ${(e.ms / 1000).toFixed(1)} s`);
        break;
      case 'failed':
        console.log(`${now()} ${short(e.id)} failed${e.retried ? ' (it will be retried)' : ''}: ${e.reason}`);
        break;
      case 'stalled':
        console.log(`${now()} ${short(e.id)} had stalled (its worker died or lost Redis): queued again`);
        break;
      case 'error':
        console.error(`mednas: worker: ${e.message}`);
        break;
    }
  };
}

async function run(flags: WorkerFlags): Promise<number> {
  if (flags.redis === undefined) throw new CliUsageError('mednas worker needs --redis URL: the Redis that the coordinator (`mednas search --redis URL`, `mednas truth build --redis URL`) uses');
  const url = redisValue(flags.redis);
  const concurrency = optional(flags.concurrency, (v) => intValue(v, '--concurrency', { min: 1, max: 64 })) ?? 1;
  const dataDir = await optional(flags.data, (v) => pathValue(v, '--data', 'dir'));
  const lockDurationMs = optional(flags.lockMs, (v) => intValue(v, '--lock-ms', { min: 1000, max: 3_600_000 }));
  const stalledIntervalMs = optional(flags.stalledMs, (v) => intValue(v, '--stalled-ms', { min: 500, max: 3_600_000 }));
  // The job processes open the GPU; they read the backend and adapter from the environment.
  const gpu = gpuInitOptions(flags);
  if (gpu.backend) process.env.MEDNAS_BACKEND = gpu.backend;
  if (gpu.adapter) process.env.MEDNAS_ADAPTER = gpu.adapter;
  const worker = await startQueueWorker({ url, concurrency, dataDir, lockDurationMs, stalledIntervalMs, onEvent: reporter(flags.json === true) });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (!flags.json) console.log('worker: stopping after the jobs in hand');
  await worker.close();
  return 0;
}

export function registerWorker(cli: CAC): void {
  addGpuOptions(cli.command('worker', 'Run scoring and training jobs from a Redis queue (one worker per GPU; docs/scale-out.md)'))
    .option('--redis <url>', 'The Redis the coordinator uses: redis://[:PASSWORD@]HOST:PORT[/DB], rediss:// for TLS')
    .option('--concurrency <N>', 'Jobs at once, each in its own process with its own GPU device (default 1)')
    .option('--data <dir>', "Where the jobs' dataset files are (default: MEDNAS_DATA, else the per-user data folder); nothing is downloaded")
    .option('--lock-ms <ms>', "A job's lock in Redis, renewed while it runs; a dead worker's job runs elsewhere after it expires (default 30000)")
    .option('--stalled-ms <ms>', "How often to look for dead workers' jobs (default 30000)")
    .option('--json', 'One JSON object per event on stdout (ready, active, completed, failed, stalled, error)')
    .example('mednas worker --redis redis://:secret@queue.lab:6379 --data /data/medmnist')
    .action(async (flags: WorkerFlags) => run(flags));
}
