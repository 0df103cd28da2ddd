// Runs the CLI as a user runs it: a child process through the sources (no build needed).
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');

export function mednas(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export const CLI = [process.execPath, '--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'cli/main.ts'] as const;

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
