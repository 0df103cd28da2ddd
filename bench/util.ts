// Shared benchmark plumbing: the case shape every bench/*.ts exports, medians, and a timing loop.
export interface BenchCase {
  /** Dotted name, e.g. 'engine.matmul.1024'; `npm run bench -- WORD` filters on it. */
  name: string;
  /** Returns the figures for one JSON line (median_ms plus gflops/gbps/etc.). */
  run(): Promise<Record<string, number | string>>;
}

export function median(values: readonly number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `once` (which must wait for its own completion) `repeats` times after `warmup` untimed
 * runs and returns the per-run milliseconds.
 */
export async function timeRuns(once: () => Promise<void>, repeats: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return times;
}
