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
import { mednas } from './helpers.ts';

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

test('a damaged or missing checkpoint, or --out a directory: a readable error, exit 1, nothing written', () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  const flipped = bytes.slice();
  flipped[flipped.length - 10] ^= 0xff;
  writeFileSync(join(bad, 'checkpoint.mednas'), flipped);
  let r = mednas('report', bad);
  assert.is(r.status, 1);
  assert.match(r.stderr, new RegExp(`^mednas: ${join(bad, 'checkpoint.mednas')}: .*(checksum|CRC)`, 'i'));
  assert.not.match(r.stderr, /\n\s+at /, 'no stack');
  assert.not.ok(existsSync(join(bad, 'report.html')));
  r = mednas('report', join(dir, 'nothing-here'));
  assert.is(r.status, 1);
  assert.match(r.stderr, /^mednas: search checkpoint .*nothing-here does not exist/);
  r = mednas('report', run, '--out', dir);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^mednas: --out: got ".*" \(a directory\); allowed: a file path/);
});

test('search writes report.html (named in summary.json) unless --no-report', () => {
  const a = join(dir, 'search-a');
  let r = mednas('search', '--pop', '4', '--gens', '1', '--proxy-batch', '8', '--out', a);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`report: ${join(a, 'report.html')}`));
  assert.is((JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8')) as { files: { report: string | null } }).files.report, 'report.html');
  assert.match(readFileSync(join(a, 'report.html'), 'utf8'), /^<!DOCTYPE html>/);
  const b = join(dir, 'search-b');
  r = mednas('search', '--pop', '4', '--gens', '1', '--proxy-batch', '8', '--out', b, '--no-report', '--json');
  assert.is(r.status, 0, r.stderr);
  assert.not.ok(existsSync(join(b, 'report.html')));
  assert.is((JSON.parse(readFileSync(join(b, 'summary.json'), 'utf8')) as { files: { report: string | null } }).files.report, null);
  const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as { event: string; report: string | null };
  assert.equal([done.event, done.report], ['done', null]);
});

test.run();
