// A ground-truth table built through the queue (issue 25), with a real Redis and two `mednas
// worker`s as child processes, equals the same table built locally in every number but the times.
// Skipped, saying so, where redis-server is missing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeTruthTable, type TruthTable } from '../../src/truth/table.ts';
import { cli } from '../cli/helpers.ts';
import { completions, events, hasRedis, SKIP_NOTE, TestRedis, TestWorker } from './queue-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-queue-truth-'));
/** 3 architectures x 2 seeds, 1 epoch on 32 images per split, C = 4, three proxies at one init seed (test/cli/truth.test.ts's). */
const TINY = ['truth', 'build', '--count', '3', '--seeds', '2', '--init-seeds', '1', '--epochs', '1', '--max-images', '32', '--init-channels', '4', '--proxy-batch', '8', '--proxies', 'jacob_cov,synflow,flops', '--json'];
const read = (name: string): TruthTable => decodeTruthTable(new Uint8Array(readFileSync(join(dir, `${name}.mednas`))), name);
let redis: TestRedis | null = null;
let workers: TestWorker[] = [];
const maybe = hasRedis ? test : test.skip;
if (!hasRedis) console.log(SKIP_NOTE);

/** A table without wall times and session counts (they differ run to run; nothing else may). */
function withoutTimes(t: TruthTable): unknown {
  return JSON.parse(JSON.stringify({ ...t, elapsedSeconds: 0, sessions: 0 }, (k, v) => (k === 'seconds' || k === 'timesMs' ? undefined : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

maybe('a table built through the queue equals the one built locally', async () => {
  redis = await TestRedis.start();
  workers = [TestWorker.start(redis.url), TestWorker.start(redis.url)];
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

test.after(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
