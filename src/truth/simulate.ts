// A search's choice replayed against a ground-truth table, without training (issue 21, Fig 8: which
// proxy pair as f1 / f2 picks the architecture that trains best). The candidates are the table's
// architectures with a finished run, each with its stored proxy values (the mean over the table's
// init seeds, or one init seed per run) and its trained target (the mean over training seeds).
// One simulated run, for a seed:
//   1. draw `subset` candidates uniformly without replacement (the architectures a search meets);
//   2. with `population` < `subset`, keep `population` of them by NSGA-II's elitist survival
//      (non-dominated fronts in order, the last front cut by crowding distance, most isolated first,
//      ties to the earlier), the objectives normalised over the subset as NSGA-II normalises over
//      parents + offspring; otherwise the subset is the final population;
//   3. normalise over the final population and apply the search's pick rule exactly as a search
//      does (src/search/pick.ts: finalPopulation, pickIndex);
//   4. the result is the pick's trained target. The same subset serves every objective of the run
//      (paired), beside two baselines: a uniformly random member (`random`) and the best target in
//      the subset (`oracle`, what a perfect proxy would reach).
// Several runs give mean and standard deviation per objective, the mean regret (oracle - pick), the
// pick's mean percentile in its subset (0: the best, 1: the worst) and the picks' mean parameters.
// The subsample stands in for the search's trajectory: a table of 60 architectures cannot hold the
// genotypes an optimiser would breed, so what is measured is the selection, not the exploration.
// With `refine` (the search's `--refine K`, src/search/refine.ts), run r also trains, in the table,
// the first K of the final front in the pick rule's order (pickOrder, as the search plans them) at
// training seed r mod S and chooses the best validation AUC within the first E epochs of that run
// (ties: the earlier); `random +refine K` does the same for K uniformly random members (random
// search with K trainings). Every row's target in that run is then the mean over the other training
// seeds, so the choice is judged on trainings it never saw, as a user's fresh training of the pick.
// The table's runs are the quick recipe's full cosine schedule: E = the table's epochs reproduces
// `--refine-epochs E` exactly (bar the seed); a smaller E reads that run part-way, which is not an
// E-epoch run (its learning rate has not decayed), only an approximation of one.
import { crowdingDistance, nonDominatedSort } from '../moo/dominance.ts';
import type { ArchitectureRecord } from '../search/archive.ts';
import { COST_PROXY, objectiveDefinition, type PickRule } from '../search/config.ts';
import { mstfObjectives, type ObjectiveKind, type SearchObjectives, type SynflowScale } from '../search/objectives.ts';
import { finalPopulation, pickIndex, pickOrder } from '../search/pick.ts';
import { quantileSorted } from '../stats/bootstrap.ts';
import { Rng } from '../util/rng.ts';
import { runTarget, type TruthTarget } from './correlate.ts';
import { TruthConfigError } from './errors.ts';
import type { ArchitectureOrigin } from './sample.ts';
import { checkObjectives, DEFAULT_SIMULATED_OBJECTIVES, objectivesLabel, type SimulatedObjectives } from './simulated-objectives.ts';
import type { TruthTable } from './table.ts';

export interface SimulateOptions {
  /** Objectives to simulate (default DEFAULT_SIMULATED_OBJECTIVES; those whose proxies the table lacks are reported as skipped). */
  readonly objectives?: readonly SimulatedObjectives[];
  /** Simulated runs (seeds 0..runs-1 of `seed`'s stream; default 200). */
  readonly runs?: number;
  /** Candidates drawn per run (default 16, the quick search's population; at most the candidates there are). */
  readonly subset?: number;
  /** Final population kept by NSGA-II survival from the subset (default: the whole subset). */
  readonly population?: number;
  readonly pick?: PickRule;
  readonly target?: TruthTarget;
  readonly synflowScale?: SynflowScale;
  /** 'mean': every proxy's mean over the table's init seeds; 'cycle': run r uses init seed r mod k alone, as one search uses one seed. */
  readonly initSeeds?: 'mean' | 'cycle';
  readonly seed?: number;
  /** Only architectures of these origins / only the table's first K (as correlate). */
  readonly origins?: readonly ArchitectureOrigin[];
  readonly first?: number;
  /** A validated pick per run beside each objective's zero-cost one (see the file comment). */
  readonly refine?: SimulatedRefine;
  /**
   * B > 0: 95% intervals of each row's mean percentile and of its lead over random, from B
   * bootstrap resamples of the table's architectures (each resample replayed with the same runs).
   */
  readonly bootstrap?: number;
}

