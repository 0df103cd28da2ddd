// A search's settings: the presets, the checks, and the differences between two configs (a resumed
// run must continue the same search). Every field is plain data: it goes into the checkpoint as is.
import { getProxy } from '../proxies/registry.ts';
import { SearchConfigError } from './errors.ts';
import { OBJECTIVE_KINDS, SYNFLOW_SCALES, type ObjectiveKind, type SearchObjectives, type SynflowScale } from './objectives.ts';

export type AlgorithmName = 'nsga2' | 'moead';
export const ALGORITHMS: readonly AlgorithmName[] = ['nsga2', 'moead'];
/**
 * How the final population's architecture is chosen: 'score', the largest P1_n + P2_n (paper
 * objectives) or the largest S_n (rank objectives); or 'knee', the front's knee.
 */
export type PickRule = 'score' | 'knee';
export const PICK_RULES: readonly PickRule[] = ['score', 'knee'];
export type SearchPresetName = 'quick' | 'paper' | 'reproduction';
export const SEARCH_PRESETS: readonly SearchPresetName[] = ['quick', 'paper', 'reproduction'];

/**
 * A validated pick: after the zero-cost search, the `candidates` best members of the final front (in
 * the pick rule's order) are trained briefly under the quick protocol (presetConfig(dataset, 'quick')
 * with `epochs` epochs, the search's seed) and the one with the best validation AUC is chosen.
 */
export interface RefineSettings {
  /** K: how many members of the final front are trained (all of it when the front is smaller). */
  readonly candidates: number;
  /** Epochs each candidate is trained for. */
  readonly epochs: number;
  /** Train, validate (and test) on only the first N images of each split (null: all). */
  readonly maxImages: number | null;
}

export const DEFAULT_REFINE_EPOCHS = 5;

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
  /** The objectives' definition: eq. 1 ('paper') or the rank aggregate of k proxies ('rank'). */
  readonly objectives: ObjectiveKind;
  /** paper: P1 and P2 of eq. 1 (jacob_cov, synflow by default); rank: the k >= 1 proxies aggregated. */
  readonly proxies: readonly string[];
  /** Images in the proxy batch (one batch, chosen with the seed, for the whole search). */
  readonly proxyBatch: number;
  /** C of the networks scored. */
  readonly initChannels: number;
  /** Seeds the optimiser, the proxy batch and every network's weights. */
  readonly seed: number;
  readonly synflowScale: SynflowScale;
  readonly pick: PickRule;
  /** Train the best members of the final front briefly and choose by validation AUC (null: no). */
  readonly refine: RefineSettings | null;
}

/** Eq. 1's P1 and P2 as the paper pairs them: the `paper` objectives' proxies when none are named. */
export const PAPER_PROXIES: readonly string[] = ['jacob_cov', 'synflow'];

/**
 * The proxies of `objectives` chosen over `preset` without naming any: eq. 1's pair when `paper` is
 * asked of a preset that ranks (the quick one), else the preset's own (what `mednas search
 * --objectives K` and the demo page's `#objectives=K` take).
 */
export function defaultProxies(objectives: ObjectiveKind, preset: Pick<SearchConfig, 'objectives' | 'proxies'>): string[] {
  return [...(objectives === 'paper' && preset.objectives !== 'paper' ? PAPER_PROXIES : preset.proxies)];
}

const PRESETS: Record<SearchPresetName, Omit<SearchConfig, 'dataset' | 'seed'>> = {
  // The default: a short search that finishes in under 2 minutes on a 2-core CPU adapter. Its
  // objectives (ms_fisher ranked against FLOPs, score pick) were chosen from the BreastMNIST and
  // RetinaMNIST ground-truth tables by a rule fixed beforehand (`mednas truth choose`;
  // docs/proxy-quality.md): eq. 1 picked below random on both.
  quick: {
    preset: 'quick', algorithm: 'nsga2', popSize: 16, generations: 8, objectives: 'rank', proxies: ['ms_fisher'],
    proxyBatch: 32, initChannels: 8, synflowScale: 'log', pick: 'score', refine: null,
  },
  // The paper's settings (NSGA-II, population 50, C = 128, a proxy batch of 480).
  paper: {
    preset: 'paper', algorithm: 'nsga2', popSize: 50, generations: 20, objectives: 'paper', proxies: ['jacob_cov', 'synflow'],
    proxyBatch: 480, initChannels: 128, synflowScale: 'log', pick: 'score', refine: null,
  },
  // The public reproduction's: MOEA/D with 13 weight vectors for 10 generations.
  reproduction: {
    preset: 'reproduction', algorithm: 'moead', popSize: 13, generations: 10, objectives: 'paper', proxies: ['jacob_cov', 'synflow'],
    proxyBatch: 480, initChannels: 128, synflowScale: 'log', pick: 'score', refine: null,
  },
};

