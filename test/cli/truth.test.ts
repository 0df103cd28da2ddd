// `mednas truth` and `mednas correlate` as child processes: a tiny synthetic table built
// uninterrupted, and another SIGKILLed in the middle of a training unit then resumed, are equal in
// every number but the times; existing, damaged and locked tables and other protocols are refused
// and left alone; `truth score` adds a proxy; show and correlate print and write what they say.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeTruthTable, type TruthTable } from '../../src/truth/table.ts';
import { protocolFromFlags } from '../../cli/truth.ts';
import { shellQuote } from '../../cli/options.ts';
import { cli, cliAll, cliSignal, printedContinue, type Run } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-truth-'));
/** 3 architectures x 2 seeds, 1 epoch on 32 images per split, C = 4, three proxies at one init seed. */
const TINY = ['truth', 'build', '--count', '3', '--seeds', '2', '--init-seeds', '1', '--epochs', '1', '--max-images', '32', '--init-channels', '4', '--proxy-batch', '8', '--proxies', 'jacob_cov,synflow,flops'];
const path = (name: string) => join(dir, `${name}.mednas`);
const read = (name: string): TruthTable => decodeTruthTable(new Uint8Array(readFileSync(path(name))), name);

/** A table without wall times and session counts (they differ run to run; nothing else may). */
function withoutTimes(t: TruthTable): unknown {
  return JSON.parse(JSON.stringify({ ...t, elapsedSeconds: 0, sessions: 0 }, (k, v) => (k === 'seconds' || k === 'timesMs' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

/** The build that the second test kills in the middle of a training unit: started beside the first test's (a process per core). */
let killedBuild: Promise<Run> | undefined;

test('an uninterrupted build: every unit, one line each, a finished table', async () => {
  killedBuild = cli([...TINY, '--out', path('b')], { env: { MEDNAS_TEST_KILL_IN_TRAINING: '3' } });
  const run = await cli([...TINY, '--out', path('a'), '--json']);
  assert.is(run.status, 0, run.stderr);
  const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; kind?: string });
  assert.is(events.filter((e) => e.event === 'unit').length, 9);
  assert.is(events.at(-1)!.event, 'done');
  const t = read('a');
  assert.is(t.runs.length, 6);
  assert.is(t.proxies.length, 3);
  assert.equal(Object.keys(t.proxies[0].values).sort(), ['flops', 'jacob_cov', 'synflow']);
  assert.ok(t.runs.every((r) => r.epochs.length === 1 && r.test !== null && r.epochs[0].test.auc >= 0));
});

test('SIGKILL in the middle of a training unit, then --resume: the same table as the uninterrupted build', async () => {
  const killed = await (killedBuild ?? cli([...TINY, '--out', path('b')], { env: { MEDNAS_TEST_KILL_IN_TRAINING: '3' } }));
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status}: ${killed.stderr}`);
  const partial = read('b');
  assert.is(partial.runs.length, 2, 'the two finished trainings are kept, the one in progress is lost');
  assert.ok(existsSync(`${path('b')}.lock`), "the killed build's lock is left behind");
  const resumed = await cli([...TINY, '--out', path('b'), '--resume']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /4 of 9 units done; 5 to go/);
  assert.equal(withoutTimes(read('b')), withoutTimes(read('a')));
  assert.is(read('b').sessions, 2);
  assert.not.ok(existsSync(`${path('b')}.lock`), 'the stale lock was taken over and released');
});

test('Ctrl-C during a build: exit 130, the units saved and the command that continues, which ends as the uninterrupted build', async () => {
  const stopped = await cliSignal([...TINY, '--out', path('int')], 'SIGINT', (l) => /^\[2\/9\]/.test(l));
  assert.is(stopped.status, 130, `${stopped.signal}: ${stopped.stderr}`);
  const saved = read('int');
  assert.match(stopped.stderr, new RegExp(`mednas: interrupted\\. .*int\\.mednas holds ${saved.proxies.length + saved.runs.length} of 9 units; continue with:\\n  mednas truth build --out ${path('int')} --resume --proxies jacob_cov,synflow,flops\\n`));
  assert.not.ok(existsSync(`${path('int')}.lock`), 'the table is released');
  const resumed = await cli(printedContinue(stopped.stderr));
  assert.is(resumed.status, 0, resumed.stderr);
  assert.equal(withoutTimes(read('int')), withoutTimes(read('a')));
});

test('existing tables are never overwritten; another protocol, a damaged file and a live lock are refused', async () => {
  const before = readFileSync(path('a'));
  const damaged = Buffer.from(before);
  damaged[damaged.length >> 1] ^= 1;
  writeFileSync(path('d'), damaged);
  // Each is refused before the table's lock is taken: side by side.
  const [again, other, smaller, bad, fewerSeeds] = await cliAll([
    [...TINY, '--out', path('a')],
    [...TINY.map((v) => (v === '1' ? '2' : v)), '--out', path('a'), '--resume'],
    ['truth', 'build', '--count', '2', '--out', path('a'), '--resume'],
    ['truth', 'show', path('d')],
    ['truth', 'build', '--seeds', '1', '--out', path('a'), '--resume'],
  ]);
  assert.is(again.status, 1);
  assert.match(again.stderr, /already exists \(synthetic, 3 architectures x 2 seeds, 9 of 9 units, finished\): add --resume/);
  assert.is(other.status, 1);
  assert.match(other.stderr, /train\.epochs 1 \(asked: 2\)/);
  assert.match(smaller.stderr, /never shrinks/);
  assert.is(fewerSeeds.status, 1);
  assert.match(fewerSeeds.stderr, /--seeds 1: the table trains 2 seeds per architecture and never loses any/);
  assert.ok(readFileSync(path('a')).equals(before), 'left as it was');
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /is damaged: its CRC-32/);
  assert.not.match(bad.stderr, /\n\s+at /, 'no stack trace');
  writeFileSync(`${path('a')}.lock`, `${process.pid}\n`); // this test process: alive
  const locked = await cli(['truth', 'build', '--out', path('a'), '--resume']);
  assert.is(locked.status, 1);
  assert.match(locked.stderr, new RegExp(`being built by another process \\(pid ${process.pid}\\)`));
});

test('a table grows in architectures and in seeds on --resume, with its own proxies: 2 x 1 grown to 3 x 2 equals the 3 x 2 built at once', async () => {
  const small = TINY.map((v, i) => (TINY[i - 1] === '--count' ? '2' : TINY[i - 1] === '--seeds' ? '1' : v));
  const first = await cli([...small, '--out', path('g')]);
  assert.is(first.status, 0, first.stderr);
  assert.equal([read('g').protocol.count, read('g').protocol.seeds, read('g').runs.length], [2, [0], 2]);
  // No --proxies: a resumed build computes the table's own three, and says how to add the others.
  const grown = await cli(['truth', 'build', '--out', path('g'), '--resume', '--count', '3', '--seeds', '2']);
  assert.is(grown.status, 0, grown.stderr);
  assert.match(grown.stdout, /computing the table's own 3 proxies; \d+ registered ones it lacks are added by `mednas truth score /);
  assert.match(grown.stdout, /3 architectures x seeds 0, 1/);
  assert.match(grown.stdout, /4 of 9 units done; 5 to go/);
  assert.equal(withoutTimes(read('g')), withoutTimes(read('a')), 'the runs of the new seed sit where a build with both seeds puts them');
});

