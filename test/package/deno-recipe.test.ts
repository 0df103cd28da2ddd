// README's Deno recipe, exactly as written: its search.ts and its `deno run` line, in a project
// folder with a package.json and mednas in node_modules (a link to this checkout, which is what
// `npm install /path/to/mednas` makes), with the `deno` npm package's binary first on PATH.
// Skipped, with the reason printed, only where the Deno binary cannot start at all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSearchCheckpoint } from '../../src/index.ts';
import { runAsync } from '../spawn.ts';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
const work = mkdtempSync(join(tmpdir(), 'mednas-deno-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

function denoStartFailure(): string | null {
  if (!existsSync(join(bin, 'deno'))) return `${join(bin, 'deno')} is missing (npm install did not install the deno package)`;
  const probe = spawnSync('deno', ['--version'], { env, encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return `deno cannot start: ${probe.error.message}`;
  if (probe.status !== 0) return `deno --version exited with ${probe.status}: ${probe.stderr.trim()}`;
  return null;
}

/** The README's Deno section: its TypeScript file (named in its first line) and its command. */
function recipe(): { file: string; code: string; command: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /\n### Deno\n([\s\S]*?)\n## /.exec(readme)?.[1];
  assert.ok(section, 'README.md has a ### Deno section');
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const command = /```sh\n([\s\S]*?)```/.exec(section)?.[1]?.trim();
  assert.ok(code && command, 'with a ```ts and a ```sh block');
  const file = /^\/\/ (\S+\.ts)\n/.exec(code)?.[1];
  assert.ok(file, 'whose first line names the file');
  assert.match(command, new RegExp(`^deno run .* ${file.replace('.', '\\.')}$`));
  return { file, code, command };
}

test("README's Deno recipe: the core imported as 'mednas' runs a search on navigator.gpu and writes its checkpoint", async () => {
  const { file, code, command } = recipe();
  const skip = denoStartFailure();
  if (skip) return void console.log(`  SKIPPED the README's Deno recipe: ${skip}`);
  const dist = join(root, 'dist', 'index.js');
  assert.ok(existsSync(dist), 'dist/index.js is missing: run `npm run build` (npm test does it)');
  const newestSource = Math.max(...['src/index.ts', 'src/search/search.ts', 'src/search/checkpoint.ts'].map((f) => statSync(join(root, f)).mtimeMs));
  assert.ok(statSync(dist).mtimeMs >= newestSource, 'dist/index.js is older than src/: run `npm run build`');
  const app = join(work, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-deno-search', private: true, type: 'module' }));
  symlinkSync(root, join(app, 'node_modules', 'mednas'), 'dir');
  writeFileSync(join(app, file), code);
  const run = await runAsync('bash', ['-c', command], { cwd: app, env });
  assert.is(run.status, 0, `${command}\n${run.stdout}\n${run.stderr.slice(-3000)}`);
  assert.is(run.stdout.match(/^generation \d: hypervolume \d+\.\d{4}$/gm)?.length, 2, run.stdout);
  const chosen = /^chosen ([\d,]+): (\d+) parameters$/m.exec(run.stdout);
  assert.ok(chosen, run.stdout);
  const checkpoint = decodeSearchCheckpoint(new Uint8Array(readFileSync(join(app, 'checkpoint.mednas'))));
  assert.is(checkpoint.history.length, 2);
  assert.ok(checkpoint.finished);
  assert.ok(checkpoint.archive.some((a) => a.key === chosen[1]), 'the chosen architecture is in the checkpoint');
});

test.run();