/** A row's 95% percentile-bootstrap intervals over resamples of the architectures. */
export interface SimulatedInterval {
  readonly percentile: readonly [number, number];
  readonly vsRandom: readonly [number, number];
}

export interface SimulatedRefine {
  /** K: the candidates trained per run (the search's --refine K). */
  readonly candidates: number;
  /** E: the validation AUC read is the best within the first E epochs of the table's run (default: all its epochs). */
  readonly epochs?: number;
}

export interface SimulatedRow {
  /** objectivesLabel for a search; 'random' or 'oracle' for the baselines; ' +refine K' appended for a validated pick. */
  readonly name: string;
  readonly kind: 'search' | 'random' | 'oracle';
  /** K when the row is a validated pick (the first K in the rule's order, or K random members, trained), else 0. */
  readonly refined: number;
  readonly objectives: ObjectiveKind | null;
  readonly proxies: readonly string[];
  /** Runs (the pick's target is finite in each). */
  readonly runs: number;
  /** Mean and sample standard deviation over runs of the pick's target. */
  readonly mean: number;
  readonly std: number;
  /** Mean of oracle - pick over runs (0 for the oracle). */
  readonly regret: number;
  /** Mean position of the pick among its subset by target, 0 the best and 1 the worst (ties share the mean). */
  readonly percentile: number;
  /** The mean target minus the random pick's (the same runs): what the row buys over chance. */
  readonly vsRandom: number;
  /** With `bootstrap`, the intervals of `percentile` and `vsRandom` (else null). */
  readonly interval: SimulatedInterval | null;
  /** Mean parameters of the picks (at the table's C). */
  readonly params: number;
  /** Per run, the table index of the pick. */
  readonly picks: readonly number[];
}

