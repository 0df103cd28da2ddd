// A reproduction's protocol (issue 21): what every network of one subset is trained under, and
// which searches choose two of them. Plain data: the results file stores it, and a resumed run
// compares the one it would use with the stored one field by field.
//   search-paper     the pick of a search with eq. 1's objectives (jacob_cov, synflow, FLOPs)
//   search-best      the pick of a search with mednas's best objectives (docs/proxy-quality.md)
//   paper-genotype   the MedNAS paper's genotype
//   resnet18         ResNet-18 as MedMNIST trains it at 28 x 28 (src/nn/resnet-plan.ts)
//   random           `randomCount` random live architectures per seed, reported as the median
//                    (random-median) and as the best of them by validation AUC (random-best)
// Every network is trained with the same recipe and seed; one seed per repetition (seeds 0..S-1),
// each search seeded by it too.
import { SYNTHETIC_NAME } from '../data/synthetic.ts';
import { searchPreset, searchConfigDifferences, checkSearchConfig, type SearchConfig } from '../search/config.ts';
import { checkTrainConfig, configDifferences, presetConfig, type PresetName, type TrainConfig } from '../train/config.ts';
import { RESNET18_WIDTH } from '../nn/resnet-plan.ts';

export type ReproductionMethod = 'search-paper' | 'search-best' | 'paper-genotype' | 'resnet18' | 'random';
export const REPRODUCTION_METHODS: readonly ReproductionMethod[] = ['search-paper', 'search-best', 'paper-genotype', 'resnet18', 'random'];

/** The methods a results table reports (random split into its median and its best by validation). */
export type ReportedMethod = Exclude<ReproductionMethod, 'random'> | 'random-median' | 'random-best';
export const REPORTED_METHODS: readonly ReportedMethod[] = ['search-paper', 'search-best', 'paper-genotype', 'resnet18', 'random-median', 'random-best'];

/**
 * mednas's best objectives for `search-best`: the quick search preset's, which issue 20's rule chose
 * from the BreastMNIST and RetinaMNIST tables and froze (docs/proxy-quality.md), rank-aggregated
 * against FLOPs.
 */
export const BEST_OBJECTIVE_PROXIES: readonly string[] = searchPreset('quick', SYNTHETIC_NAME).proxies;

export interface ReproductionProtocol {
  readonly dataset: string;
  /** The training recipe of every network; `seed` is 0 here and each run takes its repetition's. */
  readonly train: TrainConfig;
  /** ResNet-18's stem width (64: ResNet-18 itself). */
  readonly resnetWidth: number;
  readonly seeds: readonly number[];
  /** Train on a seeded subset of this many training images (null: the whole split); val and test stay whole. */
  readonly trainImages: number | null;
  /** Random live architectures per seed. */
  readonly randomCount: number;
  /** The methods run (in REPRODUCTION_METHODS order). */
  readonly methods: readonly ReproductionMethod[];
  /** The two searches' settings; `seed` is 0 here and each search takes its repetition's. */
  readonly searchPaper: SearchConfig;
  readonly searchBest: SearchConfig;
}

export interface ReproductionChoice {
  readonly dataset: string;
  readonly preset?: PresetName;
  readonly train?: Partial<Omit<TrainConfig, 'seed'>>;
  readonly resnetWidth?: number;
  readonly seeds?: number;
  readonly trainImages?: number | null;
  readonly randomCount?: number;
  readonly methods?: readonly ReproductionMethod[];
  /** Settings over the quick search preset's for both searches (population, generations, C, proxy batch). */
  readonly search?: Partial<Pick<SearchConfig, 'popSize' | 'generations' | 'initChannels' | 'proxyBatch'>>;
  /** search-best's proxies (default BEST_OBJECTIVE_PROXIES), rank-aggregated against FLOPs. */
  readonly bestProxies?: readonly string[];
}

export class ReproductionConfigError extends Error {
  override name = 'ReproductionConfigError';
}