test('truth score adds a proxy to a table; truth show lists the rows', async () => {
  writeFileSync(path('c'), readFileSync(path('a')));
  const score = await cli(['truth', 'score', path('c'), '--proxies', 'jacob_cov,synflow,flops,params,ms_fisher']);
  assert.is(score.status, 0, score.stderr);
  const t = read('c');
  assert.ok(t.proxies.every((r) => r.values.params > 0 && Number.isFinite(r.values.ms_fisher) && r.values.synflow === read('a').proxies[r.arch].values.synflow));
  assert.equal(withoutTimes({ ...t, proxies: [] }), withoutTimes({ ...read('a'), proxies: [] }), 'the runs are untouched');
  const [show, json] = await cliAll([['truth', 'show', path('c')], ['truth', 'show', path('c'), '--json']]);
  assert.is(show.status, 0, show.stderr);
  assert.match(show.stdout, /synthetic, 3 architectures x 2 seeds, 9 of 9 units, finished/);
  assert.match(show.stdout, /\n\s+1 {2}paper /);
  assert.is(json.stdout.trim().split('\n').length, 4);
});

test('correlate: a terminal table, --json lines with the documented fields, an HTML page; bad flags refused', async () => {
  const [text, json, badTarget, withQuick, quickJson] = await cliAll([
    ['correlate', path('a'), '--bootstrap', '200'],
    ['correlate', path('a'), '--bootstrap', '200', '--json', '--html', join(dir, 'c.html')],
    ['correlate', path('a'), '--target', 'loss'],
    ['correlate', path('c'), '--bootstrap', '200'],
    ['correlate', path('c'), '--bootstrap', '200', '--json'],
  ]);
  // --json: the quick row carries issue 20's targets, the margin's interval among them.
  const quick = quickJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as { proxy: string; spearman: number; targets?: { quick: number; margin: number; marginLow: number; marginHigh: number; baseline: { proxy: string } } }).find((r) => r.proxy === 'quick')!;
  assert.is(quick.targets!.quick, quick.spearman);
  assert.ok(['params', 'flops', 'paper'].includes(quick.targets!.baseline.proxy));
  // (3 architectures: a percentile interval need not hold the point estimate; only its order is sure.)
  assert.ok(Number.isFinite(quick.targets!.margin) && quick.targets!.marginLow <= quick.targets!.marginHigh, JSON.stringify(quick.targets));
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /synthetic, 3 of 3 architectures trained; target: mean test AUC over seeds 0, 1/);
  assert.match(text.stdout, /\npaper\s+3 /);
  // Table a has no ms_fisher (the quick preset's proxy): no quick row, and the command that adds it; table c has it.
  assert.ok(text.stdout.includes(`issue 20's targets: no quick row, the table has no ms_fisher values (the quick preset's objectives use them): add them with \`mednas truth score ${shellQuote(path('a'))} --proxies ms_fisher\``), text.stdout);
  assert.is(withQuick.status, 0, withQuick.stderr);
  assert.match(withQuick.stdout, /\nquick\s+3 /);
  assert.match(withQuick.stdout, /\nissue 20's targets: quick .* against the best of params, flops and paper \((params|flops|paper) .*\): [+-]\d\.\d{3} \[([+-]\d\.\d{3}|-), ([+-]\d\.\d{3}|-)\] \(target >= \+0\.10\); quick is .* of the split-half ceiling/);
  assert.is(json.status, 0, json.stderr);
  const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const names = rows.map((r) => r.proxy);
  for (const name of ['jacob_cov', 'synflow', 'flops', 'paper', '-f1', '-f2', 'ceiling']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  for (const r of rows) {
    for (const k of ['proxy', 'n', 'spearman', 'spearmanLow', 'spearmanHigh', 'kendall', 'kendallLow', 'kendallHigh', 'top10']) assert.ok(k in r, `${k} in ${JSON.stringify(r)}`);
  }
  const page = readFileSync(join(dir, 'c.html'), 'utf8');
  assert.match(page, /Content-Security-Policy/);
  assert.match(page, /<svg[^>]*aria-label="jacob_cov \(rho/);
  assert.is(badTarget.status, 1);
  assert.match(badTarget.stderr, /--target/);
});


test('--posterize-bits sets AugMix posterize depth in a new protocol and must match on resume', () => {
  const fresh = protocolFromFlags({ posterizeBits: '8' }, 'breastmnist', null);
  assert.is(fresh.train.augmix?.posterizeBits, 8);
  assert.is(fresh.train.augmix?.severity, 3, 'the rest of the preset AugMix is kept');
  assert.is(protocolFromFlags({}, 'breastmnist', null).train.augmix?.posterizeBits, 4, 'the preset default is 4');
  assert.is(protocolFromFlags({}, 'breastmnist', fresh).train.augmix?.posterizeBits, 8, 'a resumed table keeps its own');
  assert.throws(() => protocolFromFlags({ posterizeBits: '4' }, 'breastmnist', fresh), /train\.augmix/);
  assert.throws(() => protocolFromFlags({ posterizeBits: '5' }, 'breastmnist', null), /allowed: 4, 8/);
  assert.throws(() => protocolFromFlags({ posterizeBits: '8' }, 'synthetic', null), /without AugMix/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
