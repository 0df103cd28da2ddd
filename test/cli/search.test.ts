// `mednas search` and `mednas replay` as child processes, with real signals: a search SIGKILLed
// after a generation, or between writing a checkpoint and renaming it, then resumed, ends exactly as
// an uninterrupted run; the previous checkpoint is whole after the kill; existing, damaged and
// foreign checkpoints are refused and left alone; faulty architectures are logged and the search
// goes on; replay reproduces the record and --verify re-scores without a difference; rank
// objectives; --refine, SIGKILLed during its second candidate and resumed, ends as an uninterrupted run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSearchCheckpoint, type SearchCheckpoint } from '../../src/search/index.ts';
import { readSearchRunGenotype } from '../../src/node/index.ts';
import { deadCells } from '../../src/space/dead.ts';
import { CLI, cli, cliAll, root, type Run } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-search-'));
/** Small enough for the suite: population 6, 3 generations, C = 4, a proxy batch of 8. */
const SMALL = ['search', '--pop', '6', '--gens', '3', '--init-channels', '4', '--proxy-batch', '8'];
const ckptPath = (name: string) => join(dir, name, 'checkpoint.mednas');
const readCkpt = (name: string): SearchCheckpoint => decodeSearchCheckpoint(new Uint8Array(readFileSync(ckptPath(name))), name);
const jsonLines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });

