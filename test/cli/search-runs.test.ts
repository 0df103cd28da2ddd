// Search run directories over several runs (issue 22), as child processes with real signals, in a
// directory whose name needs quoting: a finished search extended with --resume --gens ends as the
// same search run in one go (interrupted by Ctrl-C and resumed); other changed settings, and fewer
// generations, are refused; --force removes the old run's summary, picture and report before its
// first write, and Ctrl-C says the exact command that continues; a summary that is not the
// checkpoint's is refused by train --arch; a search whose every architecture fails exits 1 with the
// cause and the levers; arch score RUN_DIR GENES scores with the search's settings.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSearchCheckpoint, type SearchCheckpoint } from '../../src/search/index.ts';
import { shellQuote } from '../../cli/options.ts';
import { cli, cliSignal, type Run } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas runs é '));
test.after(() => rmSync(dir, { recursive: true, force: true }));
/** Tiny: population 4, C = 4, a proxy batch of 8, eq. 1's proxies (about 1 s per architecture on lavapipe). */
const TINY = ['search', '--pop', '4', '--init-channels', '4', '--proxy-batch', '8', '--objectives', 'paper'];
const ext = join(dir, 'extended');
const full = join(dir, 'in one go');
const ckpt = (d: string): SearchCheckpoint => decodeSearchCheckpoint(new Uint8Array(readFileSync(join(d, 'checkpoint.mednas'))), d);
/** A checkpoint without wall times and run counts (they differ run to run; nothing else may). */
const withoutTimes = (c: SearchCheckpoint): unknown =>
  JSON.parse(JSON.stringify({ ...c, elapsedMs: 0, sessions: 0 }, (k, v) => (k === 'timesMs' || k === 'times' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));

/** The third test's search, started beside the first test's runs (a process per core). */
let allFailing: Promise<Run> | undefined;
const failedOut = join(dir, 'failed');
const searchAllFailing = () => cli([...TINY, '--gens', '2', '--out', failedOut], { env: { MEDNAS_TEST_SCORE_FAULTS: '*:limit' } });

test('a finished search extended with --resume --gens; fewer generations and other settings refused; a summary of another checkpoint refused', async () => {
  allFailing = searchAllFailing();
  const one = await cli([...TINY, '--gens', '1', '--out', ext]);
  assert.is(one.status, 0, one.stderr);
  assert.match(one.stdout, /population 4 for 1 generation;/);
  assert.not.match(one.stdout, /1 generations/);
  assert.match(one.stdout, /generation 1\/1: .*; best per proxy: jacob_cov /);
  const firstSummary = readFileSync(join(ext, 'summary.json'));
  const other = await cli(['search', '--pop', '6', '--init-channels', '4', '--proxy-batch', '8', '--gens', '2', '--out', ext, '--resume']);
  assert.is(other.status, 1);
  assert.match(other.stderr, /popSize: 4 -> 6/);
  const two = await cli([...TINY, '--gens', '2', '--out', ext, '--resume']);
  assert.is(two.status, 0, two.stderr);
  assert.match(two.stdout, /for 2 generations \(extended from 1\)/);
  assert.match(two.stdout, /resuming after generation 1/);
  assert.equal([ckpt(ext).history.length, ckpt(ext).config.generations, ckpt(ext).finished], [2, 2, true]);
  const cut = await cli([...TINY, '--gens', '1', '--out', ext, '--resume']);
  assert.is(cut.status, 1);
  assert.match(cut.stderr, /generations: 2 -> 1 \(2 are done already: a search can be extended, not cut short\)/);
  // The 1-generation summary beside the 2-generation checkpoint: not that search's choice.
  const summary = readFileSync(join(ext, 'summary.json'));
  writeFileSync(join(ext, 'summary.json'), firstSummary);
  const train = await cli(['train', '--arch', ext, '--out', join(dir, 'train')]);
  assert.is(train.status, 1);
  assert.match(train.stderr, /summary\.json was written from another checkpoint than the checkpoint\.mednas beside it \(CRC-32 [0-9a-f]{8}; the file's is [0-9a-f]{8}\)/);
  writeFileSync(join(ext, 'summary.json'), summary);
});

test('--force clears the old summary, picture and report first; Ctrl-C says the command that continues; resumed, it ends as the extended search', async () => {
  // An old finished search in the directory (its files copied), then a new one over it with --force.
  mkdirSync(full);
  for (const f of ['checkpoint.mednas', 'summary.json', 'chosen.svg', 'report.html']) copyFileSync(join(ext, f), join(full, f));
  const stopped = await cliSignal([...TINY, '--gens', '2', '--out', full, '--force', '--json'], 'SIGINT', (l) => l.startsWith('{"event":"generation"'));
  assert.is(stopped.status, 130, `${stopped.signal}: ${stopped.stderr}`);
  const saved = /holds (\d+) finished generations? of this search; continue it with:\n {2}(.*)\n/.exec(stopped.stderr);
  assert.ok(saved, stopped.stderr);
  assert.is(saved![2], `mednas search --out ${shellQuote(full)} --resume`);
  assert.match(saved![2], /'.*in one go'/, 'the path is quoted');
  const c = ckpt(full);
  assert.is(c.history.length, Number(saved![1]));
  assert.is(c.config.generations, 2);
  assert.equal(readdirSync(full).filter((f) => !f.startsWith('.')), ['checkpoint.mednas'], 'no summary, picture or report of the old search');
  assert.not.ok(existsSync(join(full, '.mednas-run.lock')), 'the run directory is released');
  const early = await cli(['train', '--arch', full, '--out', join(dir, 'train')]);
  assert.is(early.status, 1);
  assert.match(early.stderr, /holds a search checkpoint but no summary\.json: that search has not finished/);
  if (c.history.length < 2) {
    const resumed = await cli([...TINY, '--gens', '2', '--out', full, '--resume']);
    assert.is(resumed.status, 0, resumed.stderr);
  }
  assert.equal(withoutTimes(ckpt(full)), withoutTimes(ckpt(ext)), 'extended 1 -> 2 equals the 2-generation search');
});

test('every architecture over the device limit: exit 1 with the cause and the levers (--init-channels, --proxy-batch); nothing chosen or written', async () => {
  const out = failedOut;
  const run = await (allFailing ?? searchAllFailing());
  assert.is(run.status, 1, run.stdout);
  assert.match(run.stderr, /every architecture scored in generation 1 failed \(4 of 4; the first: GpuLimitError: A tensor of 469762048 bytes exceeds this device's largest buffer \(134217728 bytes\) at C = 4 on a proxy batch of 8 images\)/);
  assert.match(run.stderr, /Lower --init-channels \(now 4\) or --proxy-batch \(now 8\)/);
  assert.not.match(run.stderr, /image size/);
  assert.not.match(run.stdout, /train it:|chosen/);
  assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(readdirSync(out), [], 'no checkpoint, summary or lock');
});

test("arch score RUN_DIR GENES: the search's dataset, C, proxy batch, seed and proxies give the values it recorded", async () => {
  const c = ckpt(ext);
  const member = c.archive.find((a) => a.failure === null && a.key !== c.history[1].population[0]) ?? c.archive[0];
  const run = await cli(['arch', 'score', ext, member.key, '--json']);
  assert.is(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { key: string; dataset: string; network: { initChannels: number; seed: number }; batch: { size: number; id: string }; values: Record<string, number | null>; like: { sameBatch: boolean }; archived: { values: Record<string, number | null> } };
  assert.equal([out.key, out.dataset, out.network.initChannels, out.network.seed, out.batch.size, out.batch.id], [member.key, 'synthetic', 4, 0, 8, c.batchId]);
  assert.ok(out.like.sameBatch);
  assert.equal(Object.keys(out.values), ['jacob_cov', 'synflow', 'flops']);
  assert.equal(out.values, out.archived.values, 'the values the search recorded');
});

test.run();
