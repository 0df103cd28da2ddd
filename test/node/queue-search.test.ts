// A search through the queue (issue 25), with a real Redis and two `mednas worker`s as child
// processes: it picks the same architecture with the same stored values as the same search run
// locally, and a coordinator SIGKILLed after a generation's jobs are done resumes to the same
// search without any architecture scored twice (the finished jobs' results are taken from Redis).
// Skipped, saying so, where redis-server is missing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSearchCheckpoint } from '../../src/node/index.ts';
import { cli } from '../cli/helpers.ts';
import { comparable, completions, events, hasRedis, localSearch, SKIP_NOTE, TestRedis, TestWorker, TINY_SEARCH } from './queue-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-queue-search-'));
let redis: TestRedis | null = null;
let workers: TestWorker[] = [];
const maybe = hasRedis ? test : test.skip;
if (!hasRedis) console.log(SKIP_NOTE);

async function cluster(): Promise<{ redis: TestRedis; workers: TestWorker[] }> {
  if (!redis) {
    redis = await TestRedis.start();
    workers = [TestWorker.start(redis.url), TestWorker.start(redis.url)];
  }
  return { redis, workers };
}

maybe('a search through the queue picks what the local search picks, with the same stored values', async () => {
  const { redis, workers } = await cluster();
  // The local reference and the workers' start-up overlap.
  const [local] = await Promise.all([localSearch(), ...workers.map((w) => w.ready())]);
  const queued = await cli([...TINY_SEARCH, '--out', join(dir, 'q'), '--redis', redis.url]);
  assert.is(queued.status, 0, queued.stderr);
  const c = await readSearchCheckpoint(join(dir, 'q', 'checkpoint.mednas'));
  assert.equal(comparable(c), comparable(local.checkpoint));
  const done = (r: typeof queued) => events(r).find((e) => e.event === 'done')!.chosen;
  assert.equal(done(queued), done(local.run));
  // Each architecture was scored once, by some worker, and both workers took jobs.
  const ran = completions(workers);
  assert.is(ran.size, c.archive.length);
  assert.ok([...ran.values()].every((n) => n === 1), JSON.stringify([...ran]));
  assert.ok(workers.every((w) => w.lines.some((l) => l.event === 'completed')), 'both workers took jobs');
});

maybe('SIGKILL the coordinator after a generation was scored, then --resume: the same search, no architecture scored twice', async () => {
  const { redis, workers } = await cluster();
  redis.cliCommand('FLUSHALL');
  const from = workers.map((w) => w.lines.length);
  const out = join(dir, 'k');
  // Killed before generation 2's checkpoint is renamed into place: its jobs are done, the file holds generation 1.
  const killed = await cli([...TINY_SEARCH, '--out', out, '--redis', redis.url], { env: { MEDNAS_TEST_KILL_BEFORE_RENAME: '2' } });
  assert.is(killed.signal, 'SIGKILL', killed.stderr);
  const resumed = await cli([...TINY_SEARCH, '--out', out, '--redis', redis.url, '--resume']);
  assert.is(resumed.status, 0, resumed.stderr);
  const c = await readSearchCheckpoint(join(out, 'checkpoint.mednas'));
  assert.equal(comparable(c), comparable((await localSearch()).checkpoint));
  // Generation 2's jobs were found finished: nothing was added, nothing ran again.
  const enqueued = events(resumed).filter((e) => e.event === 'queue-enqueued');
  assert.is(enqueued.length, 1, JSON.stringify(enqueued));
  assert.is(enqueued[0].added, 0);
  assert.ok((enqueued[0].finished as number) >= 1);
  const ran = completions(workers, from);
  assert.is(ran.size, c.archive.length, 'every architecture scored');
  assert.ok([...ran.values()].every((n) => n === 1), `an architecture was scored twice: ${JSON.stringify([...ran])}`);
});

test.after(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
