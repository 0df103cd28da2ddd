// The sandboxed processor: BullMQ forks a child process for each job slot of a worker and imports
// this file in it, so the GPU work of a job, which blocks its event loop for as long as it runs,
// never holds up the worker process that renews the job's lock in Redis. The child keeps its GPU
// device, datasets and proxy batches from job to job (BullMQ reuses it). It dies with its worker:
// an orphan would go on using the GPU for a job that another worker runs again.
//
// BullMQ's contract for a processor file is a module whose default export is the processor: the
// one default export in mednas.
import type { SandboxedJob } from 'bullmq';
import { JobRunner, WORKER_DATA_ENV } from './run-job.ts';
import { resolveDataDir } from '../data/dirs.ts';

const parent = process.ppid;
const orphaned = () => process.ppid !== parent;
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
setInterval(() => orphaned() && process.kill(process.pid, 'SIGKILL'), 500).unref();

const runner = new JobRunner({ dataDir: resolveDataDir({ dataDir: process.env[WORKER_DATA_ENV] }).path });

export default async function processJob(job: SandboxedJob): Promise<unknown> {
  return runner.run(job.data, (p) => void job.updateProgress({ ...p }).catch(() => undefined));
}
