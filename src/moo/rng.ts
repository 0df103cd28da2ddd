// Seeded pseudo-random generator: xoshiro128** (Blackman & Vigna 2018). 128 bits of state held as
// four uint32 numbers, so the state is a plain array that round-trips through msgpack or JSON and a
// resumed search draws exactly the numbers an uninterrupted one would have drawn.

import { MooInputError } from './errors.ts';

/** The generator's whole state: four uint32 values, not all zero. */
export type RngState = number[];

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds through splitmix32 so that nearby seeds (0, 1, 2...) give unrelated streams. */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed)) throw new MooInputError(`Rng seed ${seed} must be a safe integer`);
    // Fold the high bits in, so seeds above 2^32 differ from their low 32 bits.
    let z = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b1);
    const next = (): number => {
      z = (z + 0x9e3779b9) | 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero is a fixed point
  }

  /** Next raw uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws), like a double can hold. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Integer uniform in [low, high], both ends included. */
  integer(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high < low) {
      throw new MooInputError(`Rng.integer needs integers low <= high, got ${low}, ${high}`);
    }
    return low + Math.floor(this.uniform() * (high - low + 1));
  }

  /** Standard normal by Box-Muller; the second value is dropped so the state stays four numbers. */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1], keeps log finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const p = new Array<number>(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A copy of the state; `restore` of it continues the stream exactly. */
  state(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  restore(state: RngState): void {
    const ok =
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff) &&
      state.some((v) => v !== 0);
    if (!ok) {
      throw new MooInputError(`Rng state must be four uint32 numbers, not all zero; got ${JSON.stringify(state)}`);
    }
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.restore(state);
    return rng;
  }
}