export interface TableSimulation {
  readonly dataset: string;
  readonly target: TruthTarget;
  readonly pick: PickRule;
  /** Candidates: architectures with a finished run and a proxy row. */
  readonly candidates: number;
  readonly subset: number;
  readonly population: number;
  readonly runs: number;
  readonly initSeeds: 'mean' | 'cycle';
  /** K and E when validated picks were simulated (the target is then the mean over the seeds the refinement did not train), else null. */
  readonly refine: { readonly candidates: number; readonly epochs: number } | null;
  /** Bootstrap resamples behind the rows' intervals (0: none). */
  readonly bootstrap: number;
  /** Searches (each followed by its validated pick with refine), then random (and its validated pick), then oracle. */
  readonly rows: readonly SimulatedRow[];
  /** Objectives left out, with the reason (a proxy the table does not hold). */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

const SIMULATE_STREAM = 0x51a1;
/** Stream of the architectures' bootstrap resamples (apart from the runs' subsets). */
const SIMULATE_BOOTSTRAP_STREAM = 0x51a1b;

const mean = (v: readonly number[]): number => (v.length === 0 ? NaN : v.reduce((s, x) => s + x, 0) / v.length);
const sampleStd = (v: readonly number[]): number => {
  if (v.length < 2) return NaN;
  const m = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
};

interface Candidate {
  readonly arch: number;
  /** The mean target over the training seeds. */
  readonly target: number;
  /** Per training seed (protocol order): its target and its per-epoch validation AUC (NaN and [] without a finished run). */
  readonly bySeed: readonly { readonly target: number; readonly valAuc: readonly number[] }[];
  readonly params: number;
  /** Per init seed (table order), then the mean over them at index k. */
  readonly raws: readonly { values: Record<string, number>; logValues: Record<string, number> }[];
}

function meanValues(rows: readonly Record<string, number>[]): Record<string, number> {
  const names = new Set(rows.flatMap((r) => Object.keys(r)));
  const out: Record<string, number> = {};
  for (const n of names) {
    const v = rows.map((r) => r[n]).filter((x) => x !== undefined && Number.isFinite(x));
    out[n] = v.length === 0 ? NaN : mean(v);
  }
  return out;
}

function candidates(table: TruthTable, options: SimulateOptions, target: TruthTarget): Candidate[] {
  const limit = options.first ?? table.architectures.length;
  const seeds = table.protocol.initSeeds;
  const out: Candidate[] = [];
  table.architectures.forEach((a, arch) => {
    if (arch >= limit || (options.origins && !options.origins.includes(a.origin))) return;
    const bySeed = table.protocol.seeds.map((seed) => {
      const run = table.runs.find((r) => r.arch === arch && r.seed === seed);
      const t = run === undefined ? NaN : runTarget(run, target, table.dataset.counts);
      return { target: t, valAuc: run === undefined || !Number.isFinite(t) ? [] : run.epochs.map((e) => e.val.auc) };
    });
    const t = mean(bySeed.map((x) => x.target).filter(Number.isFinite));
    if (!Number.isFinite(t)) return;
    // A validated pick is judged on the seeds its refinement did not train: every seed must be there.
    if (options.refine && bySeed.some((x) => !Number.isFinite(x.target))) return;
    const rows = seeds.map((s) => table.proxies.find((r) => r.arch === arch && r.initSeed === s));
    if (rows.every((r) => r === undefined)) return;
    // FLOPs are analytic: the architecture's own count stands in where a row lacks it.
    const raw = (r: (typeof rows)[number]) => ({ values: { [COST_PROXY]: a.flops, ...(r?.values ?? {}) }, logValues: { ...(r?.logValues ?? {}) } });
    const perSeed = rows.map(raw);
    const present = perSeed.filter((_, i) => rows[i] !== undefined);
    out.push({
      arch, target: t, bySeed, params: a.params,
      raws: [...perSeed, { values: meanValues(present.map((r) => r.values)), logValues: meanValues(present.map((r) => r.logValues)) }],
    });
  });
  return out;
}

/** NSGA-II's survival of `keep` out of F's rows (indices, in the order chosen). */
function survive(F: readonly (readonly number[])[], keep: number): number[] {
  const chosen: number[] = [];
  for (const front of nonDominatedSort(F)) {
    const room = keep - chosen.length;
    if (room <= 0) break;
    if (front.length <= room) {
      chosen.push(...front);
      continue;
    }
    const d = crowdingDistance(front.map((i) => F[i]));
    const order = front.map((_, t) => t).sort((p, q) => d[q] - d[p] || front[p] - front[q]);
    for (let t = 0; t < room; t++) chosen.push(front[order[t]]);
  }
  return chosen;
}

/** The position of `value` among `all` (higher is better), 0 the best and 1 the worst; ties share their mean place. */
function percentile(value: number, all: readonly number[]): number {
  if (all.length < 2) return 0;
  const better = all.filter((x) => x > value).length;
  const equal = all.filter((x) => x === value).length;
  return (better + (equal - 1) / 2) / (all.length - 1);
}

function record(c: Candidate, table: TruthTable, seedIndex: number): ArchitectureRecord {
  const a = table.architectures[c.arch];
  const raw = c.raws[seedIndex];
  return {
    key: a.key, genotype: a.genotype, generation: 1, values: raw.values, logValues: raw.logValues,
    reasons: {}, timesMs: {}, params: a.params, flops: a.flops, failure: null,
  };
}

/** Which proxies of `o` no candidate holds a value of (the objective cannot be simulated on this table). */
function missingProxies(o: SimulatedObjectives, cands: readonly Candidate[]): string[] {
  return o.proxies.filter((p) => !cands.some((c) => c.raws.some((r) => p in r.values)));
}

/**
 * Per row, the 95% percentile intervals of `replay`'s statistics over B resamples (with
 * replacement) of the candidates: the table's architectures are a sample of the space, and the
 * runs' spread over overlapping subsets says nothing of that. Null when B is 0.
 */
function bootstrapRows(
  cands: readonly Candidate[], B: number, seed: number, replay: (pool: readonly Candidate[]) => { percentile: number; vsRandom: number }[],
): SimulatedInterval[] | null {
  if (B === 0) return null;
  if (!Number.isInteger(B) || B < 0) throw new TruthConfigError(`bootstrap resamples must be a whole number >= 0, got ${B}`);
  const samples: { percentile: number; vsRandom: number }[][] = [];
  for (let b = 0; b < B; b++) {
    const rng = new Rng(seed, SIMULATE_BOOTSTRAP_STREAM, b);
    samples.push(replay(Array.from({ length: cands.length }, () => cands[rng.integer(0, cands.length - 1)])));
  }
  const interval = (v: number[]): [number, number] => {
    const sorted = v.filter(Number.isFinite).sort((x, y) => x - y);
    return [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)];
  };
  return samples[0].map((_, i) => ({ percentile: interval(samples.map((x) => x[i].percentile)), vsRandom: interval(samples.map((x) => x[i].vsRandom)) }));
}

