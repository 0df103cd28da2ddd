// The rule that chooses the quick preset's objectives from ground-truth tables (issue 20), fixed in
// docs/proxy-quality.md before the RetinaMNIST table was finished, as code so that the choice is one
// command (`mednas truth choose BREAST RETINA`) and cannot drift from what the docs say:
//   1. candidates: FREEZE_CANDIDATES, each with the 'score' and the 'knee' pick;
//   2. measure: simulateSearchPicks on every table (1000 runs, subsets of 16, the proxies' mean over
//      init seeds); a candidate's figure is its pick's mean percentile in its subset, averaged over
//      the tables with equal weight;
//   3. choice: the lowest average; candidates within TIE_MARGIN of it are tied, and among those the
//      one with fewer proxies wins, then the 'score' pick over the 'knee', then the lower average;
//   4. floor: the choice must pick better than random (percentile < .5) on every table; when no
//      candidate does, the rule keeps eq. 1 (the paper's objectives) and says nothing beat random.
import type { PickRule } from '../search/config.ts';
import { TruthConfigError } from './errors.ts';
import { simulateSearchPicks, type SimulateOptions } from './simulate.ts';
import { objectivesLabel, PAPER_ABLATION_PAIRS, RANK_OBJECTIVE_SETS, type SimulatedObjectives } from './simulated-objectives.ts';
import type { TruthTable } from './table.ts';

/** The candidates of the rule: the objectives of the BreastMNIST design table in docs/proxy-quality.md. */
export const FREEZE_CANDIDATES: readonly SimulatedObjectives[] = [
  ...PAPER_ABLATION_PAIRS,
  ...RANK_OBJECTIVE_SETS,
  ...[['ms_fisher'], ['ms_consistency'], ['ms_consistency', 'ms_fisher'], ['ms_consistency', 'ms_fisher', 'az_expressivity']].map((proxies) => ({ objectives: 'rank' as const, proxies })),
];
export const FREEZE_PICKS: readonly PickRule[] = ['score', 'knee'];
/** Averages closer than this to the best count as a tie. */
export const TIE_MARGIN = 0.02;
/** A pick no better than a random member of its subset has percentile .5. */
export const RANDOM_PERCENTILE = 0.5;

export interface ChooseOptions {
  /** Default 1000. */
  readonly runs?: number;
  /** Default FREEZE_CANDIDATES (a test may give fewer). */
  readonly candidates?: readonly SimulatedObjectives[];
  readonly seed?: number;
}

export interface CandidateFigures {
  readonly name: string;
  readonly objectives: SimulatedObjectives;
  readonly pick: PickRule;
  /** The pick's mean percentile on each table, in the tables' order. */
  readonly percentiles: readonly number[];
  /** Their mean (equal weight per table). */
  readonly average: number;
  /** Below random on every table. */
  readonly beatsRandomEverywhere: boolean;
}

export interface ObjectivesChoice {
  readonly datasets: readonly string[];
  readonly runs: number;
  /** Every candidate the tables could score, best average first. */
  readonly ranking: readonly CandidateFigures[];
  /** Candidates left out on some table (a proxy it does not hold), with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** The rule's choice; eq. 1's pair with the score pick when nothing beats random everywhere. */
  readonly chosen: { readonly objectives: SimulatedObjectives; readonly pick: PickRule; readonly name: string };
  /** Why: 'best' (the lowest average), 'tie' (fewer proxies or the score pick among tied ones), 'floor' (nothing beat random: eq. 1 kept). */
  readonly reason: 'best' | 'tie' | 'floor';
}

const EQ1: SimulatedObjectives = { objectives: 'paper', proxies: ['jacob_cov', 'synflow'] };

/** Applies the rule (see the file comment) to `tables`. Throws TruthConfigError for no table. */
export function chooseObjectives(tables: readonly TruthTable[], options: ChooseOptions = {}): ObjectivesChoice {
  if (tables.length === 0) throw new TruthConfigError('the rule needs at least one table');
  const runs = options.runs ?? 1000;
  const candidates = options.candidates ?? FREEZE_CANDIDATES;
  const base: SimulateOptions = { runs, subset: 16, initSeeds: 'mean', target: 'auc', seed: options.seed ?? 0, objectives: candidates };
  const skipped = new Map<string, string>();
  const perPick = FREEZE_PICKS.map((pick) => tables.map((table) => simulateSearchPicks(table, { ...base, pick })));
  for (const sims of perPick) for (const s of sims) for (const k of s.skipped) skipped.set(k.name, `${s.dataset}: ${k.reason}`);

  const ranking: CandidateFigures[] = [];
  FREEZE_PICKS.forEach((pick, p) => {
    for (const objectives of candidates) {
      const name = objectivesLabel(objectives);
      if (skipped.has(name)) continue;
      const percentiles = perPick[p].map((s) => s.rows.find((r) => r.kind === 'search' && r.name === name)!.percentile);
      ranking.push({
        name, objectives, pick, percentiles, average: percentiles.reduce((a, b) => a + b, 0) / percentiles.length,
        beatsRandomEverywhere: percentiles.every((x) => x < RANDOM_PERCENTILE),
      });
    }
  });
  ranking.sort((a, b) => a.average - b.average);

  const eligible = ranking.filter((c) => c.beatsRandomEverywhere);
  const datasets = tables.map((t) => t.protocol.dataset);
  if (eligible.length === 0) {
    return { datasets, runs, ranking, skipped: [...skipped].map(([name, reason]) => ({ name, reason })), chosen: { objectives: EQ1, pick: 'score', name: objectivesLabel(EQ1) }, reason: 'floor' };
  }
  const best = eligible[0];
  const tied = eligible.filter((c) => c.average - best.average < TIE_MARGIN);
  const byRule = [...tied].sort((a, b) => a.objectives.proxies.length - b.objectives.proxies.length || FREEZE_PICKS.indexOf(a.pick) - FREEZE_PICKS.indexOf(b.pick) || a.average - b.average);
  const chosen = byRule[0];
  return {
    datasets, runs, ranking, skipped: [...skipped].map(([name, reason]) => ({ name, reason })),
    chosen: { objectives: chosen.objectives, pick: chosen.pick, name: chosen.name }, reason: chosen === best ? 'best' : 'tie',
  };
}
