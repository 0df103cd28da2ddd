// The coordinator's end of the queue: it puts a batch of jobs on the BullMQ queue and hands each
// result back, checked, as it comes; the caller (a search, a table build, a reproduction) writes
// its own file exactly as a local run does. Nothing else is kept here: the caller's checkpoint,
// table or results are the truth, Redis only a place where work waits and results wait to be
// collected. Several runs may be in flight at once (a reproduction's searches and trainings).
//
// Job ids are hashes of the payloads (jobs.ts), so asking for work that is queued, running or done
// already adds nothing: a coordinator killed and started again collects what finished meanwhile
// (BullMQ keeps finished jobs for KEEP_FINISHED_S) and waits for what runs. A job that failed for
// good in an earlier session is retried once more when asked for again (its worker may have got
// the missing file since). A job that vanished (Redis restarted without it) is added again.
//
// Results come through QueueEvents at once; a poll every `pollMs` catches whatever an event
// missed (a Redis restart drops the event stream). While Redis does not answer the coordinator
// keeps trying, and stops with RedisUnreachableError after `unreachableMs`: everything finished
// before is in the caller's file, and a rerun with --resume goes on from there.
import { Queue, QueueEvents, type Job } from 'bullmq';
import { QueueJobError, RedisUnreachableError } from './errors.ts';
import { describeJob, jobId, parseJobResult, type JobPayload, type ResultOf } from './jobs.ts';
import { readServerWarnings, redactRedisUrl, redisConnection } from './redis.ts';

/** The queue's name when none is given (one queue serves every kind of job). */
export const DEFAULT_QUEUE = 'mednas';
/** Finished jobs stay in Redis this long (30 days), for a coordinator that resumes to collect. */
export const KEEP_FINISHED_S = 30 * 24 * 3600;
/**
 * Which waiting job a free worker takes first (BullMQ: 0 first, then 1, 2, ...; FIFO within one):
 * the short ones, so that a search's scoring (milliseconds to seconds a job) never waits behind
 * trainings (minutes to hours) queued by another command on the same Redis.
 */
export const JOB_PRIORITY: Readonly<Record<JobPayload['kind'], number>> = { score: 0, proxies: 1, refine: 2, train: 3, reproduce: 3 };

export interface CoordinatorOptions {
  readonly url: string;
  readonly queueName?: string;
  /** Tries per job before it fails for good (a worker that crashed, a lost GPU device); default 3. */
  readonly attempts?: number;
  /** How often every waiting job's state is read, in ms, besides the events (default 2000). */
  readonly pollMs?: number;
  /** Stop with RedisUnreachableError when Redis does not answer for this long, in ms (default 120 000). */
  readonly unreachableMs?: number;
  /** With jobs waiting and none finished for this long, in ms, count the workers and say so once if there are none (default 15 000). */
  readonly noWorkersMs?: number;
  readonly onEvent?: (event: CoordinatorEvent) => void;
}

export type CoordinatorEvent =
  | { readonly type: 'connected'; readonly url: string; readonly queue: string; readonly warnings: readonly string[] }
  /** A batch went on the queue: `added` new jobs, `finished` already done (results reused), `retried` failed ones asked again, `waiting` queued or running already. */
  | { readonly type: 'enqueued'; readonly jobs: number; readonly added: number; readonly finished: number; readonly retried: number; readonly waiting: number }
  | { readonly type: 'redis-down'; readonly message: string }
  | { readonly type: 'redis-up'; readonly downMs: number }
  | { readonly type: 'requeued'; readonly id: string; readonly what: string }
  | { readonly type: 'no-workers'; readonly waiting: number };

/** Counts over the coordinator's life: jobs added, results reused from earlier runs, jobs collected. */
export interface CoordinatorCounts {
  readonly added: number;
  readonly reused: number;
  readonly retried: number;
  readonly requeued: number;
  readonly collected: number;
}

class OpTimeout extends Error {
  override name = 'OpTimeout';
}

