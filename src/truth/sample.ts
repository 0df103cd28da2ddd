// Which architectures a table trains: an endless, seeded sequence whose first K entries are the
// table's K architectures, so a table can be extended (K 60 -> 100 keeps the first 60) and a pilot
// on the first 20 trains exactly the first 20 of the big table. The sequence:
//   0        the paper genotype (so the table places the seed's own result);
//   odd      live genotypes (no dead normal cell) drawn uniformly: the space as a search meets it;
//   even     genotypes spread over parameter count: a fixed pool of 4,000 live genotypes is drawn,
//            and the j-th spread entry is the pool member (not yet taken) whose ln(params) is
//            nearest to lo + v_j (hi - lo), where [lo, hi] is the pool's range and v_j the base-2
//            van der Corput sequence 1/2, 1/4, 3/4, 1/8, ... (even cover of the range at every
//            prefix). Uniform sampling piles up in the middle; this half reaches the space's
//            smallest and largest networks, where a proxy that only tracks size is found out.
// Parameter counts for the spread are taken at C = 16 whatever the table's C, so tables that differ
// only in C or epochs hold the same architectures. Each entry says where it came from, so correlate
// can look at the uniform half alone.
import { architectureCost } from '../space/costs.ts';
import { PAPER_GENOTYPE } from '../space/genotype.ts';
import type { NetworkConfig } from '../space/plan.ts';
import { randomGenotype } from '../space/random.ts';
import { genotypeKey } from '../space/text.ts';
import { Rng } from '../util/rng.ts';

export type ArchitectureOrigin = 'paper' | 'random' | 'spread';
export const ARCHITECTURE_ORIGINS: readonly ArchitectureOrigin[] = ['paper', 'random', 'spread'];

export interface TruthArchitecture {
  readonly key: string;
  readonly genotype: readonly number[];
  readonly origin: ArchitectureOrigin;
  /** At the table's C, for its dataset's channels, classes and image size. */
  readonly params: number;
  readonly flops: number;
}

const RANDOM_STREAM = 0x7a11e;
const POOL_STREAM = 0x7a11f;
const POOL_SIZE = 4000;
const SAMPLING_CHANNELS = 16;

export function describeArchitecture(genotype: readonly number[], origin: ArchitectureOrigin, network: NetworkConfig): TruthArchitecture {
  const cost = architectureCost(genotype, network);
  return { key: genotypeKey(genotype), genotype: [...genotype], origin, params: cost.params, flops: cost.flops };
}

/** The j-th (0-based) term of the base-2 van der Corput sequence: 1/2, 1/4, 3/4, 1/8, 5/8, ... */
export function vanDerCorput(j: number): number {
  let n = j + 1;
  let v = 0;
  let denominator = 1;
  while (n > 0) {
    denominator *= 2;
    v += (n % 2) / denominator;
    n = Math.floor(n / 2);
  }
  return v;
}

/** The first K architectures of the sequence of `seed` for `network` (its C, channels, classes, image size). */
export function sampleArchitectures(count: number, seed: number, network: NetworkConfig): TruthArchitecture[] {
  const atSamplingC: NetworkConfig = { ...network, initChannels: SAMPLING_CHANNELS };
  const taken = new Set<string>([genotypeKey(PAPER_GENOTYPE)]);
  const out: TruthArchitecture[] = [describeArchitecture(PAPER_GENOTYPE, 'paper', network)];
  if (count <= 1) return out.slice(0, count);
  const randomRng = new Rng(seed, RANDOM_STREAM);
  const poolRng = new Rng(seed, POOL_STREAM);
  const pool: { genotype: number[]; key: string; logParams: number }[] = [];
  const inPool = new Set<string>();
  while (pool.length < POOL_SIZE) {
    const g = randomGenotype(poolRng, { avoidDead: true });
    const key = genotypeKey(g);
    if (inPool.has(key)) continue;
    inPool.add(key);
    pool.push({ genotype: g, key, logParams: Math.log(architectureCost(g, atSamplingC).params) });
  }
  const lo = Math.min(...pool.map((p) => p.logParams));
  const hi = Math.max(...pool.map((p) => p.logParams));
  let spread = 0;
  for (let i = 1; i < count; i++) {
    if (i % 2 === 1) {
      let g: number[];
      do g = randomGenotype(randomRng, { avoidDead: true });
      while (taken.has(genotypeKey(g)));
      taken.add(genotypeKey(g));
      out.push(describeArchitecture(g, 'random', network));
    } else {
      const target = lo + vanDerCorput(spread++) * (hi - lo);
      let best = -1;
      for (let p = 0; p < pool.length; p++) {
        if (taken.has(pool[p].key)) continue;
        if (best < 0 || Math.abs(pool[p].logParams - target) < Math.abs(pool[best].logParams - target)) best = p;
      }
      if (best < 0) throw new RangeError(`the sampling pool of ${POOL_SIZE} genotypes is used up: a table of ${count} architectures is too large`);
      taken.add(pool[best].key);
      out.push(describeArchitecture(pool[best].genotype, 'spread', network));
    }
  }
  return out;
}
