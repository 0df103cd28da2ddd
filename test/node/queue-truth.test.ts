// The table builder and the reproduction runner through the queue (issue 25), with one real Redis
// and two `mednas worker`s as child processes shared by both tests: a ground-truth table built
// through the queue, and a reproduction whose coordinator is SIGKILLed and resumed, each equal the
// same work done locally in every number but the times, and every job ran once. Skipped, saying
// so, where redis-server is missing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeReproduction, type ReproductionResults } from '../../src/reproduce/results.ts';
import { decodeTruthTable, type TruthTable } from '../../src/truth/table.ts';
import { cli } from '../cli/helpers.ts';
import { completions, events, hasRedis, SKIP_NOTE, TestRedis, TestWorker } from './queue-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-queue-truth-'));
/** 3 architectures x 2 seeds, 1 epoch on 32 images per split, C = 4, three proxies at one init seed (test/cli/truth.test.ts's). */
const TINY = ['truth', 'build', '--count', '3', '--seeds', '2', '--init-seeds', '1', '--epochs', '1', '--max-images', '32', '--init-channels', '4', '--proxy-batch', '8', '--proxies', 'jacob_cov,synflow,flops', '--json'];
/**
 * One seed, one random architecture: 7 units (2 searches of 4 x 1 at C = 4 on 8 images, 5 trainings
 * of 1 epoch on 16 images per split at C = 4, ResNet-18 at width 4), all on a 64-image training
 * subset, so that score and reproduce jobs both carry a subset.
 */
const TINY_REPRODUCTION = [
  'reproduce', 'run', '--seeds', '1', '--random', '1', '--epochs', '1', '--max-images', '16', '--init-channels', '4', '--resnet-width', '4',
  '--pop', '4', '--gens', '1', '--search-init-channels', '4', '--proxy-batch', '8', '--train-images', '64', '--json',
];
const read = (name: string): TruthTable => decodeTruthTable(new Uint8Array(readFileSync(join(dir, `${name}.mednas`))), name);
const reproduction = (name: string): ReproductionResults => decodeReproduction(new Uint8Array(readFileSync(join(dir, name, 'results.mednas'))), name);
let redis: TestRedis | null = null;
let workers: TestWorker[] = [];
const maybe = hasRedis ? test : test.skip;
if (!hasRedis) console.log(SKIP_NOTE);

/** One Redis and two workers for every test of this file, started by the first that needs them. */
function cluster(): { redis: TestRedis; workers: TestWorker[] } | Promise<{ redis: TestRedis; workers: TestWorker[] }> {
  if (redis) return { redis, workers };
  return TestRedis.start().then((r) => {
    redis = r;
    workers = [TestWorker.start(r.url), TestWorker.start(r.url)];
    return { redis: r, workers };
  });
}

/** A table or results without wall times and session counts (they differ run to run; nothing else may). */
function withoutTimes(t: TruthTable | ReproductionResults): unknown {
  return JSON.parse(JSON.stringify({ ...t, elapsedSeconds: 0, sessions: 0 }, (k, v) => (k === 'seconds' || k === 'timesMs' ? undefined : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

maybe('a table built through the queue equals the one built locally', async () => {
  const { redis, workers } = await cluster();
  const [local] = await Promise.all([cli([...TINY, '--out', join(dir, 'local.mednas')]), ...workers.map((w) => w.ready())]);
  assert.is(local.status, 0, local.stderr);
  const queued = await cli([...TINY, '--out', join(dir, 'queued.mednas'), '--redis', redis.url]);
  assert.is(queued.status, 0, queued.stderr);
  assert.equal(withoutTimes(read('queued')), withoutTimes(read('local')));
  // One line per unit, as a local build prints them; each unit ran once.
  assert.is(events(queued).filter((e) => e.event === 'unit').length, 9);
  const ran = completions(workers);
  assert.is(ran.size, 9);
  assert.ok([...ran.values()].every((n) => n === 1));
});

maybe('a reproduction through the queue, its coordinator SIGKILLed and resumed, equals the one run locally; every job ran once', async () => {
  const { redis, workers } = await cluster();
  const from = workers.map((w) => w.lines.length);
  // The local reference runs beside the queued one (the coordinator mostly waits for the workers).
  const localRun = Promise.all([cli([...TINY_REPRODUCTION, '--out', join(dir, 'r-local')]), ...workers.map((w) => w.ready())]);
  const out = join(dir, 'r-queued');
  // Through the queue the three trainings that wait for no search start first, then both searches:
  // unit 4 is search-paper's search, killed once its generation is scored (its pick not yet stored;
  // the scoring jobs go before the trainings', so perhaps nothing is stored yet but the protocol).
  const killed = await cli([...TINY_REPRODUCTION, '--out', out, '--redis', redis.url], { env: { MEDNAS_TEST_KILL_IN_UNIT: '4' } });
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status}: ${killed.stderr}`);
  assert.not.ok(reproduction('r-queued').searches.some((s) => s.method === 'search-paper'), "killed before search-paper's pick was stored");
  const resumed = await cli(['reproduce', 'run', '--out', out, '--resume', '--redis', redis.url, '--json']);
  assert.is(resumed.status, 0, resumed.stderr);
  const [local] = await localRun;
  assert.is(local.status, 0, local.stderr);
  const r = reproduction('r-queued');
  assert.equal(withoutTimes(r), withoutTimes(reproduction('r-local')));
  assert.equal(r.runs.map((x) => `${x.method}/${x.index}`), ['search-paper/0', 'search-best/0', 'paper-genotype/0', 'resnet18/0', 'random/0'], 'in the order a local run stores them');
  assert.is(r.sessions, 2);
  // Every training and every scored architecture ran once, over both coordinators.
  const ran = completions(workers, from);
  assert.is(ran.size, 5 + r.searches.reduce((n, s) => n + s.evaluated, 0), JSON.stringify([...ran]));
  assert.ok([...ran.values()].every((n) => n === 1), `a job ran twice: ${JSON.stringify([...ran])}`);
  assert.is([...ran.keys()].filter((id) => id.startsWith('reproduce-')).length, 5);
});

test.after(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
