// Medians and spreads of repeated timings: the profiler reports the median of its repeats (robust to
// the odd slow run a shared machine gives) with the minimum and maximum beside it.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The median of repeated timings with their range. */
export interface Spread {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export function spreadOf(samplesMs: readonly number[]): Spread {
  return { medianMs: median(samplesMs), minMs: Math.min(...samplesMs), maxMs: Math.max(...samplesMs) };
}

/** Work per millisecond as G-units per second (GFLOP/s from FLOPs, GB/s from bytes); null without time. */
export function perSecondG(amount: number, ms: number): number | null {
  return ms > 0 ? amount / ms / 1e6 : null;
}
