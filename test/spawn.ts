// Running a child process without blocking this one (so that a server in this process can answer
// it), collecting its output.
import { spawn, type SpawnOptions } from 'node:child_process';

export interface Finished {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runAsync(command: string, args: readonly string[], options: SpawnOptions): Promise<Finished> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((r) => child.on('close', (status) => r({ status, stdout, stderr })));
}
