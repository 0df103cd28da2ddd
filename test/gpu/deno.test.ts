// The same core library under Deno's own WebGPU (wgpu, not Dawn): runs scripts/deno-smoke.mjs on
// the built dist/index.js through the `deno` npm package. Skipped, with the reason printed, only
// where the Deno binary cannot start at all; once Deno runs, any failure is a test failure.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '..', '..');
const deno = join(root, 'node_modules', '.bin', 'deno');
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

function denoStartFailure(): string | null {
  if (!existsSync(deno)) return `${deno} is missing (npm install did not install the deno package)`;
  const probe = spawnSync(deno, ['--version'], { env, encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return `deno cannot start: ${probe.error.message}`;
  if (probe.status !== 0) return `deno --version exited with ${probe.status}: ${probe.stderr.trim()}`;
  return null;
}

const skipReason = denoStartFailure();

test('Deno: self-check, a gradient, the search space (network, picture) a tiny search and its report on navigator.gpu', () => {
  if (skipReason) {
    console.log(`  SKIPPED Deno smoke test: ${skipReason}`);
    return;
  }
  const dist = join(root, 'dist', 'index.js');
  assert.ok(existsSync(dist), 'dist/index.js is missing: run `npm run build` (npm test does it)');
  const newestSource = Math.max(...['src/index.ts', 'src/ops/matmul.ts', 'src/search/search.ts'].map((f) => statSync(join(root, f)).mtimeMs));
  assert.ok(statSync(dist).mtimeMs >= newestSource, 'dist/index.js is older than src/: run `npm run build`');
  const run = spawnSync(
    deno,
    ['run', '--unstable-webgpu', '--allow-read', '--allow-env', join(root, 'scripts', 'deno-smoke.mjs')],
    { env, encoding: 'utf8', timeout: 120_000 },
  );
  const line = run.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no result from Deno (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  const result = JSON.parse(line) as {
    ok: boolean;
    matmulMaxError: number;
    gradientMaxError: number;
    space: { params: number; analyticParams: number; logitsFinite: boolean; svgNamesOps: boolean };
    search: { generations: number; checkpoints: number; architectures: number; replayExact: boolean; failures: string[] };
    report: { doctype: boolean; points: number[]; architectures: number };
  };
  assert.ok(result.matmulMaxError < 1e-4, `matmul error under Deno: ${result.matmulMaxError}`);
  assert.ok(result.gradientMaxError < 1e-3, `gradient error under Deno: ${result.gradientMaxError}`);
  assert.is(result.space.params, result.space.analyticParams, 'the paper network builds under Deno');
  assert.ok(result.space.logitsFinite, 'and runs');
  assert.ok(result.space.svgNamesOps, 'and its picture renders (WebAssembly Graphviz under Deno)');
  assert.is(result.search.generations, 2, 'a tiny search runs under Deno');
  assert.is(result.search.checkpoints, 2, 'with a checkpoint per generation');
  assert.equal(result.search.failures, [], 'no architecture failed to score');
  assert.ok(result.search.architectures >= 4);
  assert.ok(result.search.replayExact, 'and its replay reproduces the record');
  assert.ok(result.report.doctype && result.report.points.length === 2, 'the search report renders under Deno');
  assert.is(result.report.points[1], result.report.architectures, "with every architecture in the last generation's objective space");
  assert.ok(result.ok, `Deno smoke test failed: ${line}`);
  assert.is(run.status, 0);
});

test.run();
