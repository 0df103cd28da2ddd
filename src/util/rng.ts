// The one seeded pseudo-random generator of the library: network initialisation, data shuffling and
// augmentation, the synthetic dataset and the multi-objective search all draw from it, so that the
// same seed and config give the same run and a resumed run the same result (DESIGN.md).
// xoshiro128** (Blackman & Vigna 2018): 128 bits of state held as four uint32 numbers, so the state
// is a plain array that round-trips through msgpack or JSON. Nothing is cached outside those four
// numbers (normal() throws away Box-Muller's second value), so saving them is saving everything.
// Errors are plain RangeErrors: src/util depends on nothing; callers with typed errors wrap them.

/** The generator's whole state: four uint32 values, not all zero. */
export type RngState = number[];

const GOLDEN = 0x9e3779b9;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit avalanche hash (a bijection), so that nearby inputs give unrelated outputs. */
function mix32(z: number): number {
  let t = z ^ (z >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

/** A safe integer folded to 32 bits; the high bits count, so 2^32 + 1 is not the same as 1. */
function fold(what: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`Rng ${what} ${v} must be a safe integer`);
  return (v >>> 0) ^ Math.imul(Math.floor(v / 4294967296) >>> 0, 0x9e3779b1);
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * Seeds through a splitmix-style hash so that nearby seeds (0, 1, 2...) give unrelated streams.
   * Extra `streams` ids (e.g. epoch and sample index) name an independent stream of the same seed:
   * each is hashed in turn, so `(1, 2, 3)`, `(1, 3, 2)` and `(1)` all differ. The seed and streams
   * pass through 32 bits of hash, so at most 2^32 distinct streams exist (the optimiser's seeding,
   * kept bit for bit so that its saved searches replay).
   */
  constructor(seed = 0, ...streams: number[]) {
    let z = fold('seed', seed);
    for (const s of streams) z = mix32((z + GOLDEN) | 0) ^ fold('stream id', s);
    // Words are kept as int32 (`| 0`): V8 then stores them unboxed, and the xor/shift steps read
    // them as int32 anyway, so the stream is the same as with uint32 words.
    this.s0 = mix32((z = (z + GOLDEN) | 0)) | 0;
    this.s1 = mix32((z = (z + GOLDEN) | 0)) | 0;
    this.s2 = mix32((z = (z + GOLDEN) | 0)) | 0;
    this.s3 = mix32((z = (z + GOLDEN) | 0)) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero is a fixed point
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.restore(state);
    return rng;
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
      throw new RangeError(`Rng state must be four uint32 numbers, not all zero; got ${JSON.stringify(state)}`);
    }
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
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

  /** Uniform in [0, 1) with 53 random bits (two draws), as many as a double holds. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  range(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Integer uniform in [low, high], both ends included (bias below 2^-20 for any 32-bit range). */
  integer(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high < low) {
      throw new RangeError(`Rng.integer needs integers low <= high, got ${low}, ${high}`);
    }
    return low + Math.floor(this.uniform() * (high - low + 1));
  }

  /** Standard normal by Box-Muller; the second value is dropped so the state stays four numbers. */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1], keeps log finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place uniform shuffle (Fisher-Yates). */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1)); // integer(0, i) without the per-call checks
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** Gamma(shape, scale 1) by Marsaglia & Tsang (2000); shape < 1 through the u^(1/shape) boost. */
  gamma(shape: number): number {
    if (!(shape > 0) || shape === Infinity) throw new RangeError(`Rng.gamma: shape must be finite and > 0, got ${shape}`);
    if (shape < 1) {
      const u = 1 - this.uniform(); // (0, 1]
      return this.gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x + y > 0 ? x / (x + y) : 0.5; // both can underflow to 0 for tiny shapes
  }

  /** Dirichlet(alpha): normalised Gamma(alpha[i]) draws, one weight per concentration. */
  dirichlet(alpha: ArrayLike<number>): Float64Array {
    const k = alpha.length;
    if (k < 1) throw new RangeError('Rng.dirichlet needs at least one concentration');
    const w = new Float64Array(k);
    let sum = 0;
    for (let i = 0; i < k; i++) sum += w[i] = this.gamma(alpha[i]);
    for (let i = 0; i < k; i++) w[i] = sum > 0 ? w[i] / sum : 1 / k;
    return w;
  }
}
