// A search's settings: the presets, the checks, and the differences between two configs (a resumed
// run must continue the same search). Every field is plain data: it goes into the checkpoint as is.
import { getProxy } from '../proxies/registry.ts';
import { SearchConfigError } from './errors.ts';
import { SYNFLOW_SCALES, type ObjectiveDefinition, type SynflowScale } from './objectives.ts';

export type AlgorithmName = 'nsga2' | 'moead';
export const ALGORITHMS: readonly AlgorithmName[] = ['nsga2', 'moead'];
/** How the final population's architecture is chosen: the largest P1_n + P2_n, or the front's knee. */
export type PickRule = 'score' | 'knee';
export const PICK_RULES: readonly PickRule[] = ['score', 'knee'];
export type SearchPresetName = 'quick' | 'paper' | 'reproduction';
export const SEARCH_PRESETS: readonly SearchPresetName[] = ['quick', 'paper', 'reproduction'];

export interface SearchConfig {
  /** The preset the settings started from (flags may have changed some). */
  readonly preset: SearchPresetName | null;
  /** The dataset's registered name ('synthetic' for the embedded one). */
  readonly dataset: string;
  readonly algorithm: AlgorithmName;
  /** NSGA-II: the population. MOEA/D: the number of weight vectors (one subproblem each). */
  readonly popSize: number;
  /** Generations in all; generation 1 is the scored initial population. */
  readonly generations: number;
  /** P1 and P2 of eq. 1 (jacob_cov, synflow by default). */
  readonly proxies: readonly [string, string];
  /** Images in the proxy batch (one batch, chosen with the seed, for the whole search). */
  readonly proxyBatch: number;
  /** C of the networks scored. */
  readonly initChannels: number;
  /** Seeds the optimiser, the proxy batch and every network's weights. */
  readonly seed: number;
  readonly synflowScale: SynflowScale;
  readonly pick: PickRule;
}

const PRESETS: Record<SearchPresetName, Omit<SearchConfig, 'dataset' | 'seed'>> = {
  // The default: a short search that finishes in under 2 minutes on a 2-core CPU adapter.
  quick: {
    preset: 'quick', algorithm: 'nsga2', popSize: 16, generations: 8, proxies: ['jacob_cov', 'synflow'],
    proxyBatch: 32, initChannels: 8, synflowScale: 'log', pick: 'score',
  },
  // The paper's settings (NSGA-II, population 50, C = 128, a proxy batch of 480).
  paper: {
    preset: 'paper', algorithm: 'nsga2', popSize: 50, generations: 20, proxies: ['jacob_cov', 'synflow'],
    proxyBatch: 480, initChannels: 128, synflowScale: 'log', pick: 'score',
  },
  // The public reproduction's: MOEA/D with 13 weight vectors for 10 generations.
  reproduction: {
    preset: 'reproduction', algorithm: 'moead', popSize: 13, generations: 10, proxies: ['jacob_cov', 'synflow'],
    proxyBatch: 480, initChannels: 128, synflowScale: 'log', pick: 'score',
  },
};

/** The preset's settings for `dataset` and `seed`. */
export function searchPreset(name: SearchPresetName, dataset: string, seed = 0): SearchConfig {
  const p = PRESETS[name];
  if (!p) throw new SearchConfigError(`unknown search preset '${name}'; known: ${SEARCH_PRESETS.join(', ')}`);
  return { ...p, proxies: [...p.proxies] as [string, string], dataset, seed };
}

/** The cost term of eq. 1. */
export const COST_PROXY = 'flops';

/** The proxies a search scores: P1, P2 and the cost. */
export const scoredProxies = (c: SearchConfig): string[] => [...new Set([...c.proxies, COST_PROXY])];

export function objectiveDefinition(c: SearchConfig): ObjectiveDefinition {
  return {
    scores: c.proxies,
    lowerIsBetter: c.proxies.filter((p) => !getProxy(p).higherIsBetter),
    cost: COST_PROXY,
    synflowScale: c.synflowScale,
  };
}

function intIn(name: string, v: number, min: number, max: number, hint = ''): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new SearchConfigError(`${name} must be a whole number in ${min}..${max}, got ${v}${hint}`);
}

/** Throws SearchConfigError naming the first bad field and what is allowed. */
export function checkSearchConfig(c: SearchConfig): void {
  if (!ALGORITHMS.includes(c.algorithm)) throw new SearchConfigError(`unknown algorithm '${c.algorithm}'; known: ${ALGORITHMS.join(', ')}`);
  intIn('the population size', c.popSize, c.algorithm === 'moead' ? 3 : 2, 10_000, c.algorithm === 'moead' ? ' (MOEA/D needs at least 3 weight vectors)' : '');
  intIn('the number of generations', c.generations, 1, 100_000);
  intIn('the proxy batch', c.proxyBatch, 2, 100_000, ' (jacob_cov needs at least 2 images)');
  intIn('C (init channels)', c.initChannels, 4, 4096);
  if (c.initChannels % 4 !== 0) throw new SearchConfigError(`C (init channels) must be a multiple of 4 (each reduction cell splits C into 4 branches), got ${c.initChannels}`);
  intIn('the seed', c.seed, 0, 2 ** 32 - 1);
  if (!Array.isArray(c.proxies) || c.proxies.length !== 2) {
    throw new SearchConfigError(`a search needs exactly two proxies (P1 and P2 of f1 = -P1 - flops, f2 = -P2 + flops), got ${JSON.stringify(c.proxies)}`);
  }
  for (const p of c.proxies) getProxy(p);
  if (c.proxies[0] === c.proxies[1]) throw new SearchConfigError(`the two proxies must differ, got ${c.proxies[0]} twice`);
  if (c.proxies.includes(COST_PROXY)) throw new SearchConfigError(`${COST_PROXY} is already the cost term of both objectives: name two other proxies`);
  if (!SYNFLOW_SCALES.includes(c.synflowScale)) throw new SearchConfigError(`unknown synflow scale '${c.synflowScale}'; known: ${SYNFLOW_SCALES.join(', ')}`);
  if (!PICK_RULES.includes(c.pick)) throw new SearchConfigError(`unknown pick rule '${c.pick}'; known: ${PICK_RULES.join(', ')}`);
  if (typeof c.dataset !== 'string' || c.dataset === '') throw new SearchConfigError('the config names no dataset');
}

/** The fields in which `b` differs from `a`, as "field: a -> b" (empty when the same search). */
export function searchConfigDifferences(a: SearchConfig, b: SearchConfig): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof SearchConfig)[];
  return keys
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`);
}
