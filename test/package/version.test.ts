// One version everywhere: `mednas --version` says package.json's, run from the sources (src/version.ts's
// literal, kept in step by scripts/sync-version.mjs) and from the build (tsup's define reads
// package.json at build time; checked here when dist/ is at least as new as the files that decide it).
// The packed package's binary is checked too, in pack.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MEDNAS_VERSION } from '../../src/index.ts';
import { root, SOURCE_CLI } from '../cli/helpers.ts';

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

test("the sources' version is package.json's (scripts/sync-version.mjs --check agrees)", () => {
  assert.is(MEDNAS_VERSION, version);
  const check = spawnSync(process.execPath, ['scripts/sync-version.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.is(check.status, 0, check.stderr);
});

test("`mednas --version` from the sources prints package.json's version", () => {
  // Through tsx, not the tests' bundle of the sources (test/cli/helpers.ts), which would say the same.
  const r = spawnSync(SOURCE_CLI[0], [...SOURCE_CLI.slice(1), '--version'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.split(' ')[0], `mednas/${version}`);
});

test("`node dist/cli.js --version` prints package.json's version (when dist/ is built from the current config)", () => {
  const cli = join(root, 'dist', 'cli.js');
  const deciding = ['package.json', 'tsup.config.ts', 'src/version.ts'].map((f) => statSync(join(root, f)).mtimeMs);
  if (!existsSync(cli) || statSync(cli).mtimeMs < Math.max(...deciding)) {
    return void console.log('  SKIPPED the built CLI: dist/cli.js is missing or older than package.json / tsup.config.ts / src/version.ts (npm run build)');
  }
  const r = spawnSync(process.execPath, [cli, '--version'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.split(' ')[0], `mednas/${version}`);
  // The build took it from the define, not from the fallback literal.
  const chunks = readFileSync(cli, 'utf8') + ['index.js', 'node.js'].map((f) => readFileSync(join(root, 'dist', f), 'utf8')).join('');
  assert.not.match(chunks, /__MEDNAS_VERSION__/);
});

test.run();
