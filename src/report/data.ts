// The numbers the report page plots, worked out from a checkpoint alone and embedded in the page
// as JSON. Objective space per generation: every architecture scored up to that generation, its
// raw values normalised over exactly that set with mstfObjectives (as populationHypervolume does),
// so the front drawn for a generation is the one whose hypervolume is recorded for it.
import { Archive } from '../search/archive.ts';
import type { SearchCheckpoint } from '../search/checkpoint.ts';
import { objectiveDefinition } from '../search/config.ts';
import { generationSpace } from '../search/history.ts';
import { HYPERVOLUME_REFERENCE } from '../search/objectives.ts';

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
  /** The names of P1, P2 and the cost, and how each is shown ('ln synflow'). */
  readonly proxies: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly generationsPlanned: number;
  readonly reference: readonly [number, number];
  readonly architectures: readonly ReportArchitecture[];
  readonly generations: readonly ReportGeneration[];
  /** Index of the chosen architecture. */
  readonly chosen: number;
}

/** How a proxy's values are shown: synflow on the log scale is ln synflow. */
export function proxyLabel(proxy: string, synflowScale: string): string {
  return proxy === 'synflow' && synflowScale === 'log' ? 'ln synflow' : proxy;
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
      best: Object.fromEntries(Object.entries(g.best).map(([k, v]) => [k, finite(v)])),
      points: seen.map((r, i) => [indexOf.get(r.key)!, round(F[i][0]), round(F[i][1])] as const),
      population: [...new Set(g.population.map((k) => indexOf.get(k)!))],
      front,
    };
  });
  const proxies = [...def.scores, def.cost];
  return {
    format: REPORT_DATA_FORMAT,
    version: REPORT_DATA_VERSION,
    proxies,
    labels: Object.fromEntries(proxies.map((p) => [p, proxyLabel(p, c.config.synflowScale)])),
    generationsPlanned: c.config.generations,
    reference: HYPERVOLUME_REFERENCE,
    architectures: records.map((r) => ({ key: r.key, generation: r.generation, params: r.params, flops: r.flops, failed: r.failure !== null })),
    generations,
    chosen: indexOf.get(chosenKey) ?? -1,
  };
}