/** The protocol for a choice of settings: the quick recipe, 3 seeds, 3 random architectures, every method. */
export function reproductionProtocol(choice: ReproductionChoice): ReproductionProtocol {
  const dataset = choice.dataset.toLowerCase() === SYNTHETIC_NAME ? SYNTHETIC_NAME : choice.dataset.toLowerCase();
  const train: TrainConfig = { ...presetConfig(dataset, choice.preset ?? 'quick'), ...(choice.train ?? {}), seed: 0 };
  const base = { ...searchPreset('quick', dataset, 0), ...(choice.search ?? {}) };
  const p: ReproductionProtocol = {
    dataset,
    train,
    resnetWidth: choice.resnetWidth ?? RESNET18_WIDTH,
    seeds: Array.from({ length: choice.seeds ?? 3 }, (_, i) => i),
    trainImages: choice.trainImages ?? null,
    randomCount: choice.randomCount ?? 3,
    methods: REPRODUCTION_METHODS.filter((m) => (choice.methods ?? REPRODUCTION_METHODS).includes(m)),
    searchPaper: { ...base, objectives: 'paper', proxies: ['jacob_cov', 'synflow'] },
    searchBest: { ...base, preset: null, objectives: 'rank', proxies: [...(choice.bestProxies ?? BEST_OBJECTIVE_PROXIES)] },
  };
  checkReproductionProtocol(p);
  return p;
}

export function checkReproductionProtocol(p: ReproductionProtocol): void {
  const fail = (m: string): never => {
    throw new ReproductionConfigError(m);
  };
  if (p.seeds.length < 1) fail('a reproduction needs at least 1 seed (--seeds)');
  if (!Number.isInteger(p.resnetWidth) || p.resnetWidth < 4 || p.resnetWidth % 4 !== 0) fail(`ResNet-18's width must be a multiple of 4 (training takes a stem width that is a multiple of 4, as it does C), got ${p.resnetWidth}`);
  if (!Number.isInteger(p.randomCount) || p.randomCount < 1) fail(`--random must be a whole number >= 1, got ${p.randomCount}`);
  if (p.trainImages !== null && (!Number.isInteger(p.trainImages) || p.trainImages < 2)) fail(`--train-images must be a whole number >= 2, got ${p.trainImages}`);
  if (p.methods.length === 0) fail(`no method to run: choose among ${REPRODUCTION_METHODS.join(', ')}`);
  checkTrainConfig(p.train);
  checkSearchConfig(p.searchPaper);
  checkSearchConfig(p.searchBest);
}

/**
 * The fields where `wanted` differs from a results file's protocol `base`, beyond the one way a
 * reproduction may grow: more seeds (`base`'s extended, e.g. 0, 1, 2 -> 0, ..., 4; the units run
 * seed by seed, so the new seeds' units follow the finished ones, as in a run with them from the start).
 */
export function reproductionResumeDifferences(base: ReproductionProtocol, wanted: ReproductionProtocol): string[] {
  const grows = wanted.seeds.length >= base.seeds.length && base.seeds.every((s, i) => wanted.seeds[i] === s);
  return reproductionDifferences(base, grows ? { ...wanted, seeds: base.seeds } : wanted);
}

/** The fields where two protocols differ, as 'field: a -> b' (empty: the same). */
export function reproductionDifferences(a: ReproductionProtocol, b: ReproductionProtocol): string[] {
  const out: string[] = [];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const k of ['dataset', 'resnetWidth', 'seeds', 'trainImages', 'randomCount', 'methods'] as const) {
    if (!same(a[k], b[k])) out.push(`${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`);
  }
  out.push(...configDifferences(a.train, b.train).map((d) => `train.${d}`));
  out.push(...searchConfigDifferences(a.searchPaper, b.searchPaper).map((d) => `searchPaper.${d}`));
  out.push(...searchConfigDifferences(a.searchBest, b.searchBest).map((d) => `searchBest.${d}`));
  return out;
}