/** A checkpoint without wall times (they differ run to run; nothing else may). */
function withoutTimes(c: SearchCheckpoint): unknown {
  return JSON.parse(JSON.stringify({ ...c, elapsedMs: 0, sessions: 0 }, (k, v) => (k === 'timesMs' || k === 'times' || k === 'seconds' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

/** Two searches started together on the fresh --out a (the second test looks at the race): the one not refused is the uninterrupted search the other tests compare with. */
let race: Run[] = [];
/** Runs that a later test looks at, each started beside an earlier test's run (a process per core). */
const started: { killedAfterGeneration1?: Promise<Run>; killedBeforeRename?: Promise<Run>; faults?: Promise<Run> } = {};
const killedAfterGeneration1 = () => cli([...SMALL, '--out', join(dir, 'b'), '--json'], { onLine: (l) => l.startsWith('{"event":"generation"') });
const killedBeforeRename = () => cli([...SMALL, '--out', join(dir, 'c')], { env: { MEDNAS_TEST_KILL_BEFORE_RENAME: '2' } });
const faults = () => cli([...SMALL, '--out', join(dir, 'f')], { env: { MEDNAS_TEST_SCORE_FAULTS: '2:oom,3:build,5:nan' } });

test('an uninterrupted search: JSON events, the run directory, a summary that mednas train reads', async () => {
  started.killedAfterGeneration1 = killedAfterGeneration1();
  race = await Promise.all([cli([...SMALL, '--out', join(dir, 'a'), '--json']), cli([...SMALL, '--out', join(dir, 'a'), '--json'])]);
  const run = race.find((r) => r.status === 0) ?? race[0];
  assert.is(run.status, 0, run.stderr);
  const events = jsonLines(run.stdout);
  assert.equal([...new Set(events.map((e) => e.event))], ['start', 'architecture', 'generation', 'done']);
  assert.is(events.filter((e) => e.event === 'generation').length, 3);
  // Every architecture says whether it is dead (its values then are documented substitutes).
  for (const e of events.filter((x) => x.event === 'architecture')) {
    const blocks = deadCells(String(e.key).split(',').map(Number)).map((b) => b + 1);
    assert.equal([e.dead, e.deadBlocks], [blocks.length > 0, blocks], String(e.key));
  }
  assert.equal(readdirSync(join(dir, 'a')).sort(), ['checkpoint.mednas', 'chosen.svg', 'report.html', 'summary.json']);
  const done = events.at(-1)!;
  const chosen = done.chosen as { genotype: number[] };
  assert.equal(await readSearchRunGenotype(join(dir, 'a')), chosen.genotype);
  assert.match(String(done.trainCommand), /^mednas train --arch .* --dataset synthetic$/);
  assert.match(readFileSync(join(dir, 'a', 'chosen.svg'), 'utf8'), /^<svg|<\?xml/);
  // The summary carries its CRC-32: an edited copy is refused, not read as another genotype.
  const summary = readFileSync(join(dir, 'a', 'summary.json'), 'utf8');
  mkdirSync(join(dir, 'edited'));
  writeFileSync(join(dir, 'edited', 'summary.json'), summary.replace(/"genotype": \[\n\s+(\d)/, (m, d) => m.replace(d, String((Number(d) + 1) % 2))));
  const edited = await readSearchRunGenotype(join(dir, 'edited')).then(() => 'read', (e: Error) => e.message);
  assert.match(edited, /does not match its CRC-32/);
  assert.ok(readCkpt('a').finished);
});

test('two searches started together on one fresh --out: one is refused naming the other, the other finishes intact', () => {
  const refused = race.filter((r) => r.status === 1);
  assert.is(refused.length, 1, race.map((r) => `${r.status}: ${r.stderr}`).join(' | '));
  assert.match(refused[0].stderr, /is in use by another mednas run \(pid \d+\): wait for it to finish or stop it/);
  assert.is(race.filter((r) => r.status === 0).length, 1);
  assert.is(readCkpt('a').history.length, 3);
  assert.ok(readCkpt('a').finished);
  assert.not.ok(existsSync(join(dir, 'a', '.mednas-run.lock')), 'the lock is released at the end');
});

test('SIGKILL after generation 1, then --resume: the same search as the uninterrupted one', async () => {
  const killed = await (started.killedAfterGeneration1 ?? killedAfterGeneration1());
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status}: ${killed.stderr}`);
  const partial = readCkpt('b');
  assert.ok(partial.history.length >= 1 && !partial.finished, `${partial.history.length} generations`);
  started.killedBeforeRename = killedBeforeRename();
  const resumed = await cli([...SMALL, '--out', join(dir, 'b'), '--resume', '--json']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.equal(withoutTimes(readCkpt('b')), withoutTimes(readCkpt('a')));
  assert.is(readCkpt('b').sessions, 2);
  assert.equal(JSON.parse(readFileSync(join(dir, 'b', 'summary.json'), 'utf8')).chosen.genotype, JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8')).chosen.genotype);
});

test("a SIGKILL between writing generation 2's checkpoint and renaming it leaves generation 1's whole; resume ends the same", async () => {
  const run = await (started.killedBeforeRename ?? killedBeforeRename());
  assert.is(run.signal, 'SIGKILL', `status ${run.status}: ${run.stderr}`);
  assert.is(readCkpt('c').history.length, 1, 'the real name holds the previous checkpoint, whole');
  assert.ok(readdirSync(join(dir, 'c')).some((f) => f.endsWith('.tmp')), 'the half-done file is only under a temporary name');
  started.faults = faults();
  const resumed = await cli([...SMALL, '--out', join(dir, 'c'), '--resume']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.not.ok(readdirSync(join(dir, 'c')).some((f) => f.endsWith('.tmp')), 'the stale temporary file is removed');
  assert.equal(withoutTimes(readCkpt('c')), withoutTimes(readCkpt('a')));
});

test('an existing checkpoint is never overwritten without --resume or --force; other settings and damaged files are refused; plain output', async () => {
  const before = readFileSync(ckptPath('a'));
  const again = await cli([...SMALL, '--out', join(dir, 'a')]);
  assert.is(again.status, 1);
  assert.match(again.stderr, /already exists \(synthetic, nsga2, generation 3 of 3, finished\): add --resume .* --force/);
  const other = await cli(['search', '--pop', '8', '--gens', '3', '--out', join(dir, 'a'), '--resume']);
  assert.is(other.status, 1);
  assert.match(other.stderr, /popSize: 6 -> 8/);
  assert.ok(readFileSync(ckptPath('a')).equals(before), 'left as it was');
  // Damaged: one flipped byte, and a cut file, of a copy of the finished search's checkpoint (the
  // file the same command writes; the first test ran it).
  const damaged = [['d1', (b: Buffer) => { b[b.length >> 1] ^= 1; return b; }], ['d2', (b: Buffer) => b.subarray(0, b.length - 7)]] as const;
  const bad = damaged.map(([name, damage]) => {
    mkdirSync(join(dir, name));
    copyFileSync(ckptPath('a'), ckptPath(name));
    const b = damage(Buffer.from(readFileSync(ckptPath(name))));
    writeFileSync(ckptPath(name), b);
    return b;
  });
  const runs = await cliAll(damaged.flatMap(([name]) => [[...SMALL, '--out', join(dir, name), '--resume'], ['replay', join(dir, name)]]));
  damaged.forEach(([name], i) => {
    const [resumed, replay] = [runs[2 * i], runs[2 * i + 1]];
    assert.is(resumed.status, 1);
    assert.match(resumed.stderr, /^mednas: .*checkpoint\.mednas/);
    assert.not.match(resumed.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(readFileSync(ckptPath(name)).equals(bad[i]), 'the damaged file is left for the user');
    assert.is(replay.status, 1);
    assert.not.match(replay.stderr, /\n\s+at /);
  });
  // --force over the damaged file: a new search from the start, the same as the first test's. Its
  // plain output (no --json): a line per generation, the chosen genotype, the front table, the train command.
  const forced = await cli([...SMALL, '--out', join(dir, 'd1'), '--force']);
  assert.is(forced.status, 0, forced.stderr);
  assert.equal(withoutTimes(readCkpt('d1')), withoutTimes(readCkpt('a')));
  assert.is(forced.stdout.match(/^generation \d\/3: /gm)?.length, 3, forced.stdout);
  assert.match(forced.stdout, /chosen \(largest S_n\): [\d,]+/, 'the quick preset ranks (issue 20)');
  assert.match(forced.stdout, /final front \(\d of 6; \* = chosen\)/);
  assert.match(forced.stdout, /train it: mednas train --arch/);
});

test('architectures that run out of memory, fail to build or score NaN are logged and count as the worst', async () => {
  const run = await (started.faults ?? faults());
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.match(/could not be scored/g)?.length, 2, run.stdout);
  assert.match(run.stdout, /GpuOutOfMemoryError/);
  assert.match(run.stdout, /generation 1\/3: 6 scored, 0 from the archive, 2 failed/);
  const c = readCkpt('f');
  assert.is(c.archive.filter((a) => a.failure !== null).length, 2);
});

test('bad values are refused before any GPU work, naming the flag', async () => {
  const cases = [
    [['--pop', '1'], /--pop/],
    [['--proxies', 'nope,synflow'], /nope/],
    [['--objectives', 'paper', '--proxies', 'jacob_cov'], /--proxies/],
    [['--objectives', 'paper', '--proxies', 'jacob_cov,synflow,snip'], /--proxies: .*exactly two.*--objectives rank/],
    [['--objectives', 'pareto'], /--objectives/],
    [['--objectives', 'rank', '--proxies', 'snip,snip'], /snip twice/],
    [['--refine-epochs', '2'], /--refine-epochs .* add --refine K/],
    [['--refine', '0'], /--refine/],
    [['--init-channels', '6'], /multiple of 4/],
    [['--algo', 'cmaes'], /--algo/],
    [['--dataset', 'nosuchmnist'], /nosuchmnist/],
  ] as const;
  // Side by side, so each in a directory of its own (a search locks its --out).
  const runs = await cliAll(cases.map(([args], i) => ['search', ...args, '--out', join(dir, `never-${i}`)]));
  cases.forEach(([args, message], i) => {
    const run = runs[i];
    assert.is(run.status, 1, `${args}: ${run.stdout}`);
    assert.match(run.stderr, message);
    assert.not.match(run.stderr, /\n\s+at /);
  });
  cases.forEach((_, i) => assert.not.ok(existsSync(join(dir, `never-${i}`, 'checkpoint.mednas'))));
});

test('replay reproduces every generation from the file; --verify re-scores with no difference; --json lines', async () => {
  const [run, json] = await cliAll([['replay', join(dir, 'a'), '--verify', '2'], ['replay', ckptPath('a'), '--gen', '2', '--json']]);
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.match(/^generation \d\/3: /gm)?.length, 3);
  assert.match(run.stdout, /equal the record/);
  assert.match(run.stdout, /re-scored 2 architectures .*: 0 value\(s\) differ/);
  assert.is(json.status, 0, json.stderr);
  const lines = jsonLines(json.stdout);
  assert.equal(lines.map((l) => l.event), ['checkpoint', 'generation']);
  assert.is(lines[1].generation, 2);
  assert.equal(lines[1].differences, []);
});

/** Small for refinement: population 4, 2 generations; 2 candidates, 1 epoch on the first 64 images of each split. */
const REFINE = ['search', '--pop', '4', '--gens', '2', '--init-channels', '4', '--proxy-batch', '8', '--refine', '2', '--refine-epochs', '1', '--refine-max-images', '64'];

test('rank objectives: S_n and FLOPs_n columns; replay; another objective definition is refused on resume', async () => {
  const rank = ['search', '--pop', '4', '--gens', '2', '--init-channels', '4', '--proxy-batch', '8', '--objectives', 'rank', '--proxies', 'synflow,jacob_cov,params'];
  const run = await cli([...rank, '--out', join(dir, 'rank')]);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /rank objectives: S = ranks of synflow, jacob_cov, params; f1 = -S_n, f2 = flops_n/);
  assert.match(run.stdout, /chosen \(largest S_n\): [\d,]+/);
  assert.match(run.stdout, /^\s+S_n\s+FLOPs_n\s+ln synflow\s+jacob_cov\s+params\s+params\s+FLOPs\s+genotype/m);
  assert.match(run.stdout, /best per proxy: mean S_n [\d.]+, ln synflow/);
  const c = readCkpt('rank');
  assert.equal([c.config.objectives, c.config.proxies], ['rank', ['synflow', 'jacob_cov', 'params']]);
  const [replay, other] = await cliAll([['replay', join(dir, 'rank')], ['search', '--objectives', 'paper', '--proxies', 'synflow,jacob_cov', '--out', join(dir, 'rank'), '--resume']]);
  assert.is(replay.status, 0, replay.stderr);
  assert.match(replay.stdout, /rank objectives over synflow, jacob_cov, params/);
  assert.match(replay.stdout, /equal the record/);
  assert.is(other.status, 1);
  assert.match(other.stderr, /objectives: "rank" -> "paper"/);
  assert.match(readFileSync(join(dir, 'rank', 'report.html'), 'utf8'), /f1 = -S_n, f2 = FLOPs_n/);
});

test('--refine 2: SIGKILL during the second candidate, then --resume: the same choice and numbers as an uninterrupted run; train --arch reads the refined choice', async () => {
  // The uninterrupted run and the one killed during its second candidate, side by side.
  const [full, killed] = await Promise.all([
    cli([...REFINE, '--out', join(dir, 'r1'), '--json']),
    cli([...REFINE, '--out', join(dir, 'r2')], { env: { MEDNAS_TEST_KILL_DURING_REFINE: '2' } }),
  ]);
  assert.is(full.status, 0, full.stderr);
  const events = jsonLines(full.stdout);
  assert.equal(events.filter((e) => e.event.startsWith('refine-') && e.event !== 'refine-epoch').map((e) => e.event), ['refine-start', 'refine-candidate', 'refine-candidate', 'refine-chosen']);
  const c1 = readCkpt('r1');
  assert.ok(c1.finished && c1.refine !== null && c1.refine.chosen !== null);
  assert.is(c1.refine!.candidates.length, 2, `the front gave ${c1.refine!.planned.length} candidate(s)`);
  const summary = JSON.parse(readFileSync(join(dir, 'r1', 'summary.json'), 'utf8'));
  assert.is(summary.chosen.key, c1.refine!.chosen);
  assert.is(summary.chosen.rule, 'refine');
  assert.equal(await readSearchRunGenotype(join(dir, 'r1')), c1.refine!.chosen!.split(',').map(Number));
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status}: ${killed.stderr}`);
  assert.match(killed.stdout, /refine 1\/2: [\d,]+: val AUC [\d.]+, ACC [\d.]+ \(epoch 1 of 1\); [\d.]+ s/);
  const partial = readCkpt('r2');
  assert.equal([partial.history.length, partial.refine?.candidates.length, partial.finished], [2, 1, false]);
  assert.not.ok(existsSync(join(dir, 'r2', 'summary.json')), 'no summary before the choice');
  const resumed = await cli([...REFINE, '--out', join(dir, 'r2'), '--resume']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /1 already trained/);
  assert.match(resumed.stdout, /refine 2\/2: /);
  assert.not.match(resumed.stdout, /refine 1\/2: /);
  assert.match(resumed.stdout, /chosen \(refined: the best validation AUC, [\d.]+, of 2 candidate\(s\) trained 1 epoch\(s\) each\): [\d,]+/);
  assert.match(resumed.stdout, /refinement cost [\d.]+ s \([\d.]+ s per candidate\)/);
  assert.equal(withoutTimes(readCkpt('r2')), withoutTimes(c1));
  assert.is(JSON.parse(readFileSync(join(dir, 'r2', 'summary.json'), 'utf8')).chosen.key, summary.chosen.key);
  const replay = await cli(['replay', join(dir, 'r2')]);
  assert.is(replay.status, 0, replay.stderr);
  assert.match(replay.stdout, /refine: 2 of 2 candidate\(s\) trained, 1 epoch\(s\) each/);
  assert.match(replay.stdout, /chosen: [\d,]+ \(the best validation AUC/);
  assert.match(readFileSync(join(dir, 'r2', 'report.html'), 'utf8'), /<h2>Refinement<\/h2>/);
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

test('on a terminal (script(1) gives a pseudo-terminal): a bar of the architectures scored per generation, then its line', async () => {
  if (!hasScript) {
    console.log('  (skipped: util-linux script(1) is not installed)');
    return;
  }
  const command = [...CLI, ...SMALL, '--gens', '2', '--out', join(dir, 'tty')].map((a) => `'${a}'`).join(' ');
  // SMALL's own --gens comes first: drop it so the flag is given once.
  const once = command.replace("'--gens' '3' ", '');
  const run = spawnSync('script', ['-qec', once, '/dev/null'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /generation 1\/2 [█░]+ \d\/6 architectures \| last \d+ ms \| ETA/);
  assert.match(run.stdout, /generation 2\/2: \d scored/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