const OP_TIMEOUT_MS = 10_000;
/** How long a coordinator waits for Redis when it starts (a Redis that is not there at all). */
const CONNECT_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Errors that mean "Redis is not answering" (as opposed to a refused command). */
function connectionError(e: unknown): boolean {
  const err = e as Error;
  return e instanceof OpTimeout || /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|max retries|ended|LOADING/i.test(`${err?.name} ${err?.message}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new OpTimeout(`${what}: no answer from Redis in ${ms} ms`)), ms))),
  ]);
}

export class QueueCoordinator {
  private downSince: number | null = null;
  private lastError = '';
  private readonly wakers = new Set<(id: string) => void>();
  private mutableCounts = { added: 0, reused: 0, retried: 0, requeued: 0, collected: 0 };
  /** 'no-workers' was reported and no worker has been seen since: said once, not every 15 s. */
  private saidNoWorkers = false;

  private constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly options: CoordinatorOptions,
    private readonly shownUrl: string,
  ) {
    const wake = ({ jobId: id }: { jobId: string }) => this.wakers.forEach((w) => w(id));
    events.on('completed', wake);
    events.on('failed', wake);
    const remember = (e: Error) => (this.lastError = e.message);
    queue.on('error', remember);
    events.on('error', remember);
  }

  /** Connects to Redis (RedisUnreachableError when it does not answer within `unreachableMs`) and reports its settings. */
  static async connect(options: CoordinatorOptions): Promise<QueueCoordinator> {
    const connection = redisConnection(options.url);
    const name = options.queueName ?? DEFAULT_QUEUE;
    const shown = redactRedisUrl(options.url);
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    const c = new QueueCoordinator(queue, events, options, shown);
    const limit = options.unreachableMs ?? 120_000;
    try {
      await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), Math.min(limit, CONNECT_TIMEOUT_MS), 'connecting');
      const warnings = await withTimeout(readServerWarnings(await queue.client), OP_TIMEOUT_MS, 'reading the server info');
      options.onEvent?.({ type: 'connected', url: shown, queue: name, warnings });
    } catch (e) {
      // Never connected: let go of the connections without waiting for a goodbye Redis cannot hear.
      await Promise.race([Promise.allSettled([queue.disconnect(), events.disconnect()]), sleep(2000)]);
      if (e instanceof OpTimeout || connectionError(e)) {
        throw new RedisUnreachableError(`Redis at ${shown} does not answer${c.lastError ? ` (${c.lastError})` : ''}: start redis-server there, or check the URL and its password`);
      }
      throw e;
    }
    return c;
  }

  get counts(): CoordinatorCounts {
    return { ...this.mutableCounts };
  }

  /** One Redis operation, retried while Redis is away (RedisUnreachableError after `unreachableMs`). */
  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const v = await withTimeout(op(), OP_TIMEOUT_MS, what);
        if (this.downSince !== null) {
          this.options.onEvent?.({ type: 'redis-up', downMs: Date.now() - this.downSince });
          this.downSince = null;
        }
        return v;
      } catch (e) {
        if (!connectionError(e)) throw e;
        if (this.downSince === null) {
          this.downSince = Date.now();
          this.options.onEvent?.({ type: 'redis-down', message: (e as Error).message });
        }
        const limit = this.options.unreachableMs ?? 120_000;
        if (Date.now() - this.downSince > limit) {
          throw new RedisUnreachableError(
            `Redis at ${this.shownUrl} has not answered for ${Math.round(limit / 1000)} s (${(e as Error).message}): stopped. Everything finished so far is in this run's file; start Redis again and rerun with --resume to go on`,
          );
        }
        await sleep(500);
      }
    }
  }

  private jobOptions(id: string, kind: JobPayload['kind']) {
    return {
      jobId: id, attempts: this.options.attempts ?? 3, backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: KEEP_FINISHED_S }, removeOnFail: { age: KEEP_FINISHED_S },
      ...(JOB_PRIORITY[kind] > 0 ? { priority: JOB_PRIORITY[kind] } : {}),
    };
  }

  /**
   * Runs `jobs` on the workers and resolves with their results in the same order; `onResult` is
   * awaited for each as it comes (in any order), before the next is handed over. A job that fails
   * for good rejects with a QueueJobError carrying the worker's reason (jobs still running go on,
   * and their results wait in Redis for the next run).
   */
  async run<J extends JobPayload>(jobs: readonly J[], onResult?: (index: number, result: ResultOf<J>) => void | Promise<void>): Promise<ResultOf<J>[]> {
    const ids = jobs.map(jobId);
    const where = new Map<string, number[]>();
    ids.forEach((id, i) => where.set(id, [...(where.get(id) ?? []), i]));
    const results: ResultOf<J>[] = new Array(jobs.length);
    const pending = new Set<string>();
    const woken = new Set<string>();
    let wake: (() => void) | null = null;
    const waker = (id: string) => {
      if (!pending.has(id)) return;
      woken.add(id);
      wake?.();
    };
    this.wakers.add(waker);
    try {
      await this.enqueue([...where.keys()], (id) => jobs[where.get(id)![0]], pending);
      let lastPoll = 0;
      let lastProgress = Date.now();
      let lastWorkerCheck = Date.now();
      const pollMs = this.options.pollMs ?? 2000;
      while (pending.size > 0) {
        if (woken.size === 0 && Date.now() - lastPoll < pollMs) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.max(0, pollMs - (Date.now() - lastPoll)));
          });
          wake = null;
        }
        const full = Date.now() - lastPoll >= pollMs;
        const check = full ? [...pending] : [...woken].filter((id) => pending.has(id));
        woken.clear();
        if (full) lastPoll = Date.now();
        const states = await this.call('reading job states', () => Promise.all(check.map((id) => this.queue.getJobState(id))));
        for (const [k, id] of check.entries()) {
          const state = states[k];
          const payload = jobs[where.get(id)![0]];
          if (state === 'unknown') {
            // Gone (Redis restarted from a file that did not have it yet): ask again.
            await this.call('adding a job again', () => this.queue.add(payload.kind, payload, this.jobOptions(id, payload.kind)));
            this.mutableCounts.requeued++;
            this.options.onEvent?.({ type: 'requeued', id, what: describeJob(payload) });
            continue;
          }
          if (state === 'failed') {
            const job = await this.call('reading a failed job', () => this.queue.getJob(id));
            const tries = job ? ` after ${job.attemptsMade} attempt(s)` : '';
            throw new QueueJobError(id, `job ${id} (${describeJob(payload)}) failed on the workers${tries}: ${job?.failedReason ?? 'no reason recorded'}`);
          }
          if (state !== 'completed') continue;
          const job: Job | undefined = await this.call('reading a result', () => this.queue.getJob(id));
          if (!job) continue; // removed in between: the next poll adds it again
          const result = parseJobResult(payload, id, job.returnvalue) as ResultOf<J>;
          pending.delete(id);
          this.mutableCounts.collected++;
          lastProgress = Date.now();
          for (const i of where.get(id)!) {
            results[i] = result;
            await onResult?.(i, result);
          }
        }
        const quietMs = this.options.noWorkersMs ?? 15_000;
        if (pending.size > 0 && Date.now() - lastProgress > quietMs && Date.now() - lastWorkerCheck > quietMs) {
          lastWorkerCheck = Date.now();
          const workers = await this.call('counting workers', () => this.queue.getWorkersCount()).catch(() => -1);
          if (workers > 0) this.saidNoWorkers = false;
          else if (workers === 0 && !this.saidNoWorkers) {
            this.saidNoWorkers = true;
            this.options.onEvent?.({ type: 'no-workers', waiting: pending.size });
          }
        }
      }
      return results;
    } finally {
      this.wakers.delete(waker);
    }
  }

  /** Puts the jobs not in Redis on the queue, retries those that failed for good before; all go into `pending`. */
  private async enqueue(ids: readonly string[], payload: (id: string) => JobPayload, pending: Set<string>): Promise<void> {
    let added = 0;
    let finished = 0;
    let retried = 0;
    let waiting = 0;
    for (let from = 0; from < ids.length; from += 200) {
      const chunk = ids.slice(from, from + 200);
      const states = await this.call('reading job states', () => Promise.all(chunk.map((id) => this.queue.getJobState(id))));
      const fresh: string[] = [];
      for (const [k, id] of chunk.entries()) {
        pending.add(id);
        const state = states[k];
        if (state === 'unknown') fresh.push(id);
        else if (state === 'completed') finished++;
        else if (state === 'failed') {
          const job = await this.call('reading a failed job', () => this.queue.getJob(id));
          await this.call('retrying a failed job', async () => job?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }));
          retried++;
        } else waiting++;
      }
      if (fresh.length > 0) {
        await this.call('adding jobs', () => this.queue.addBulk(fresh.map((id) => ({ name: payload(id).kind, data: payload(id), opts: this.jobOptions(id, payload(id).kind) }))));
        added += fresh.length;
      }
    }
    this.mutableCounts.added += added;
    this.mutableCounts.reused += finished;
    this.mutableCounts.retried += retried;
    this.options.onEvent?.({ type: 'enqueued', jobs: ids.length, added, finished, retried, waiting });
  }

  /** Disconnects (at once where Redis does not answer: a close waits for a reply that would never come). */
  async close(): Promise<void> {
    const closed = Promise.allSettled([this.events.close(), this.queue.close()]).then(() => true);
    if (await Promise.race([closed, sleep(5000).then(() => false)])) return;
    await Promise.race([Promise.allSettled([this.queue.disconnect(), this.events.disconnect()]), sleep(2000)]);
  }
}
