// Dawn prints "Warning: maxDynamic...BuffersPerPipelineLayout artificially reduced ..." from native
// code straight to file descriptor 2 whenever it enumerates a Vulkan adapter, whatever limits are
// requested, and Node cannot redirect its own descriptor 2. So a command that opens the GPU runs
// as a child process whose stderr the parent reads and forwards line by line, minus those lines:
// stdout and stderr then carry only mednas's own words. Exit codes and signals pass through.
import { spawn } from 'node:child_process';

/** Set in the child to the parent's pid, so that it runs the command itself and can tell when it is orphaned. */
export const CLI_CHILD_ENV = 'MEDNAS_CLI_CHILD';

/** Lines that Dawn's Vulkan backend prints on every start and that say nothing to a user. */
export const DAWN_NOISE = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/**
 * In the child: exit when the parent dies (even by SIGKILL), so no GPU work runs on unattended.
 * An orphan is re-parented, so its parent pid changes: polled, because an IPC channel's
 * 'disconnect' is missed when the parent dies while the child is still loading its modules.
 */
export function followParent(): void {
  const parent = Number(process.env[CLI_CHILD_ENV]);
  if (!Number.isInteger(parent) || parent <= 0) return;
  const check = () => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  };
  check();
  setInterval(check, 250).unref();
}

/** In the parent: runs this same command line as a child with Dawn's noise filtered from stderr. */
export function runWithQuietDawn(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
    // fd 3 in the child is this process's own stderr, unfiltered: progress bars drawn there still
    // see a terminal (see cli/terminal.ts), while Dawn's native writes to fd 2 come through the pipe.
    stdio: ['inherit', 'inherit', 'pipe', 2],
    env: { ...process.env, [CLI_CHILD_ENV]: String(process.pid) },
  });
  let pending = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    const kept = lines.filter((l) => !DAWN_NOISE.test(l.replace(/\r$/, '')));
    if (kept.length) process.stderr.write(kept.map((l) => `${l}\n`).join(''));
  });
  // A terminal's Ctrl-C reaches the whole foreground process group, the child included: forward
  // SIGINT only when no terminal is attached (a script's kill), so the child gets it once.
  const terminal = process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY;
  const forward = (signal: NodeJS.Signals) => () => {
    if (signal !== 'SIGINT' || !terminal) child.kill(signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`mednas: could not start the command process: ${e.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      if (pending && !DAWN_NOISE.test(pending)) process.stderr.write(pending);
      for (const [s, h] of handlers) process.off(s, h);
      if (signal) {
        // Die the way the child died, so a shell sees 128 + n.
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
