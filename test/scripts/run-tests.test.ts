// scripts/run-tests.ts, which `npm test` runs: its exit status and its last line must count a
// skipped test (the browser test where there is no Chromium) as skipped, not as a failure. Runs the
// runner on two cheap files (no GPU work) in a child process.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '..', '..');

test('a skipped test leaves npm test green and is reported as skipped', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'scripts/run-tests.ts', 'report/browser.test', 'util/rng.test'],
    { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, MEDNAS_CHROMIUM: '/nonexistent/chromium' } },
  );
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\n(\d+) passed, 0 failed, 1 skipped\n/);
  const passed = Number(/(\d+) passed/.exec(run.stdout)?.[1]);
  assert.ok(passed > 0, 'the rng tests ran');
});

test.run();