/** The refinement's K and E, checked against the table (null without refinement). */
function refineSettings(table: TruthTable, r: SimulatedRefine | undefined): TableSimulation['refine'] {
  if (r === undefined) return null;
  const epochs = table.protocol.train.epochs;
  if (!Number.isInteger(r.candidates) || r.candidates < 1) throw new TruthConfigError(`refinement trains a whole number >= 1 of candidates, got ${r.candidates}`);
  const e = r.epochs ?? epochs;
  if (!Number.isInteger(e) || e < 1 || e > epochs) throw new TruthConfigError(`refinement epochs: a whole number from 1 to the table's ${epochs}, got ${r.epochs}`);
  if (table.protocol.seeds.length < 2) {
    throw new TruthConfigError(`${table.protocol.dataset}: a validated pick needs a table of at least 2 training seeds (one trains the candidates, the others judge the choice); this one has ${table.protocol.seeds.length}`);
  }
  return { candidates: r.candidates, epochs: e };
}

type Outcome = { arch: number; target: number; regret: number; percentile: number; params: number };

interface ReplayContext {
  readonly table: TruthTable;
  readonly defs: readonly { o: SimulatedObjectives; def: SearchObjectives }[];
  readonly runs: number;
  readonly subset: number;
  readonly population: number;
  readonly pick: PickRule;
  readonly refine: TableSimulation['refine'];
  readonly initSeeds: 'mean' | 'cycle';
  readonly seed: number;
}

/** The rows a simulation reports, in order: each search, then its validated pick; random (and its); oracle. */
function rowSpecs(objectives: readonly SimulatedObjectives[], refine: TableSimulation['refine']) {
  const K = refine?.candidates ?? 0;
  return [
    ...objectives.flatMap((o) => [{ name: objectivesLabel(o), kind: 'search' as const, o, K: 0 }, ...(K > 0 ? [{ name: objectivesLabel(o), kind: 'search' as const, o, K }] : [])]),
    { name: 'random', kind: 'random' as const, o: null, K: 0 },
    ...(K > 0 ? [{ name: 'random', kind: 'random' as const, o: null, K }] : []),
    { name: 'oracle', kind: 'oracle' as const, o: null, K: 0 },
  ];
}

/** Every run over `pool` (the candidates, or a resample of them): the outcomes of each row of rowSpecs, in its order. */
function replayRuns(pool: readonly Candidate[], c: ReplayContext): Outcome[][] {
  const { table, defs, subset, population, pick, refine } = c;
  const k = table.protocol.initSeeds.length;
  const S = table.protocol.seeds.length;
  const picks = defs.map(() => [] as Outcome[]);
  const refined = defs.map(() => [] as Outcome[]);
  const random: Outcome[] = [];
  const randomRefined: Outcome[] = [];
  const oracle: Outcome[] = [];
  for (let run = 0; run < c.runs; run++) {
    const rng = new Rng(c.seed, SIMULATE_STREAM, run);
    const members = rng.permutation(pool.length).slice(0, subset).map((i) => pool[i]);
    // With refinement, seed r mod S trains the candidates and the other seeds judge every row.
    const trained = run % S;
    const targetOf = (m: Candidate) => (refine === null ? m.target : mean(m.bySeed.filter((_, j) => j !== trained).map((x) => x.target)));
    const signal = (m: Candidate) => Math.max(-Infinity, ...m.bySeed[trained].valAuc.slice(0, refine?.epochs).filter(Number.isFinite));
    const validated = (list: readonly Candidate[]) => list.reduce((b, m) => (signal(m) > signal(b) ? m : b));
    const targets = members.map(targetOf);
    const best = Math.max(...targets);
    const outcome = (m: Candidate): Outcome => {
      const t = targetOf(m);
      return { arch: m.arch, target: t, regret: best - t, percentile: percentile(t, targets), params: m.params };
    };
    const seedIndex = c.initSeeds === 'mean' ? k : run % k;
    const records = members.map((m) => record(m, table, seedIndex));
    defs.forEach(({ def }, d) => {
      let final = members.map((_, i) => i);
      if (population < subset) final = survive(mstfObjectives(records, def), population);
      const pop = finalPopulation(final.map((i) => records[i]), def);
      picks[d].push(outcome(members[final[pickIndex(pop, pick)]]));
      if (refine !== null) refined[d].push(outcome(validated(pickOrder(pop, pick).slice(0, refine.candidates).map((i) => members[final[i]]))));
    });
    random.push(outcome(members[rng.integer(0, subset - 1)]));
    // Drawn after the plain random pick, so the rows without refinement are those of a run without it.
    if (refine !== null) randomRefined.push(outcome(validated(rng.permutation(subset).slice(0, refine.candidates).map((i) => members[i]))));
    oracle.push(outcome(members[targets.indexOf(best)]));
  }
  return [...defs.flatMap((_, d) => (refine ? [picks[d], refined[d]] : [picks[d]])), random, ...(refine ? [randomRefined] : []), oracle];
}

