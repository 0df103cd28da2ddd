// `mednas train` and `mednas eval` as child processes, with real signals: a run SIGKILLed after an
// epoch and resumed ends with exactly the weights of an uninterrupted run; a kill between writing
// a model file and renaming it leaves the previous file whole; a NaN loss stops the run and keeps
// the last good file; damaged and foreign model files are refused and left alone; the progress bar
// under a pseudo-terminal, plain lines otherwise, JSON lines with --json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeModelFile, encodeModelFile, type ModelFile, type TensorMap } from '../../src/train/model-file.ts';
import { CLI, cli, cliAll, cliSignal, printedContinue, root, type Run } from './helpers.ts';
import { realFile } from '../data/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-train-'));
/** A run small enough for the test suite: C = 4, 64 images per split, 2 steps per epoch, 3 epochs. */
const SMALL = ['--init-channels', '4', '--max-images', '64', '--epochs', '3'];
const modelPath = (name: string) => join(dir, name, 'model.mednas');
const readModel = (name: string): ModelFile => decodeModelFile(new Uint8Array(readFileSync(modelPath(name))), name);
const jsonLines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });

function assertSameTensors(a: TensorMap, b: TensorMap, what: string): void {
  assert.equal([...a.keys()], [...b.keys()], `${what}: names`);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    // Bit for bit: compare the f32 patterns, not the values (NaN != NaN, -0 == 0).
    assert.ok(Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength).equals(Buffer.from(u.values.buffer, u.values.byteOffset, u.values.byteLength)), `${what}: ${name} differs`);
  }
}

function assertSameRun(a: ModelFile, b: ModelFile): void {
  assertSameTensors(a.tensors, b.tensors, 'last weights');
  assertSameTensors(a.best!.tensors, b.best!.tensors, 'best weights');
  assertSameTensors(a.momentum, b.momentum, 'momentum');
  assert.equal(b.history.map((h) => [h.trainLoss, h.val]), a.history.map((h) => [h.trainLoss, h.val]));
  assert.equal(b.test, a.test);
}

let uninterrupted: ModelFile;
/** Runs that a later test looks at, each started beside an earlier test's run (a process per core). */
const started: { killedAfterEpoch1?: Promise<Run>; nanLoss?: Promise<Run> } = {};
const killedAfterEpoch1 = () => cli(['train', ...SMALL, '--out', join(dir, 'b'), '--json'], { onLine: (l) => l.startsWith('{"event":"epoch"') });
const nanLoss = () => cli(['train', ...SMALL, '--out', join(dir, 'd')], { env: { MEDNAS_TEST_NAN_STEP: '2:1' } });

test('train --json: one JSON line per event; the model file holds the finished run; eval scores it the same', async () => {
  started.killedAfterEpoch1 = killedAfterEpoch1();
  const run = await cli(['train', ...SMALL, '--out', join(dir, 'a'), '--json']);
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '');
  const lines = jsonLines(run.stdout);
  assert.equal(lines.map((l) => l.event).filter((e) => e !== 'step'), ['start', 'epoch', 'epoch', 'epoch', 'test', 'done']);
  assert.is(lines.filter((l) => l.event === 'step').length, 6);
  uninterrupted = readModel('a');
  assert.equal([uninterrupted.epochsDone, uninterrupted.finished, uninterrupted.history.length], [3, true, 3]);
  const done = lines[lines.length - 1] as unknown as { test: { acc: number; auc: number }; bestEpoch: number };
  assert.equal(done.test, { acc: uninterrupted.test!.acc, auc: uninterrupted.test!.auc });
  const evaluated = await cli(['eval', modelPath('a'), '--json']);
  assert.is(evaluated.status, 0, evaluated.stderr);
  const e = JSON.parse(evaluated.stdout) as { acc: number; auc: number; epoch: number; split: string; images: number };
  assert.equal([e.acc, e.auc, e.epoch, e.split, e.images], [done.test.acc, done.test.auc, done.bestEpoch, 'test', 64]);
});

