// scripts/run-tests.ts, which `npm test` runs: its exit status and its last line must count a
// skipped test (the browser test where there is no Chromium) as skipped, not as a failure; and a
// test process that dies (a segfault) or hangs must fail the run, name the file, and not stop later
// folders; --typecheck's errors must fail the run too.
// Runs the runner in a child process on cheap files (no GPU work).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '..', '..');
const runner = (words: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'scripts/run-tests.ts', ...words], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });

test('a skipped test leaves npm test green and is reported as skipped', () => {
  const run = runner(['report/browser.test', 'util/rng.test'], { MEDNAS_CHROMIUM: '/nonexistent/chromium' });
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\n(\d+) passed, 0 failed, 1 skipped\n/);
  const passed = Number(/(\d+) passed/.exec(run.stdout)?.[1]);
  assert.ok(passed > 0, 'the rng tests ran');
});

/** A test file that passes. */
const PASSING = `import { test } from 'uvu';\nimport * as assert from 'uvu/assert';\ntest('adds', () => assert.is(1 + 1, 2));\ntest.run();\n`;

/** `body` on a fresh folder of test files inside the repository (under the ignored .mednas-tmp/, so that they resolve uvu), removed afterwards. */
function withTestsDir(body: (dir: string) => void): void {
  const tmp = join(root, '.mednas-tmp');
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(join(tmp, 'runner-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a folder whose process segfaults fails the run, names the file, and the next folder still runs', () => withTestsDir((dir) => {
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'a', 'first.test.ts'), PASSING);
  writeFileSync(join(dir, 'a', 'second.test.ts'), `import { test } from 'uvu';\ntest('dies', () => { process.kill(process.pid, 'SIGSEGV'); return new Promise(() => {}); });\ntest.run();\n`);
  writeFileSync(join(dir, 'b', 'third.test.ts'), PASSING);
  const run = runner([], { MEDNAS_TESTS_DIR: relative(root, dir) });
  assert.is(run.status, 1, run.stdout + run.stderr);
  const second = relative(root, join(dir, 'a', 'second.test.ts'));
  assert.ok(run.stdout.includes(`failed: ${relative(root, join(dir, 'a'))}: its test process killed by SIGSEGV while running ${second}`), run.stdout);
  assert.ok(run.stdout.includes(relative(root, join(dir, 'b', 'third.test.ts'))), 'the next folder ran');
  const [, passed, failed] = /\n(\d+) passed, (\d+) failed, 0 skipped\n/.exec(run.stdout) ?? [];
  assert.is(Number(passed), 1, 'the folder after the crash passed; the dead folder reported nothing');
  assert.ok(Number(failed) >= 1, run.stdout);
}));

test('a folder that hangs is killed after MEDNAS_TEST_FOLDER_TIMEOUT_S, named, and fails the run', () => withTestsDir((dir) => {
  mkdirSync(join(dir, 'slow'));
  writeFileSync(join(dir, 'slow', 'hangs.test.ts'), `import { test } from 'uvu';\ntest('never settles', () => new Promise(() => setInterval(() => {}, 1000)));\ntest.run();\n`);
  const run = runner([], { MEDNAS_TESTS_DIR: relative(root, dir), MEDNAS_TEST_FOLDER_TIMEOUT_S: '3' });
  assert.is(run.status, 1, run.stdout + run.stderr);
  assert.ok(run.stdout.includes(`failed: ${relative(root, join(dir, 'slow'))}: its test process ran past 3 s (MEDNAS_TEST_FOLDER_TIMEOUT_S) and was killed while running ${relative(root, join(dir, 'slow', 'hangs.test.ts'))}`), run.stdout);
}));

test('--typecheck runs the type check beside the tests; its errors fail the run and are printed', () => withTestsDir((dir) => {
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'fine.test.ts'), PASSING);
  const env = { MEDNAS_TESTS_DIR: relative(root, dir) };
  const clean = runner(['--typecheck'], { ...env, MEDNAS_TEST_TYPECHECK: 'true' });
  assert.is(clean.status, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /type check \(npm run typecheck\): no errors\n[\s\S]*\n1 passed, 0 failed, 0 skipped\n/);
  const broken = runner(['--typecheck'], { ...env, MEDNAS_TEST_TYPECHECK: `echo "src/x.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'."; exit 2` });
  assert.is(broken.status, 1, broken.stdout + broken.stderr);
  assert.ok(broken.stdout.includes("src/x.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'."), broken.stdout);
  assert.ok(broken.stdout.includes('failed: the type check: exit status 2'), broken.stdout);
  assert.match(broken.stdout, /\n1 passed, 0 failed, 0 skipped\n/, 'the tests themselves still ran and passed');
}));

test.run();
