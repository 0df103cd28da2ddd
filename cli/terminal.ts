// Where the CLI draws live progress. A GPU command runs in a child whose fd 2 is a pipe filtered of
// Dawn's noise (cli/quiet-dawn.ts), so `process.stderr.isTTY` is false there even at a terminal; the
// parent hands the child its real stderr as fd 3. Progress bars go to that stream when it is a
// terminal, and to plain stderr lines otherwise.
import { fstatSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { isatty, WriteStream } from 'node:tty';
import { CLI_CHILD_ENV } from './quiet-dawn.ts';

let cached: NodeJS.WriteStream | null | undefined;

/** A writable terminal for progress bars, or null when the user's stderr is not a terminal. */
export function progressTerminal(): NodeJS.WriteStream | null {
  if (cached !== undefined) return cached;
  if (process.env[CLI_CHILD_ENV]) {
    let open = false;
    try {
      fstatSync(3);
      open = true;
    } catch {
      open = false;
    }
    cached = open && isatty(3) ? (new WriteStream(3) as unknown as NodeJS.WriteStream) : null;
  } else {
    cached = process.stderr.isTTY ? process.stderr : null;
  }
  return cached;
}

/**
 * One progress bar at a time on the user's terminal (none when stderr is not one): started on the
 * first update, stopped (and cleared) by `stop()` so that a plain line can follow.
 */
export class LiveBar {
  private bar: cliProgress.SingleBar | null = null;
  private readonly terminal = progressTerminal();

  constructor(private readonly format: string) {}

  get enabled(): boolean {
    return this.terminal !== null;
  }

  update(value: number, total: number, payload: Record<string, unknown>): void {
    if (!this.terminal) return;
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        { format: this.format, stream: this.terminal, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, payload);
    }
    this.bar.update(value, payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
