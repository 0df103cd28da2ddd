// Bootstrap confidence intervals: resample the n items (architectures) with replacement B times
// from a seeded Rng, compute the statistic on each resample, and take the percentile interval (the
// (1-level)/2 and (1+level)/2 quantiles, interpolated linearly between order statistics as
// numpy.percentile does by default). Resamples whose statistic is undefined (a constant resample)
// are left out, and counted.
import { Rng } from '../util/rng.ts';

export interface BootstrapOptions {
  /** Resamples B (default 2000). */
  readonly resamples?: number;
  /** Seeds the resampling (default 0): the same data and seed give the same interval. */
  readonly seed?: number;
  /** Coverage (default 0.95). */
  readonly level?: number;
  /** The resamples' indices, given instead of drawn (a test compares with SciPy on the same ones). */
  readonly indices?: readonly (readonly number[])[];
}

export interface Interval {
  readonly low: number;
  readonly high: number;
  /** Resamples whose statistic was defined. */
  readonly used: number;
}

/** The q-quantile (0..1) of sorted values, linear between order statistics (numpy's 'linear'). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const at = q * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Stream id of the bootstrap's draws (apart from every other use of a seed). */
const BOOTSTRAP_STREAM = 0xb0075;

/** Percentile bootstrap interval of `statistic`, which gets each resample as indices into the n items. */
export function bootstrapInterval(n: number, statistic: (indices: readonly number[]) => number, options: BootstrapOptions = {}): Interval {
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap level must be in (0, 1), got ${level}`);
  const given = options.indices;
  const b = given ? given.length : options.resamples ?? 2000;
  const rng = new Rng(options.seed ?? 0, BOOTSTRAP_STREAM);
  const stats: number[] = [];
  const idx = new Array<number>(n);
  for (let r = 0; r < b; r++) {
    const fixed = given?.[r];
    if (fixed && fixed.length !== n) throw new RangeError(`bootstrap resample ${r} has ${fixed.length} indices for ${n} items`);
    for (let i = 0; i < n; i++) idx[i] = fixed ? fixed[i] : Math.floor(rng.uniform() * n);
    const s = statistic(idx);
    if (Number.isFinite(s)) stats.push(s);
  }
  if (n === 0 || stats.length === 0) return { low: NaN, high: NaN, used: 0 };
  stats.sort((a, c) => a - c);
  return { low: quantileSorted(stats, (1 - level) / 2), high: quantileSorted(stats, (1 + level) / 2), used: stats.length };
}

/** The interval of a paired statistic (Spearman, Kendall) over the pairs (x[i], y[i]). */
export function pairedBootstrap(
  x: ArrayLike<number>, y: ArrayLike<number>, statistic: (x: number[], y: number[]) => number, options: BootstrapOptions = {},
): Interval {
  if (x.length !== y.length) throw new RangeError(`bootstrap: ${x.length} x values but ${y.length} y values`);
  return bootstrapInterval(x.length, (idx) => statistic(idx.map((i) => x[i]), idx.map((i) => y[i])), options);
}
