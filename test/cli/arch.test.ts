// `mednas arch show|info|random` run as a user runs them (a child process through the sources).
import { DOMParser, onWarningStopParsing } from '@xmldom/xmldom';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { architectureCost, formatGenotype, NORMAL_OP_NAMES, PAPER_GENOTYPE, randomGenotype, REDUCTION_OP_NAMES } from '../../src/space/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { cliAll, mednas } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-arch-'));

const paperOps = [...new Set(PAPER_GENOTYPE.flatMap((v, i) => (i % 14 < 10 ? (i % 2 === 0 ? [NORMAL_OP_NAMES[v]] : []) : [REDUCTION_OP_NAMES[v]])))];

test('arch show paper --svg --dot: the text form, the costs, and a well-formed SVG naming every op', () => {
  const svg = join(dir, 'paper.svg');
  const dot = join(dir, 'paper.dot');
  const run = mednas('arch', 'show', 'paper', '--svg', svg, '--dot', dot);
  assert.is(run.status, 0, run.stderr);
  assert.ok(run.stdout.includes(formatGenotype(PAPER_GENOTYPE)), 'the readable form');
  assert.match(run.stdout, /pneumoniamnist \(1 x 28 x 28, 2 classes\), C = 128: 5\.32 M params, 685\.13 M MACs \(1\.37 G FLOPs\) per image/);
  assert.match(run.stdout, /dead cells: none/);
  assert.match(run.stdout, new RegExp(`wrote ${svg.replace(/[.\\]/g, '\\$&')} \\(`));
  const doc = new DOMParser({ onError: onWarningStopParsing }).parseFromString(readFileSync(svg, 'utf8'), 'image/svg+xml');
  const texts = Array.from(doc.getElementsByTagName('text'), (t) => t.textContent ?? '');
  assert.ok(paperOps.length >= 10);
  for (const op of paperOps) assert.ok(texts.some((t) => t.includes(op)), `${op} in the SVG`);
  assert.match(readFileSync(dot, 'utf8'), /^digraph mstf_nas \{/);
});

test('arch show --json and arch info --json agree with the library', async () => {
  const [show, info, table] = await cliAll([
    ['arch', 'show', 'paper', '--init-channels', '16', '--json'],
    ['arch', 'info', PAPER_GENOTYPE.join(','), '--dataset', 'pathmnist', '--init-channels', '8', '--json'],
    ['arch', 'info', 'paper', '--init-channels', '16'],
  ]);
  assert.is(show.status, 0, show.stderr);
  const s = JSON.parse(show.stdout) as { genotype: number[]; params: number; macs: number; flops: number; deadCells: number[]; blocks: { normal: { op: string }[] }[] };
  const expected = architectureCost('paper', { inChannels: 1, numClasses: 2, initChannels: 16 });
  assert.equal(s.genotype, [...PAPER_GENOTYPE]);
  assert.equal([s.params, s.macs, s.flops], [expected.params, expected.macs, expected.flops]);
  assert.is(s.blocks[1].normal[0].op, 'dual_conv_7x7');
  assert.is(info.status, 0, info.stderr);
  const i = JSON.parse(info.stdout) as { params: number; blocks: { total: { params: number } }[]; network: { inChannels: number; numClasses: number } };
  assert.equal(i.network, { inChannels: 3, numClasses: 9, initChannels: 8 });
  assert.is(i.params, architectureCost('paper', { inChannels: 3, numClasses: 9, initChannels: 8 }).params);
  assert.is(i.blocks.length, 3);
  assert.is(table.status, 0, table.stderr);
  assert.match(table.stdout, /total\s+103,538\s+13,918,656/);
  assert.match(table.stdout, /node 0: dual_conv_7x7\s+14,400/);
});

test('arch random: seeded, the same as the library, reproducible; lines parse back as genotypes', async () => {
  const [a, b, text] = await cliAll([
    ['arch', 'random', '--seed', '3', '--count', '5', '--json'],
    ['arch', 'random', '--seed', '3', '--count', '5', '--json'],
    ['arch', 'random', '--seed', '1', '--count', '30', '--live'],
  ]);
  assert.is(a.status, 0, a.stderr);
  assert.is(a.stdout, b.stdout);
  const rng = new Rng(3);
  const lines = a.stdout.trim().split('\n').map((l) => JSON.parse(l) as { genotype: number[] });
  assert.equal(lines.map((l) => l.genotype), Array.from({ length: 5 }, () => randomGenotype(rng)));
  assert.is(text.status, 0, text.stderr);
  const file = join(dir, 'one.genotype');
  writeFileSync(file, `${text.stdout.trim().split('\n')[0]}\n`);
  assert.ok(!text.stdout.includes('# dead'), '--live gives no dead cells');
  const fromFile = mednas('arch', 'show', file, '--json');
  assert.is(fromFile.status, 0, fromFile.stderr);
});

test('genotypes from files: JSON, the readable form', async () => {
  const json = join(dir, 'g.json');
  writeFileSync(json, JSON.stringify({ genotype: PAPER_GENOTYPE }));
  const textFile = join(dir, 'g.txt');
  writeFileSync(textFile, formatGenotype(PAPER_GENOTYPE));
  for (const run of await cliAll([json, textFile].map((f) => ['arch', 'show', f, '--json']))) {
    assert.is(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { genotype: number[] }).genotype, [...PAPER_GENOTYPE]);
  }
});

test('bad input: one clear line naming the problem, exit 1, no stack trace', async () => {
  const bad = PAPER_GENOTYPE.map((v, i) => (i === 9 ? 7 : v)).join(',');
  const file = join(dir, 'bad.txt');
  writeFileSync(file, formatGenotype(PAPER_GENOTYPE).replace('sep_conv_5x5', 'sep_conv_11x11'));
  const cases: [string[], RegExp][] = [
    [['arch', 'show', bad], /gene 9 \(block 1, node 4 input\) is 7: node 4 takes input 0\.\.4/],
    [['arch', 'info', '2,0,4'], /got 3/],
    [['arch', 'show', file], /bad\.txt: unknown normal-cell op 'sep_conv_11x11': known ops are zero, identity/],
    [['arch', 'show', join(dir, 'missing.json')], /genotype file .*missing\.json does not exist/],
    [['arch', 'show', 'paper', '--init-channels', '10'], /initChannels 10 is not divisible by 4/],
    [['arch', 'info', 'paper', '--dataset', 'nosuchmnist'], /Unknown dataset 'nosuchmnist'/],
    [['arch', 'show'], /arch show needs a genotype/],
    [['arch', 'random', '--count', '0'], /--count: got "0"; allowed: a whole number from 1 to/],
    [['arch', 'draw', 'paper'], /unknown arch action 'draw'/],
  ];
  const runs = await cliAll(cases.map(([args]) => args));
  cases.forEach(([args, pattern], i) => {
    const run = runs[i];
    assert.is(run.status, 1, `${args.join(' ')}: ${run.stdout}`);
    assert.match(run.stderr, pattern, args.join(' '));
    assert.not.match(run.stderr, /\n\s+at /, `no stack trace for ${args.join(' ')}`);
  });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
