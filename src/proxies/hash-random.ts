// Random tensors that a PyTorch golden can reproduce bit for bit: values from a 32-bit hash of
// (seed, stream, element index), the same hash as the golden's fixed weights (hash_uniform in
// scripts/golden/proxies_torch.py, mirrored for tests by test/proxies/fixed-weights.ts). A proxy that
// needs random numbers (AZ-NAS's random backward, az-trainability.ts) draws them here, so that its
// float64 golden uses exactly the same ones and the comparison is free of sampling noise. Not a
// statistical generator for anything else: it is 24 bits per value and has no state.

/** The 32-bit avalanche hash of mednas's Rng and of the golden's `mix32`. */
export function mix32(z: number): number {
  let t = (z ^ (z >>> 16)) >>> 0;
  t = Math.imul(t, 0x21f0aaad) >>> 0;
  t = (t ^ (t >>> 15)) >>> 0;
  t = Math.imul(t, 0x735a2d97) >>> 0;
  return (t ^ (t >>> 15)) >>> 0;
}

/**
 * n values in [0, 1), 24 bits each: u[i] = mix32(i * 0x9E3779B1 + key) / 2^24 with
 * key = mix32(seed * 0x9E3779B1 + stream * 0x85EBCA77 + 1), all arithmetic mod 2^32.
 * Python: `hash_uniform(seed, stream, n)` in scripts/golden/proxies_torch.py.
 */
export function hashUniform(seed: number, stream: number, n: number): Float64Array {
  const key = mix32((Math.imul(seed, 0x9e3779b1) + Math.imul(stream, 0x85ebca77) + 1) >>> 0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (mix32((Math.imul(i, 0x9e3779b1) + key) >>> 0) >>> 8) / 16777216;
  return out;
}

/**
 * n random signs (Rademacher: +1 or -1 with probability 1/2 each), +1 where hashUniform < 1/2.
 * Python: `np.where(hash_uniform(seed, stream, n) < 0.5, 1.0, -1.0)`. This is the distribution of
 * AZ-NAS's `(torch.bernoulli(0.5 * ones) - 0.5) * 2`.
 */
export function hashRademacher(seed: number, stream: number, n: number): Float32Array {
  const u = hashUniform(seed, stream, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = u[i] < 0.5 ? 1 : -1;
  return out;
}
