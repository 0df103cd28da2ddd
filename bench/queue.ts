// The queue (docs/scale-out.md): what one score job costs through BullMQ on Redis against scoring
// the same architecture in process, and one `mednas worker` against two on this machine. A private
// redis-server on a free port (AOF on, as it should run), workers as child processes; each phase
// scores its own distinct architectures (the tiny search's settings: C = 8, a proxy batch of 16,
// jacob_cov + synflow + flops), after a warm-up job per worker (the job process's start and its GPU
// device are paid once per worker, not per job). Skipped without redis-server.
//
// On a 2-core CPU adapter two workers cannot go twice as fast: lavapipe already spreads one
// network's kernels over both cores (LP_NUM_THREADS), so a second worker mostly takes turns with
// the first; on a machine with a GPU per worker the jobs run side by side.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { syntheticDataset } from '../src/data/index.ts';
import {
  datasetRef, initNode, JOB_FORMAT, JOB_VERSION, JobRunner, QueueCoordinator, type ScoreJob,
} from '../src/node/index.ts';
import { proxyBatch } from '../src/proxies/index.ts';
import { randomGenotype } from '../src/space/index.ts';
import { Rng } from '../src/util/rng.ts';
import { MEDNAS_VERSION } from '../src/version.ts';
import type { BenchCase } from './util.ts';

const root = resolve(import.meta.dirname, '..');
const CLI = ['--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'cli/main.ts'];
const JOBS = 8;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => r(port));
    });
  });
}

function startWorker(url: string): ChildProcess {
  return spawn(process.execPath, [...CLI, 'worker', '--redis', url, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
}

function ready(w: ChildProcess): Promise<void> {
  return new Promise((r) => w.stdout!.on('data', (d: Buffer) => String(d).includes('"event":"ready"') && r()));
}

export const cases: BenchCase[] = [
  {
    name: 'queue.overhead',
    async run(): Promise<Record<string, number | string>> {
      if (spawnSync('redis-server', ['--version']).status !== 0) return { skipped: 'no redis-server (apt-get install redis-server)' };
      const dataset = syntheticDataset({ sizePx: 28 });
      const ref = datasetRef(dataset, undefined);
      const batch = proxyBatch(dataset, { size: 16, seed: 0 });
      const rng = new Rng(2025);
      const job = (): ScoreJob => ({
        format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION, kind: 'score', dataset: ref, genotype: randomGenotype(rng),
        batch: { size: 16, seed: 0, id: batch.id }, proxies: ['jacob_cov', 'synflow', 'flops'], initChannels: 8, seed: 0,
      });
      // In process: the worker's own runner on this process's device (a warm-up first).
      await initNode();
      const local = new JobRunner({ dataDir: tmpdir() });
      await local.run(job());
      const localStart = performance.now();
      for (let i = 0; i < JOBS; i++) await local.run(job());
      const localMs = (performance.now() - localStart) / JOBS;

      const dir = mkdtempSync(join(tmpdir(), 'mednas-bench-redis-'));
      const port = await freePort();
      const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--save', '', '--dir', dir], { stdio: 'ignore' });
      const url = `redis://127.0.0.1:${port}`;
      const workers: ChildProcess[] = [];
      try {
        await sleep(500);
        const coordinator = await QueueCoordinator.connect({ url, pollMs: 500 });
        const phase = async (count: number): Promise<number> => {
          while (workers.length < count) {
            const w = startWorker(url);
            workers.push(w);
            await ready(w);
          }
          // One warm-up job per worker, given together so that each takes one.
          await coordinator.run(Array.from({ length: count }, job));
          const start = performance.now();
          await coordinator.run(Array.from({ length: JOBS }, job));
          return (performance.now() - start) / JOBS;
        };
        const one = await phase(1);
        const two = await phase(2);
        await coordinator.close();
        return {
          jobs_per_phase: JOBS,
          local_ms_per_job: Math.round(localMs),
          queue_1_worker_ms_per_job: Math.round(one),
          queue_overhead_ms_per_job: Math.round(one - localMs),
          queue_2_workers_ms_per_job: Math.round(two),
          speedup_2_vs_1_workers: Number((one / two).toFixed(2)),
          cores: availableParallelism(),
        };
      } finally {
        for (const w of workers) {
          try {
            process.kill(-w.pid!, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        redis.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
