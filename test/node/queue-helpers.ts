// A real Redis and real `mednas worker`s for the queue tests: redis-server on 127.0.0.1 on a free
// port with AOF in a temporary directory (killed and restarted on the same files when a test asks),
// and workers as child processes in their own process groups (a kill takes the worker and its job
// process together, as a machine that dies would). Every process started here is stopped by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cli, root, type Run } from '../cli/helpers.ts';
import { readSearchCheckpoint } from '../../src/node/index.ts';
import type { SearchCheckpoint } from '../../src/search/checkpoint.ts';

/** Where redis-server is missing, the queue tests skip, saying so. */
export const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
export const SKIP_NOTE = '  (skipped: no redis-server here; `apt-get install redis-server` (scripts/setup.sh does it as root))';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    let got = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

export class TestRedis {
  private proc: ChildProcess | null = null;
  log = '';

  private constructor(readonly port: number, readonly dir: string) {}

  static async start(): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'mednas-redis-')));
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on the port and the directory's AOF files; resolves when it answers. */
  async up(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--save', '', '--dir', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => (this.log += d));
    proc.stderr!.on('data', (d) => (this.log += d));
    this.proc = proc;
    for (let i = 0; i < 200; i++) {
      if (await ping(this.port)) return;
      if (proc.exitCode !== null) break;
      await sleep(100);
    }
    throw new Error(`redis-server did not start on port ${this.port}:\n${this.log}`);
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    this.proc = null;
  }

  /** Runs a redis-cli command against this server (e.g. FLUSHALL between tests). */
  cliCommand(...args: string[]): string {
    return spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' }).stdout.trim();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One worker's JSON events as they come. */
export interface WorkerLine {
  readonly event: string;
  readonly id?: string;
  readonly kind?: string;
  readonly reason?: string;
  readonly [k: string]: unknown;
}

export class TestWorker {
  readonly lines: WorkerLine[] = [];
  stderr = '';
  private readonly listeners = new Set<(l: WorkerLine) => void>();
  readonly exited: Promise<void>;

  private constructor(readonly proc: ChildProcess) {
    let pending = '';
    proc.stdout!.on('data', (d: Buffer) => {
      const parts = (pending + d).split('\n');
      pending = parts.pop()!;
      for (const p of parts) {
        if (!p.startsWith('{')) continue;
        const line = JSON.parse(p) as WorkerLine;
        this.lines.push(line);
        this.listeners.forEach((f) => f(line));
      }
    });
    proc.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((r) => proc.once('exit', () => r()));
  }

  /** `mednas worker --redis URL --json` with short locks (a killed worker's job is found in seconds). */
  static start(url: string, extra: readonly string[] = []): TestWorker {
    const proc = spawn(CLI[0], [...CLI.slice(1), 'worker', '--redis', url, '--json', '--lock-ms', '5000', '--stalled-ms', '1000', ...extra], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    return new TestWorker(proc);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves with the first line (already seen or to come) that `match` accepts. */
  next(match: (l: WorkerLine) => boolean, timeoutMs = 180_000): Promise<WorkerLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(f);
        reject(new Error(`no such worker line in ${timeoutMs} ms; stderr:\n${this.stderr}`));
      }, timeoutMs);
      const f = (l: WorkerLine) => {
        if (!match(l)) return;
        clearTimeout(timer);
        this.listeners.delete(f);
        resolve(l);
      };
      this.listeners.add(f);
    });
  }

  ready(): Promise<WorkerLine> {
    return this.next((l) => l.event === 'ready');
  }

  /** Calls `f` on every line from now on (returns a function that stops it). */
  watch(f: (l: WorkerLine) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** SIGKILL to the worker's process group: the worker, its quiet-Dawn parent and its job process. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    try {
      process.kill(-this.proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }
}

/** How many times each job id completed, over the workers' lines from index `from` of each. */
export function completions(workers: readonly TestWorker[], from: readonly number[] = []): Map<string, number> {
  const out = new Map<string, number>();
  workers.forEach((w, i) => {
    for (const l of w.lines.slice(from[i] ?? 0)) if (l.event === 'completed') out.set(l.id!, (out.get(l.id!) ?? 0) + 1);
  });
  return out;
}

/** The tiny search of these tests: population 4, 2 generations, C = 8, a proxy batch of 16. */
export const TINY_SEARCH = ['search', '--pop', '4', '--gens', '2', '--init-channels', '8', '--proxy-batch', '16', '--no-report', '--json'];

let reference: Promise<{ run: Run; checkpoint: SearchCheckpoint }> | null = null;

/** The tiny search run locally (once per test process: every queue test compares with it). */
export function localSearch(): Promise<{ run: Run; checkpoint: SearchCheckpoint }> {
  reference ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'mednas-queue-local-'));
    const run = await cli([...TINY_SEARCH, '--out', out]);
    if (run.status !== 0) throw new Error(`the local search failed: ${run.stderr}`);
    const checkpoint = await readSearchCheckpoint(join(out, 'checkpoint.mednas'));
    rmSync(out, { recursive: true, force: true });
    return { run, checkpoint };
  })();
  return reference;
}

/** What must be equal between a queued and a local search: every stored value but the times. */
export function comparable(c: SearchCheckpoint): unknown {
  return JSON.parse(JSON.stringify({
    archive: c.archive.map((r) => ({ ...r, timesMs: undefined })),
    populations: c.history.map((h) => h.population),
    algorithm: c.algorithm,
    batchId: c.batchId,
    dataset: c.dataset,
    config: c.config,
  }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

/** The JSON events of a CLI run's stdout. */
export function events(run: Run): Array<Record<string, unknown> & { event: string }> {
  return run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown> & { event: string });
}
