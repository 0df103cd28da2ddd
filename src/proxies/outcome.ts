// Turning per-layer values read from the GPU into a proxy outcome: their f64 sum, or NaN with the
// reason when a layer's value is not finite.
import type { ProxyOutcome } from './types.ts';

export function finiteSum(values: ArrayLike<number>, proxy: string): ProxyOutcome {
  let s = 0;
  let bad = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) bad++;
    s += values[i];
  }
  if (bad > 0) return { value: NaN, reason: `${proxy}: ${bad} of ${values.length} layers gave NaN or infinity (non-finite weights, inputs or loss)` };
  return { value: s };
}
