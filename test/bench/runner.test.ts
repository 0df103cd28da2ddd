// The benchmark runner's contract (npm run bench -- WORD): one JSON line per matching case with
// `case` and `median_ms`, and a non-zero exit with a message when nothing matches. Runs the cheapest
// case only (the optimiser, ~1 s); timings themselves are benchmarks, not tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '..', '..');
// The figures file goes to a temporary directory: a test must not overwrite a user's results.
const outDir = mkdtempSync(join(tmpdir(), 'mednas-bench-'));
const outFile = join(outDir, 'latest.jsonl');
const bench = (...words: string[]) =>
  spawnSync(process.execPath, ['--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'bench/run.ts', ...words], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, MEDNAS_BENCH_OUT: outFile },
  });

test('npm run bench -- WORD prints one JSON line per matching case', () => {
  const run = bench('moo.nsga2');
  assert.is(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  assert.is(lines.length, 1);
  const row = JSON.parse(lines[0]) as { case: string; median_ms: number; igd: number };
  assert.is(row.case, 'moo.nsga2.zdt1.100x200');
  assert.ok(row.median_ms > 0 && Number.isFinite(row.median_ms));
  assert.ok(row.igd > 0 && row.igd < 0.006, `IGD ${row.igd}`);
  assert.is(readFileSync(outFile, 'utf8').trim(), lines[0], 'the figures file holds the same line');
});

test('the GPU kit\'s runner imports every benchmark file (it cannot read bench/ once bundled)', () => {
  const entry = readFileSync(join(root, 'scripts/gpu-kit/entry.ts'), 'utf8');
  const files = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'util.ts');
  for (const f of files) assert.ok(entry.includes(`'../../bench/${f}'`), `scripts/gpu-kit/entry.ts misses bench/${f}`);
});

test('a word that matches nothing fails with a message', () => {
  const run = bench('no-such-case');
  assert.is(run.status, 1);
  assert.match(run.stderr, /no benchmark case matches no-such-case/);
});

test.after(() => rmSync(outDir, { recursive: true, force: true }));

test.run();
