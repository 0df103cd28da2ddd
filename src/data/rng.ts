// A small seeded PRNG for the data pipeline (shuffling, augmentation, the synthetic dataset).
// sfc32 (Chris Doty-Humphrey's "small fast counting" generator): 128 bits of state, passes
// PractRand, and its whole state is four u32 that can be saved and restored exactly. The data
// layer has its own so that it depends on nothing above it (src/moo has its own for search).

/** The full generator state: restoring it replays the exact same stream. */
export interface RngState {
  readonly kind: 'sfc32';
  readonly words: readonly [number, number, number, number];
  /** The second normal of a Box-Muller pair, not yet handed out (null when none). */
  readonly spareNormal: number | null;
}

/** splitmix32 step: spreads a 32-bit seed into well-mixed words. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Cached second normal from the Box-Muller pair (part of the stream, so it is saved too). */
  private spareNormal: number | null = null;

  /** Seed with any integer (and optional extra stream ids, e.g. epoch and batch index). */
  constructor(seed: number, ...streams: number[]) {
    let h = splitmix32(seed >>> 0);
    for (const s of streams) h = splitmix32((h ^ Math.imul(s >>> 0, 0x27d4eb2d)) >>> 0);
    this.a = splitmix32(h);
    this.b = splitmix32(this.a ^ 0x1234567);
    this.c = splitmix32(this.b ^ 0x89abcdef);
    this.d = 1;
    // Discard the first outputs: sfc32 needs a few rounds to decorrelate similar seeds.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  getState(): RngState {
    return {
      kind: 'sfc32',
      words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0],
      spareNormal: this.spareNormal,
    };
  }

  setState(state: RngState): void {
    [this.a, this.b, this.c, this.d] = state.words.map((w) => w | 0) as [number, number, number, number];
    this.spareNormal = state.spareNormal;
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). Uses rejection so that every value is equally likely. */
  int(n: number): number {
    if (!(n >= 1) || n > 2 ** 32) throw new RangeError(`Rng.int: n must be in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Standard normal (Box-Muller, polar form). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through the u^(1/shape) boost. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`Rng.gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) {
      const u = 1 - this.next(); // in (0, 1]
      return this.gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x + y > 0 ? x / (x + y) : 0.5;
  }

  /** Dirichlet with `k` components, all with concentration `alpha`. */
  dirichlet(alpha: number, k: number): Float64Array {
    const w = new Float64Array(k);
    let sum = 0;
    for (let i = 0; i < k; i++) sum += w[i] = this.gamma(alpha);
    for (let i = 0; i < k; i++) w[i] = sum > 0 ? w[i] / sum : 1 / k;
    return w;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }
}
