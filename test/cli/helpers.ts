// Runs the CLI as a user runs it: a child process made from the sources (no build needed).
//
// The sources are bundled once per test process with esbuild, the way tsup bundles dist/cli.js (ESM,
// split chunks, shaders inlined as text, packages left to node_modules; no version define, so
// src/version.ts's literal, as under tsx), into a folder of its own under .mednas-tmp/. Starting
// Node on that bundle takes a fraction of what tsx takes to load the ~300 source files through its
// loader hooks, and a GPU command starts two processes (cli/quiet-dawn.ts): most of the time of the
// CLI tests was start-up. The folder holds, as dist/ does, queue-processor.js beside the CLI (what
// `mednas worker` hands to BullMQ) and, one level up, a link to src/ (`mednas demo` bundles
// src/demo/app.ts from the package root, cli/demo-bundle.ts). MEDNAS_TEST_CLI=sources runs the
// sources through tsx instead, as before.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

export const root = resolve(import.meta.dirname, '..', '..');

/** The command line that runs the CLI from the sources through tsx (no bundle). */
export const SOURCE_CLI = [process.execPath, '--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'cli/main.ts'] as const;

/** Whether a process with this pid runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bundledCli(): readonly string[] {
  const tmp = join(root, '.mednas-tmp');
  mkdirSync(tmp, { recursive: true });
  // Bundles left by test processes that were killed (the exit handler below did not run).
  for (const name of readdirSync(tmp)) {
    const pid = /^cli-(\d+)-/.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(tmp, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(tmp, `cli-${process.pid}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  buildSync({
    entryPoints: { cli: join(root, 'cli/main.ts'), 'queue-processor': join(root, 'src/node/queue/processor.ts') },
    outdir: join(dir, 'bin'),
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    packages: 'external',
    loader: { '.wgsl': 'text' },
    logLevel: 'error',
  });
  symlinkSync(join(root, 'src'), join(dir, 'src'), 'dir');
  return [process.execPath, join(dir, 'bin', 'cli.js')];
}

/** The command line that runs the CLI: the bundle of the sources (MEDNAS_TEST_CLI=sources: tsx). */
export const CLI: readonly string[] = process.env.MEDNAS_TEST_CLI === 'sources' ? SOURCE_CLI : bundledCli();

export function mednas(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(CLI[0], [...CLI.slice(1), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in its own process group (so a kill reaches the quiet-Dawn child too). `onLine`
 * sees every stdout line as it comes and may return true to SIGKILL the whole group.
 */
export function cli(args: readonly string[], options: { env?: Record<string, string>; onLine?: (line: string) => boolean } = {}): Promise<Run> {
  const child = spawn(CLI[0], [...CLI.slice(1), ...args], { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    const lines = (pending + d).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (options.onLine?.(line)) process.kill(-child.pid!, 'SIGKILL');
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 240_000);
  return new Promise((resolve) => child.on('close', (status, signal) => {
    clearTimeout(timer);
    resolve({ status, signal, stdout, stderr });
  }));
}

/**
 * Runs several CLI command lines side by side, at most `width` at a time (the machine's cores: a run
 * that stops before any GPU work is mostly Node's start-up, on one core), and gives their results in
 * the order given.
 */
export async function cliAll(argsList: readonly (readonly string[])[], width = Math.max(2, availableParallelism())): Promise<Run[]> {
  const results: Run[] = new Array(argsList.length);
  let next = 0;
  const lane = async () => {
    while (next < argsList.length) {
      const i = next++;
      results[i] = await cli(argsList[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, argsList.length) }, lane));
  return results;
}

/** The CLI in its own process group; `signal` goes to the whole group (as a terminal's Ctrl-C does) at the first stdout line `when` accepts. */
export function cliSignal(args: readonly string[], signal: NodeJS.Signals, when: (line: string) => boolean): Promise<Run> {
  const child = spawn(CLI[0], [...CLI.slice(1), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    if (!sent && stdout.split('\n').slice(0, -1).some(when)) {
      sent = true;
      process.kill(-child.pid!, signal);
    }
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 240_000);
  return new Promise((resolve) => child.on('close', (status, sig) => {
    clearTimeout(timer);
    resolve({ status, signal: sig, stdout, stderr });
  }));
}

/** The command a stopped run printed to continue it (`mednas ...` on the line after "continue ... with:"), as arguments. */
export function printedContinue(stderr: string): string[] {
  const line = /continue (?:it )?with:\n {2}mednas (.*)\n/.exec(stderr)?.[1];
  if (line === undefined) throw new Error(`no command to continue in: ${stderr}`);
  if (/['"\\]/.test(line)) throw new Error(`printedContinue splits on spaces only: ${line}`);
  return line.split(' ');
}
