// The README's commands, exactly as written, in a fresh checkout: the tracked (and not ignored)
// files copied to a temporary directory with no dist, as a clone has them. node_modules is this
// checkout's, hard-linked (a fresh `npm ci` is what CI's clean clone and tools' fresh-clone.sh do
// already; here it cost ~45 s of the test's ~90). The first command runs set-up (the build);
// afterwards `npx mednas` works too. Downloads go to a loopback server, never to the network.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realFile } from '../data/helpers.ts';
import { runAsync, type Finished } from '../spawn.ts';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'mednas-clone-'));
const checkout = join(work, 'mednas');
test.after(() => rmSync(work, { recursive: true, force: true }));

const run = (command: string, env: Record<string, string>): Promise<Finished> =>
  runAsync('bash', ['-c', command], { cwd: checkout, env: { ...process.env, ...env } });

test("README commands work as written in a fresh checkout, and npx mednas after set-up", async () => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(checkout, f)), { recursive: true });
    try {
      copyFileSync(join(root, f), join(checkout, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted in the work tree, not yet in git
    }
  }
  // The installed packages, hard-linked (a symlink would let set-up see the other checkout's files),
  // and a set-up stamp of the copy's own, newer than its package files, so set-up does not reinstall.
  execFileSync('cp', ['-al', realpathSync(join(root, 'node_modules')), join(checkout, 'node_modules')]);
  const stamp = join(checkout, 'node_modules', '.mednas-install-stamp');
  rmSync(stamp, { force: true });
  writeFileSync(stamp, '');
  const readme = readFileSync(join(checkout, 'README.md'), 'utf8');
  const block = /## Commands[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l.startsWith('npm run -s mednas'));
  assert.ok(commands.length >= 4, `README commands: ${commands.join(' | ')}`);

  const breast = realFile('breastmnist');
  const server = createServer((req, res) => {
    if (breast && req.url === '/breastmnist.npz') return void res.writeHead(200).end(readFileSync(breast));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const env = {
    MEDNAS_DATA: join(work, 'data'),
    MEDNAS_DATA_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  try {
    for (const command of commands) {
      if (/data download/.test(command) && !breast) {
        console.log(`  (skipped "${command}": breastmnist.npz is not in the shared data folder to serve)`);
        continue;
      }
      const started = performance.now();
      const r = await run(command, env);
      console.log(`  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${command.slice(0, 90)}`);
      assert.is(r.status, 0, `${command}\n${r.stderr.slice(-3000)}`);
      assert.not.match(r.stderr, /artificially reduced/, command);
      if (/ info$/.test(command)) assert.match(r.stdout, /self-check:\s+ok/);
      if (/data list/.test(command)) assert.match(r.stdout, /breastmnist/);
      if (/data download/.test(command)) assert.match(r.stdout, /saved .*breastmnist\.npz .*MD5 [0-9a-f]{32} ok/);
      if (/--help/.test(command)) assert.match(r.stdout, /Commands:/);
    }
    const npx = await run('npx --no-install mednas --version && npx --no-install mednas info --json', env);
    assert.is(npx.status, 0, npx.stderr);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.is(npx.stdout.split(' ')[0], `mednas/${version}`);
    assert.ok(JSON.parse(npx.stdout.trim().split('\n').pop()!).selfCheck.ok);
    assert.is(npx.stderr, '');
  } finally {
    server.close();
  }
});

test.run();
