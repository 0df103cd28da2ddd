// The numbers the report page plots, worked out from a checkpoint alone and embedded in the page
// as JSON. Objective space per generation: every architecture scored up to that generation, its
// raw values normalised over exactly that set with mstfObjectives (as populationHypervolume does),
// so the front drawn for a generation is the one whose hypervolume is recorded for it.
import { Archive } from '../search/archive.ts';
import type { SearchCheckpoint } from '../search/checkpoint.ts';
import { objectiveDefinition } from '../search/config.ts';
import { BEST_S_N, generationSpace } from '../search/history.ts';
import { HYPERVOLUME_REFERENCE, lowerIsBetter, type ObjectiveKind, type SearchObjectives } from '../search/objectives.ts';

export const REPORT_DATA_FORMAT = 'mednas-report-data';
export const REPORT_DATA_VERSION = 1;

/** One architecture of the archive (index = its position in `architectures`). */
export interface ReportArchitecture {
  readonly key: string;
  /** The generation that first scored it. */
  readonly generation: number;
  readonly params: number;
  readonly flops: number;
  readonly failed: boolean;
}

export interface ReportGeneration {
  readonly generation: number;
  readonly evaluations: number;
  readonly scored: number;
  readonly archiveHits: number;
  readonly failures: number;
  readonly wallMs: number;
  readonly scoringMs: number;
  /** As recorded (null where not finite: JSON has no NaN). */
  readonly hypervolume: number | null;
  /** Best value per proxy in the population, as recorded (ln for synflow on the log scale). */
  readonly best: Readonly<Record<string, number | null>>;
  /** [architecture index, f1, f2] of every architecture scored up to this generation. */
  readonly points: readonly (readonly [number, number, number])[];
  /** Architecture indices of the population (each once). */
  readonly population: readonly number[];
  /** Architecture indices of the population's non-dominated members, in these objectives. */
  readonly front: readonly number[];
}

export interface ReportData {
  readonly format: typeof REPORT_DATA_FORMAT;
  readonly version: typeof REPORT_DATA_VERSION;
  /** paper: f1 = -P1_n - FLOPs_n, f2 = -P2_n + FLOPs_n; rank: f1 = -S_n, f2 = FLOPs_n. */
  readonly objectives: ObjectiveKind;
  /** The objective plot's axis labels (what f1 and f2 are). */
  readonly axes: readonly [string, string];
  /**
   * The values recorded as best per generation, and how each is shown ('ln synflow'): P1, P2 and
   * the cost (paper); S_n, the ranked proxies and the cost (rank).
   */
  readonly proxies: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The title of each value's plot over generations ('smallest FLOPs', 'best ln synflow', ...). */
  readonly titles: Readonly<Record<string, string>>;
  readonly generationsPlanned: number;
  readonly reference: readonly [number, number];
  readonly architectures: readonly ReportArchitecture[];
  readonly generations: readonly ReportGeneration[];
  /** Index of the chosen architecture. */
  readonly chosen: number;
}

/** How a proxy's values are shown: synflow on the log scale is ln synflow. */
export function proxyLabel(proxy: string, synflowScale: string): string {
  if (proxy === BEST_S_N) return 'mean S_n';
  return proxy === 'synflow' && synflowScale === 'log' ? 'ln synflow' : proxy;
}

/** The title of a value's plot over generations. */
function bestTitle(proxy: string, def: SearchObjectives, synflowScale: string): string {
  if (proxy === BEST_S_N) return 'mean S_n of the population (rank aggregate, over everything scored so far)';
  const label = proxyLabel(proxy, synflowScale);
  return proxy === def.cost ? `smallest ${label === 'flops' ? 'FLOPs' : label} in the population` : `${lowerIsBetter(def, proxy) ? 'smallest' : 'best'} ${label} in the population`;
}

/** Six decimals: far below what a plot shows, and it keeps the page small. */
const round = (v: number): number => Math.round(v * 1e6) / 1e6;
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The report's data; `chosenKey` is the key of the architecture the search hands to training. */
export function reportData(c: SearchCheckpoint, chosenKey: string): ReportData {
  const archive = new Archive(c.archive);
  const def = objectiveDefinition(c.config);
  const records = archive.records();
  const indexOf = new Map(records.map((r, i) => [r.key, i]));
  const generations = c.history.map((g): ReportGeneration => {
    // The same normalisation and front as the recorded hypervolume (history.ts).
    const { seen, F, front: members } = generationSpace(g.population, archive, g.generation, def);
    const front = [...new Set(members.map((i) => indexOf.get(g.population[i])!))];
    return {
      generation: g.generation,
      evaluations: g.evaluations,
      scored: g.scored,
      archiveHits: g.archiveHits,
      failures: g.failures,
      wallMs: g.times.wallMs,
      scoringMs: g.times.scoringMs,
      hypervolume: finite(g.hypervolume),
      best: Object.fromEntries(Object.entries(g.bestPerProxy).map(([k, v]) => [k, finite(v)])),
      points: seen.map((r, i) => [indexOf.get(r.key)!, round(F[i][0]), round(F[i][1])] as const),
      population: [...new Set(g.population.map((k) => indexOf.get(k)!))],
      front,
    };
  });
  const proxies = [...(c.config.objectives === 'rank' ? [BEST_S_N] : []), ...def.scores, def.cost];
  return {
    format: REPORT_DATA_FORMAT,
    version: REPORT_DATA_VERSION,
    objectives: c.config.objectives,
    axes: c.config.objectives === 'rank' ? ['f1 = -S_n', 'f2 = FLOPs_n'] : ['f1 = -P1_n - FLOPs_n', 'f2 = -P2_n + FLOPs_n'],
    proxies,
    labels: Object.fromEntries(proxies.map((p) => [p, proxyLabel(p, c.config.synflowScale)])),
    titles: Object.fromEntries(proxies.map((p) => [p, bestTitle(p, def, c.config.synflowScale)])),
    generationsPlanned: c.config.generations,
    reference: HYPERVOLUME_REFERENCE,
    architectures: records.map((r) => ({ key: r.key, generation: r.generation, params: r.params, flops: r.flops, failed: r.failure !== null })),
    generations,
    chosen: indexOf.get(chosenKey) ?? -1,
  };
}
