// The one GPU runtime all tests share (one Dawn device per test process): created on first use.
import { initNode } from '../src/node/index.ts';
import type { Runtime } from '../src/gpu/runtime.ts';

let pending: Promise<Runtime> | null = null;

export function testRuntime(): Promise<Runtime> {
  pending ??= initNode();
  return pending;
}

/** A deterministic pseudo-random array in [lo, hi) (a small LCG: test data, not statistics). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}
