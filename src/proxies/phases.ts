// Where a proxy's time goes: forward, backward, readback and host work (the eigensolver), and setup
// (copies, weight changes). GPU work is recorded, not awaited, so a phase's wall time only means the
// GPU time when the clock waits for the GPU at the end of each phase (`sync: true`, what
// `npm run bench -- proxies` uses); without it a phase measures recording and the readback that
// follows absorbs the GPU time. Waiting costs a few tens of microseconds per phase.
import type { Runtime } from '../gpu/runtime.ts';

export type Phase = 'setup' | 'forward' | 'backward' | 'readback' | 'host';

export const PHASES: readonly Phase[] = ['setup', 'forward', 'backward', 'readback', 'host'];

export class PhaseClock {
  readonly ms: Record<Phase, number> = { setup: 0, forward: 0, backward: 0, readback: 0, host: 0 };

  constructor(
    private readonly rt: Runtime,
    /** Wait for the GPU at the end of every phase, so that each phase's time includes its GPU work. */
    readonly sync = false,
  ) {}

  /** Runs `fn` and adds its time (and with `sync`, its GPU work's) to `phase`. */
  async time<T>(phase: Phase, fn: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const result = await fn();
      if (this.sync && phase !== 'host') await this.rt.sync();
      return result;
    } finally {
      this.ms[phase] += performance.now() - start;
    }
  }
}
