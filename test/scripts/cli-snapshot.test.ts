// scripts/cli-snapshot.sh, which the long-running queues source: the CLI runs from a copy of dist/
// (so a rebuild cannot swap chunks under a running job), the copy goes when the queue exits, and a
// copy left by a killed queue is removed by the next one. On a stand-in dist/ (no GPU work).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '..', '..');

test('the queue runs the CLI from its own copy of dist/, removed at exit; a killed queue\'s copy is removed next time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mednas-snapshot-'));
  try {
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'dist'));
    mkdirSync(join(dir, 'runs', '.cli-999999999'), { recursive: true }); // no such pid
    copyFileSync(join(root, 'scripts', 'cli-snapshot.sh'), join(dir, 'scripts', 'cli-snapshot.sh'));
    // The stand-in CLI prints where it runs from and its arguments; dist/ is removed before it runs.
    writeFileSync(join(dir, 'dist', 'cli.js'), 'console.log(JSON.stringify({ from: import.meta.url, args: process.argv.slice(2) }));\n');
    writeFileSync(join(dir, 'dist', 'package.json'), '{"type":"module"}');
    const script = 'source scripts/cli-snapshot.sh; echo "copies: $(ls -a runs | grep -c "^.cli-")"; rm -rf dist; mednas truth build --resume';
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const [copies, line] = r.stdout.trim().split('\n');
    assert.is(copies, 'copies: 1', 'the killed queue\'s copy is gone; this one\'s is there');
    const ran = JSON.parse(line) as { from: string; args: string[] };
    assert.match(ran.from, /\/runs\/\.cli-\d+\/cli\.js$/, 'the copy ran, though dist/ was removed after it was taken');
    assert.equal(ran.args, ['truth', 'build', '--resume']);
    assert.equal(readdirSync(join(dir, 'runs')), [], 'the copy is removed when the queue exits');
    assert.not.ok(existsSync(join(dir, 'runs', '.cli-999999999')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
