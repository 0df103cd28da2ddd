// `mednas report` as a user runs it (a child process through the sources), and `mednas search`
// writing the report at its end unless --no-report.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeSearchCheckpoint } from '../../src/search/checkpoint.ts';
import { searchResult } from '../../src/search/result.ts';
import { fakeSearch } from '../report/helpers.ts';
import { cliAll, mednas } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-report-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const saved = await fakeSearch(6, 3);
const checkpoint = saved[saved.length - 1];
const run = join(dir, 'run');
mkdirSync(run);
const bytes = encodeSearchCheckpoint(checkpoint);
writeFileSync(join(run, 'checkpoint.mednas'), bytes);

test('report RUN_DIR writes RUN_DIR/report.html and prints its path', () => {
  const r = mednas('report', run);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `${join(run, 'report.html')}\n`);
  assert.is(r.stderr, '');
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes(`<code>${searchResult(checkpoint).chosen.record.key}</code>`), 'the chosen genotype');
  assert.match(html, /<img class="picture" alt="[^"]*" src="data:image\/svg\+xml;base64,/);
});

test('report CKPT --out FILE --json: one JSON object, the file where asked', () => {
  const out = join(dir, 'elsewhere', 'search.html');
  const r = mednas('report', join(run, 'checkpoint.mednas'), '--out', out, '--json');
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 1);
  const o = JSON.parse(lines[0]) as { event: string; path: string; checkpointPath: string; bytes: number; generations: number; finished: boolean; chosenKey: string };
  assert.equal(
    [o.event, o.path, o.checkpointPath, o.bytes, o.generations, o.finished, o.chosenKey],
    ['report', out, join(run, 'checkpoint.mednas'), statSync(out).size, 3, true, searchResult(checkpoint).chosen.record.key],
  );
});

test('a damaged or missing checkpoint, or --out a directory: a readable error, exit 1, nothing written', async () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  const flipped = bytes.slice();
  flipped[flipped.length - 10] ^= 0xff;
  writeFileSync(join(bad, 'checkpoint.mednas'), flipped);
  const [damaged, missing, outDir] = await cliAll([['report', bad], ['report', join(dir, 'nothing-here')], ['report', run, '--out', dir]]);
  assert.is(damaged.status, 1);
  assert.match(damaged.stderr, new RegExp(`^mednas: ${join(bad, 'checkpoint.mednas')}: .*(checksum|CRC)`, 'i'));
  assert.not.match(damaged.stderr, /\n\s+at /, 'no stack');
  assert.not.ok(existsSync(join(bad, 'report.html')));
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /^mednas: search checkpoint .*nothing-here does not exist/);
  assert.is(outDir.status, 1);
  assert.match(outDir.stderr, /^mednas: --out: got ".*" \(a directory\); allowed: a file path/);
});

test('search writes report.html (named in summary.json) unless --no-report', async () => {
  const a = join(dir, 'search-a');
  const b = join(dir, 'search-b');
  const [withReport, noReport] = await cliAll([
    ['search', '--pop', '4', '--gens', '1', '--init-channels', '4', '--proxy-batch', '8', '--out', a],
    ['search', '--pop', '4', '--gens', '1', '--init-channels', '4', '--proxy-batch', '8', '--out', b, '--no-report', '--json'],
  ]);
  assert.is(withReport.status, 0, withReport.stderr);
  assert.match(withReport.stdout, new RegExp(`report: ${join(a, 'report.html')}`));
  assert.is((JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8')) as { files: { report: string | null } }).files.report, 'report.html');
  assert.match(readFileSync(join(a, 'report.html'), 'utf8'), /^<!DOCTYPE html>/);
  assert.is(noReport.status, 0, noReport.stderr);
  assert.not.ok(existsSync(join(b, 'report.html')));
  assert.is((JSON.parse(readFileSync(join(b, 'summary.json'), 'utf8')) as { files: { report: string | null } }).files.report, null);
  const done = JSON.parse(noReport.stdout.trim().split('\n').pop()!) as { event: string; report: string | null };
  assert.equal([done.event, done.report], ['done', null]);
});

test.run();