/**
 * Replays the search's pick against `table` over many seeded subsamples (see the file comment).
 * Throws TruthConfigError for settings out of range or a table with fewer than 2 candidates.
 */
export function simulateSearchPicks(table: TruthTable, options: SimulateOptions = {}): TableSimulation {
  const target = options.target ?? 'auc';
  const pick = options.pick ?? 'score';
  const runs = options.runs ?? 200;
  const initSeeds = options.initSeeds ?? 'mean';
  const synflowScale = options.synflowScale ?? 'log';
  const cands = candidates(table, options, target);
  if (cands.length < 2) throw new TruthConfigError(`${table.protocol.dataset}: ${cands.length} architecture(s) with a finished run and proxy values; a pick needs at least 2`);
  const subset = Math.min(options.subset ?? 16, cands.length);
  const population = Math.min(options.population ?? subset, subset);
  if (!Number.isInteger(runs) || runs < 1) throw new TruthConfigError(`runs must be a whole number >= 1, got ${runs}`);
  if (!Number.isInteger(subset) || subset < 2) throw new TruthConfigError(`the subset must be a whole number >= 2, got ${options.subset}`);
  if (!Number.isInteger(population) || population < 2) throw new TruthConfigError(`the population must be a whole number >= 2, got ${options.population}`);

  const skipped: { name: string; reason: string }[] = [];
  const defs: { o: SimulatedObjectives; def: SearchObjectives }[] = [];
  for (const o of options.objectives ?? DEFAULT_SIMULATED_OBJECTIVES) {
    checkObjectives(o);
    const missing = missingProxies(o, cands);
    if (missing.length > 0) skipped.push({ name: objectivesLabel(o), reason: `the table holds no ${missing.join(', ')}` });
    else defs.push({ o, def: objectiveDefinition({ objectives: o.objectives, proxies: o.proxies, synflowScale }) });
  }

  const refine = refineSettings(table, options.refine);
  const replay = (pool: readonly Candidate[]) =>
    replayRuns(pool, { table, defs, runs, subset, population, pick, refine, initSeeds, seed: options.seed ?? 0 });
  const specs = rowSpecs(defs.map((d) => d.o), refine);
  const randomAt = specs.findIndex((x) => x.kind === 'random' && x.K === 0);
  const lists = replay(cands);
  const meanTarget = (list: readonly Outcome[]) => mean(list.map((x) => x.target));
  const intervals = bootstrapRows(cands, options.bootstrap ?? 0, options.seed ?? 0, (pool) => {
    const ls = replay(pool);
    const base = meanTarget(ls[randomAt]);
    return ls.map((l) => ({ percentile: mean(l.map((x) => x.percentile)), vsRandom: meanTarget(l) - base }));
  });

  const row = (spec: (typeof specs)[number], list: readonly Outcome[], at: number): SimulatedRow => {
    const t = list.map((x) => x.target);
    return {
      name: spec.K > 0 ? `${spec.name} +refine ${spec.K}` : spec.name, kind: spec.kind, refined: spec.K,
      objectives: spec.o?.objectives ?? null, proxies: spec.o?.proxies ?? [], runs: list.length,
      mean: mean(t), std: sampleStd(t), regret: mean(list.map((x) => x.regret)), percentile: mean(list.map((x) => x.percentile)),
      vsRandom: mean(t) - meanTarget(lists[randomAt]), interval: intervals?.[at] ?? null,
      params: mean(list.map((x) => x.params)), picks: list.map((x) => x.arch),
    };
  };
  return {
    dataset: table.protocol.dataset, target, pick, candidates: cands.length, subset, population, runs, initSeeds, refine,
    bootstrap: intervals === null ? 0 : options.bootstrap!,
    rows: specs.map((spec, at) => row(spec, lists[at], at)),
    skipped,
  };
}