test('SIGKILL after epoch 1, then --resume: bit-identical weights, momentum and results to the uninterrupted run', async () => {
  const killed = await (started.killedAfterEpoch1 ?? killedAfterEpoch1());
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status}: ${killed.stderr}`);
  const partial = readModel('b');
  assert.equal([partial.epochsDone, partial.finished], [1, false]);
  const resumed = await cli(['train', '--resume', '--out', join(dir, 'b'), '--json']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.equal(jsonLines(resumed.stdout).filter((l) => l.event === 'epoch').length, 2);
  assertSameRun(uninterrupted, readModel('b'));
  // eval of several models (a network's runs): each, then their mean +- sd; here two equal runs.
  const [both, bothJson] = await cliAll([['eval', modelPath('a'), join(dir, 'b')], ['eval', modelPath('a'), modelPath('b'), '--json']]);
  assert.is(both.status, 0, both.stderr);
  assert.is(both.stdout.match(/^model /gm)?.length, 2);
  assert.match(both.stdout, /^mean \+- sd over 2 models \(test\): ACC \d\.\d{4} \+- 0\.0000, AUC \d\.\d{4} \+- 0\.0000$/m);
  const lines = bothJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as { acc?: number; summary?: { models: number; accMean: number; accStd: number } });
  assert.is(lines.length, 3);
  assert.equal([lines[2].summary!.models, lines[2].summary!.accMean, lines[2].summary!.accStd], [2, lines[0].acc, 0]);
  // Models of different datasets are not averaged unless --dataset names one to score them all on.
  const other = { ...readModel('a'), dataset: { ...readModel('a').dataset, crc32: (readModel('a').dataset.crc32 ^ 1) >>> 0 } };
  mkdirSync(join(dir, 'other'), { recursive: true });
  writeFileSync(modelPath('other'), encodeModelFile(other));
  const mixed = await cli(['eval', modelPath('a'), modelPath('other')]);
  assert.is(mixed.status, 1);
  assert.match(mixed.stderr, /the models were trained on different datasets \(synthetic \(CRC-32 [0-9a-f]+\), synthetic \(CRC-32 [0-9a-f]+\)\): give --dataset/);
});

test('a SIGKILL between writing the next model file and renaming it leaves the previous one whole', async () => {
  started.nanLoss = nanLoss();
  const run = await cli(['train', ...SMALL, '--out', join(dir, 'c')], { env: { MEDNAS_TEST_KILL_BEFORE_RENAME: '2' } });
  assert.is(run.signal, 'SIGKILL', `status ${run.status}: ${run.stderr}`);
  assert.equal([readModel('c').epochsDone, readModel('c').finished], [1, false]);
  // The new file was complete beside it, under a temporary name, when the process died.
  const temps = readdirSync(join(dir, 'c')).filter((f) => f.endsWith('.tmp'));
  assert.is(temps.length, 1);
  assert.is(decodeModelFile(new Uint8Array(readFileSync(join(dir, 'c', temps[0]))), temps[0]).epochsDone, 2);
  // A resumed run clears the dead process's temporary file and still ends exactly as the uninterrupted one.
  const resumed = await cli(['train', '--resume', '--out', join(dir, 'c')]);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.equal(readdirSync(join(dir, 'c')), ['model.mednas']);
  assertSameRun(uninterrupted, readModel('c'));
});

test('Ctrl-C after epoch 1: exit 130, the saved epochs and the command that continues, which ends as the uninterrupted run', async () => {
  const out = join(dir, 'int');
  const stopped = await cliSignal(['train', ...SMALL, '--out', out, '--json'], 'SIGINT', (l) => l.startsWith('{"event":"epoch"'));
  assert.is(stopped.status, 130, `${stopped.signal}: ${stopped.stderr}`);
  const epochs = readModel('int').epochsDone;
  assert.match(stopped.stderr, new RegExp(`mednas: interrupted\\. .*model\\.mednas holds ${epochs} finished epochs? of 3 of this run; continue it with:\\n  mednas train --out ${out} --resume\\n`));
  assert.not.ok(existsSync(join(out, '.mednas-run.lock')), 'the run directory is released');
  const resumed = await cli(printedContinue(stopped.stderr));
  assert.is(resumed.status, 0, resumed.stderr);
  assertSameRun(uninterrupted, readModel('int'));
});

test('a NaN loss stops with an error naming epoch and step and keeps the last good file; plain lines without a terminal', async () => {
  const run = await (started.nanLoss ?? nanLoss());
  assert.is(run.status, 1);
  assert.match(run.stderr, /^mednas: the training loss is NaN at epoch 2, step 1: training stopped\. The model file keeps epoch 1 /);
  assert.not.match(run.stderr, /at .*\.ts:\d+/); // no stack trace
  assert.match(run.stdout, /\nepoch 1\/3: loss \d\.\d{4}, lr 0\.0250, val ACC \d\.\d{3} AUC \d\.\d{3} \(best\), [\d.]+ s, \d+ images\/s\n/);
  assert.not.match(run.stdout + run.stderr, /\x1b\[/); // no bar: stdout and stderr are pipes
  assert.equal([readModel('d').epochsDone, readModel('d').finished], [1, false]);
});

test('model files are never overwritten by accident; damaged and foreign ones are refused and left alone', async () => {
  const before = readFileSync(modelPath('a'));
  mkdirSync(join(dir, 'e'));
  writeFileSync(modelPath('e'), before.subarray(0, before.length - 1000));
  // Side by side where they lock different run directories (eval locks none).
  const [again, truncated, mismatch] = await cliAll([
    ['train', ...SMALL, '--out', join(dir, 'a')],
    ['train', '--resume', '--out', join(dir, 'e')],
    ['eval', modelPath('a'), '--dataset', 'pneumonia'],
  ]);
  assert.is(again.status, 1);
  assert.match(again.stderr, /model\.mednas already exists \(synthetic, epoch 3 of 3, finished, genotype 2,0,4,.*add --resume to continue that run, --force to start it again \(the file is replaced after the first new epoch\), or give another --out/);
  const other = await cli(['train', '--resume', '--out', join(dir, 'a'), '--arch', '3,0,4,1,3,0,2,0,2,4,0,5,5,2,7,0,2,1,7,0,2,3,1,4,5,2,5,5,4,0,5,0,4,2,3,3,1,0,4,1,2,4']);
  assert.is(other.status, 1);
  assert.match(other.stderr, /--arch: the model file in .* is for genotype 2,0,4,.*, not 3,0,4,/);
  assert.ok(readFileSync(modelPath('a')).equals(before), 'the finished model file is unchanged');
  assert.is(truncated.status, 1);
  assert.match(truncated.stderr, /^mednas: .*e\/model\.mednas: is truncated \(\d+ of \d+ bytes\)\. Use an intact copy/);
  assert.is(readFileSync(modelPath('e')).length, before.length - 1000);
  assert.is(mismatch.status, 1);
  assert.match(mismatch.stderr, /pneumoniamnist does not fit the model trained on synthetic: it has 2 classes \(the network has 4 outputs\)\. Evaluate it on synthetic/);
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

test('on a terminal (script(1) gives a pseudo-terminal): a bar per epoch with loss, images/s and ETA', async () => {
  if (!hasScript) {
    console.log('  (skipped: util-linux script(1) is not installed)');
    return;
  }
  const command = [...CLI, 'train', '--init-channels', '4', '--max-images', '64', '--epochs', '1', '--out', join(dir, 'g')].map((a) => `'${a}'`).join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /epoch 1\/1 [█░]+ [12]\/2 \| loss \d\.\d{4} \| \d+ images\/s \| ETA \d+s/);
  assert.match(run.stdout, /epoch 1\/1: loss \d\.\d{4}/);
  assert.match(run.stdout, /test \(best epoch 1\): ACC \d\.\d{4} AUC \d\.\d{4}/);
});

test('a dead genotype is refused, naming the dead cell; --allow-dead trains it anyway', async () => {
  const dead = '7,0,1,0,7,0,1,2,1,0,1,3,0,3,3,0,0,1,5,1,5,2,5,4,5,3,3,2,0,0,4,1,2,2,1,2,3,1,1,2,3,3';
  const refusedRun = await cli(['train', '--arch', dead, '--init-channels', '4', '--max-images', '16', '--epochs', '1', '--out', join(dir, 'dead')]);
  assert.is(refusedRun.status, 1);
  assert.match(refusedRun.stderr, /has a dead normal cell in block 3 .* would train to chance \(AUC 0\.5\)\. .*--allow-dead/);
  assert.not.ok(existsSync(join(dir, 'dead', 'model.mednas')), 'nothing written');
  const allowed = await cli(['train', '--arch', dead, '--init-channels', '4', '--max-images', '16', '--epochs', '1', '--allow-dead', '--out', join(dir, 'dead')]);
  assert.is(allowed.status, 0, allowed.stderr);
});

const breast = realFile('breastmnist');
(breast ? test : test.skip)("--arch RUN_DIR without --dataset trains on the run's dataset, and says so", async () => {
  const run = join(dir, 'search-run');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ dataset: { name: 'breastmnist' }, chosen: { genotype: 'paper' } }));
  const trained = await cli(['train', '--arch', run, '--init-channels', '4', '--max-images', '16', '--epochs', '1', '--data-dir', dirname(breast!), '--out', join(dir, 'from-run')]);
  assert.is(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /dataset breastmnist \(the search run's; --dataset trains on another\)/);
  assert.is(readModel('from-run').dataset.name, 'breastmnist');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