/** The preset's settings for `dataset` and `seed`. */
export function searchPreset(name: SearchPresetName, dataset: string, seed = 0): SearchConfig {
  const p = PRESETS[name];
  if (!p) throw new SearchConfigError(`unknown search preset '${name}'; known: ${SEARCH_PRESETS.join(', ')}`);
  return { ...p, proxies: [...p.proxies], dataset, seed };
}

/** The cost term of both definitions. */
export const COST_PROXY = 'flops';

/** The proxies a search scores: P1, P2 (or the k ranked ones) and the cost. */
export const scoredProxies = (c: SearchConfig): string[] => [...new Set([...c.proxies, COST_PROXY])];

/** The objectives' definition of a config (each proxy's direction from the registry). */
export function objectiveDefinition(c: Pick<SearchConfig, 'objectives' | 'proxies' | 'synflowScale'>): SearchObjectives {
  if (c.objectives === 'rank') {
    return {
      kind: 'rank',
      scores: [...c.proxies],
      higherIsBetter: Object.fromEntries(c.proxies.map((p) => [p, getProxy(p).higherIsBetter])),
      cost: COST_PROXY,
      synflowScale: c.synflowScale,
    };
  }
  return {
    kind: 'paper',
    scores: [c.proxies[0], c.proxies[1]],
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
  if (!OBJECTIVE_KINDS.includes(c.objectives)) throw new SearchConfigError(`unknown objectives '${c.objectives}'; known: ${OBJECTIVE_KINDS.join(', ')}`);
  if (c.objectives === 'paper' && (!Array.isArray(c.proxies) || c.proxies.length !== 2)) {
    throw new SearchConfigError(`the paper's objectives need exactly two proxies (P1 and P2 of f1 = -P1 - flops, f2 = -P2 + flops), got ${JSON.stringify(c.proxies)}; --objectives rank takes any number`);
  }
  if (c.objectives === 'rank' && (!Array.isArray(c.proxies) || c.proxies.length < 1)) {
    throw new SearchConfigError(`rank objectives need at least one proxy to rank, got ${JSON.stringify(c.proxies)}`);
  }
  for (const p of c.proxies) getProxy(p);
  const twice = c.proxies.find((p, i) => c.proxies.indexOf(p) !== i);
  if (twice !== undefined) throw new SearchConfigError(`the proxies must differ, got ${twice} twice`);
  if (c.proxies.includes(COST_PROXY)) throw new SearchConfigError(`${COST_PROXY} is already the cost term of both objectives: name other proxies`);
  if (!SYNFLOW_SCALES.includes(c.synflowScale)) throw new SearchConfigError(`unknown synflow scale '${c.synflowScale}'; known: ${SYNFLOW_SCALES.join(', ')}`);
  if (!PICK_RULES.includes(c.pick)) throw new SearchConfigError(`unknown pick rule '${c.pick}'; known: ${PICK_RULES.join(', ')}`);
  if (typeof c.dataset !== 'string' || c.dataset === '') throw new SearchConfigError('the config names no dataset');
  if (c.refine !== null) {
    if (typeof c.refine !== 'object') throw new SearchConfigError(`the refine settings must be null or { candidates, epochs, maxImages }, got ${JSON.stringify(c.refine)}`);
    intIn('the number of refine candidates', c.refine.candidates, 1, 10_000);
    intIn('the refine epochs', c.refine.epochs, 1, 100_000);
    if (c.refine.maxImages !== null) intIn('the refine images per split', c.refine.maxImages, 2, Number.MAX_SAFE_INTEGER);
  }
}

/**
 * The fields in which `b` differs from `a`, as "field: a -> b" (empty when the same search).
 * `ignore` leaves fields out (a resume may add refinement to a search none of whose candidates was
 * trained yet).
 */
export function searchConfigDifferences(a: SearchConfig, b: SearchConfig, ignore: readonly (keyof SearchConfig)[] = []): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof SearchConfig)[];
  return keys
    .filter((k) => !ignore.includes(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`);
}
