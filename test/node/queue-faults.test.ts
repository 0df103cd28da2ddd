// Faults of a queued search (issue 25), with a real Redis and two `mednas worker`s as child
// processes: malformed payloads pushed by hand fail at once, each with its reason, and the workers
// go on; a worker SIGKILLed in the middle of a job leaves it to the other, and the search ends equal
// to the local one; Redis SIGKILLed and started again on its AOF files in the middle of a search:
// the search goes on and ends equal; a queue no worker serves is said once; short jobs go first. Skipped, saying so, where redis-server is missing.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { datasetRef, JOB_FORMAT, JOB_PRIORITY, JOB_VERSION, QueueCoordinator, readSearchCheckpoint, RedisUnreachableError, redisConnection, type JobPayload, type ScoreJob } from '../../src/node/index.ts';
import { proxyBatch } from '../../src/proxies/batch.ts';
import { presetConfig } from '../../src/train/config.ts';
import { MEDNAS_VERSION } from '../../src/version.ts';
import { cli } from '../cli/helpers.ts';
import { comparable, completions, hasRedis, localSearch, SKIP_NOTE, TestRedis, TestWorker, TINY_SEARCH } from './queue-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-queue-faults-'));
const data = join(dir, 'data'); // empty: the workers hold no dataset file
mkdirSync(data);
let redis: TestRedis | null = null;
let workers: TestWorker[] = [];
const maybe = hasRedis ? test : test.skip;
if (!hasRedis) console.log(SKIP_NOTE);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Waits until `done()` holds (checked every 50 ms), failing after `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`still waiting after ${ms} ms`);
    await sleep(50);
  }
}

async function cluster(): Promise<{ redis: TestRedis; workers: TestWorker[] }> {
  if (!redis) {
    redis = await TestRedis.start();
    workers = [TestWorker.start(redis.url, ['--data', data]), TestWorker.start(redis.url, ['--data', data])];
  }
  return { redis, workers };
}

/** A valid score job on the synthetic set (the tiny search's settings). */
function scoreJob(): ScoreJob {
  const dataset = syntheticDataset({ sizePx: 28 });
  return {
    format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION, kind: 'score', dataset: datasetRef(dataset, undefined),
    genotype: '1,0,6,1,3,1,7,2,1,4,1,0,1,1,2,0,4,0,7,0,6,3,1,1,3,1,4,2,2,0,7,1,7,1,7,0,3,4,2,2,1,4'.split(',').map(Number),
    batch: { size: 16, seed: 0, id: proxyBatch(dataset, { size: 16, seed: 0 }).id }, proxies: ['jacob_cov', 'synflow', 'flops'], initChannels: 8, seed: 0,
  };
}

maybe('malformed payloads pushed by hand: each fails at once with its reason; the workers go on', async () => {
  const { redis, workers } = await cluster();
  await Promise.all(workers.map((w) => w.ready()));
  const good = scoreJob();
  const cases: Array<[string, unknown, RegExp]> = [
    ['text', 'just a string', /bad job payload: the payload is the string "just a string", expected a map/],
    ['no-format', { kind: 'score' }, /format is missing, expected 'mednas-job'/],
    ['unknown-kind', { ...good, kind: 'mine-bitcoin' }, /kind is the string "mine-bitcoin", expected one of score, proxies, train, refine, reproduce/],
    ['genotype', { ...good, genotype: [1, 2, 3] }, /genotype that is not in the search space/],
    ['proxy', { ...good, proxies: ['nope'] }, /unknown proxy 'nope'/],
    ['version', { ...good, mednasVersion: '0.0.1' }, /the job is for mednas 0\.0\.1 and this worker is mednas/],
    ['path', { ...good, dataset: { ...good.dataset, source: 'file', file: '../../etc/passwd' } }, /dataset\.file .*expected a file or folder name without a path/],
    ['missing-file', { ...good, dataset: { ...good.dataset, name: 'organsmnist', source: 'file', file: 'organsmnist_224.npz' } }, /this worker lacks the dataset file organsmnist_224\.npz: the job needs .*organsmnist_224\.npz/],
    ['extra-field', { ...good, code: 'process.exit()' }, /unknown "code"/],
    // A reproduction's training names its network by architecture (ResNet-18 has no genotype).
    ['architecture', {
      format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION, kind: 'reproduce', dataset: good.dataset, architecture: { kind: 'vgg16' },
      subset: { trainImages: null, sampleSeed: 0 }, config: { ...presetConfig('synthetic', 'quick'), epochs: 1 },
    }, /architecture\.kind is the string "vgg16", expected one of mstf, resnet18/],
  ];
  const queue = new Queue('mednas', { connection: { url: redis.url } });
  try {
    for (const [name, payload] of cases) await queue.add('score', payload, { jobId: `bad-${name}`, attempts: 3 });
    for (const [name, , reason] of cases) {
      let state = '';
      for (let i = 0; i < 600 && state !== 'failed'; i++) {
        state = await queue.getJobState(`bad-${name}`);
        if (state !== 'failed') await sleep(200);
      }
      const job = (await queue.getJob(`bad-${name}`))!;
      assert.is(state, 'failed', name);
      assert.match(job.failedReason, reason, name);
      assert.is(job.attemptsMade, 1, `${name}: failed for good at once, not retried`);
    }
  } finally {
    await queue.close();
  }
  assert.ok(workers.every((w) => w.alive));
  // And they still work: a good job through the coordinator's API.
  const coordinator = await QueueCoordinator.connect({ url: redis.url });
  try {
    const [r] = await coordinator.run([good]);
    assert.ok(r.ok && Number.isFinite(r.values.synflow) && r.values.flops > 0, JSON.stringify(r));
  } finally {
    await coordinator.close();
  }
});

maybe('SIGKILL a worker in the middle of a job: the other runs it, the search ends equal to the local one', async () => {
  const { redis, workers } = await cluster();
  redis.cliCommand('FLUSHALL');
  const [local] = await Promise.all([localSearch(), ...workers.map((w) => w.ready())]);
  const [a, b] = workers;
  let killed: string | null = null;
  const stop = a.watch((l) => {
    if (l.event !== 'active' || killed !== null) return;
    killed = l.id!;
    void a.kill();
  });
  const out = join(dir, 'w');
  const run = await cli([...TINY_SEARCH, '--out', out, '--redis', redis.url]);
  stop();
  assert.is(run.status, 0, run.stderr);
  assert.ok(killed !== null && !a.alive, 'worker A was killed in a job');
  assert.ok(b.lines.some((l) => l.event === 'completed' && l.id === killed), 'worker B ran the job A died in');
  assert.equal(comparable(await readSearchCheckpoint(join(out, 'checkpoint.mednas'))), comparable(local.checkpoint));
  workers[0] = TestWorker.start(redis.url, ['--data', data]);
});

maybe('Redis SIGKILLed and started again on its AOF in the middle of a search: the search goes on and ends equal', async () => {
  const { redis, workers } = await cluster();
  redis.cliCommand('FLUSHALL');
  const [local] = await Promise.all([localSearch(), ...workers.map((w) => w.ready())]);
  let restarted: Promise<void> | null = null;
  const stops = workers.map((w) => w.watch((l) => {
    if (l.event !== 'completed' || restarted !== null) return;
    restarted = (async () => {
      await redis.kill();
      await sleep(2000);
      await redis.up();
    })();
  }));
  const out = join(dir, 'r');
  const run = await cli([...TINY_SEARCH, '--out', out, '--redis', redis.url]);
  stops.forEach((s) => s());
  assert.ok(restarted !== null, 'Redis was restarted during the search');
  await restarted;
  assert.is(run.status, 0, run.stderr);
  assert.equal(comparable(await readSearchCheckpoint(join(out, 'checkpoint.mednas'))), comparable(local.checkpoint));
  assert.ok(workers.every((w) => w.alive), 'the workers outlived the outage');
  assert.ok(completions(workers).size > 0);
});

maybe('no worker on the queue: said once while none comes, again only after one came and went', async () => {
  // A Redis of its own (killed at the end to stop the wait) and a queue no `mednas worker` serves.
  const own = await TestRedis.start();
  const queueName = 'mednas-no-workers';
  const said: number[] = [];
  const coordinator = await QueueCoordinator.connect({
    url: own.url, queueName, pollMs: 50, noWorkersMs: 150, unreachableMs: 500,
    onEvent: (e) => void (e.type === 'no-workers' && said.push(e.waiting)),
  });
  const waiting = coordinator.run([scoreJob()]).then(() => null, (e: unknown) => e);
  await until(() => said.length > 0, 20_000);
  await sleep(1500); // ten more checks
  assert.equal(said, [1], 'once, not every 150 ms');
  // A worker comes (its job never finishes) and goes: the next absence is said again.
  let taken = false;
  const worker = new Worker(queueName, () => {
    taken = true;
    return new Promise(() => {});
  }, { connection: redisConnection(own.url) });
  await until(() => taken, 20_000);
  await sleep(1000); // the coordinator counts the worker at one of its next checks
  assert.equal(said, [1]);
  await worker.close(true);
  await until(() => said.length > 1, 20_000);
  assert.equal(said, [1, 1]);
  await own.stop();
  assert.instance(await waiting, RedisUnreachableError);
  await coordinator.close();
});

maybe('priorities: a score job queued after a training and a reproduction is the one a free worker takes first', async () => {
  const own = await TestRedis.start();
  const queueName = 'mednas-priorities';
  const coordinator = await QueueCoordinator.connect({ url: own.url, queueName, pollMs: 50, unreachableMs: 500 });
  // Payloads only need their kind here: this worker never runs them (the real one checks each).
  const slow = [{ ...scoreJob(), kind: 'reproduce', seed: 1 }, { ...scoreJob(), kind: 'train', seed: 2 }] as unknown as JobPayload[];
  const inspect = new Queue(queueName, { connection: redisConnection(own.url) });
  const queued = async () => Object.values(await inspect.getJobCounts('waiting', 'prioritized')).reduce((a, b) => a + b, 0);
  const settle = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);
  // The slow ones in Redis first, then the score job: first in, first out would hand out the reproduction.
  const waiting = [settle(coordinator.run(slow))];
  await until(async () => (await queued()) === 2, 20_000);
  waiting.push(settle(coordinator.run([scoreJob()])));
  await until(async () => (await queued()) === 3, 20_000);
  const taken: string[] = [];
  const worker = new Worker(queueName, (job) => {
    taken.push(job.name);
    return new Promise(() => {});
  }, { connection: redisConnection(own.url), concurrency: 1 });
  await worker.waitUntilReady();
  for (let i = 0; i < 50 && taken.length === 0; i++) await sleep(100);
  assert.equal(taken, ['score']);
  assert.equal(JOB_PRIORITY.score < JOB_PRIORITY.train && JOB_PRIORITY.train <= JOB_PRIORITY.reproduce, true);
  await worker.close(true);
  await inspect.close();
  await own.stop();
  for (const e of await Promise.all(waiting)) assert.instance(e, RedisUnreachableError);
  await coordinator.close();
});

test.after(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
