// `mednas truth simulate TABLE`: the search's pick replayed against a ground-truth table, without
// training (issue 21, Fig 8): for each proxy pair of the paper's ablation as eq. 1's P1, P2 (and the
// rank objectives), many seeded subsamples of the table each give a final population, the search's
// pick rule chooses from it, and the pick's trained target is read from the table. Prints mean +-
// std per objective beside a random pick and the oracle (the subset's best); --json one object per
// row. No GPU (src/truth/simulate.ts).
import { resolve } from 'node:path';
import {
  ARCHITECTURE_ORIGINS, chooseObjectives, PICK_RULES, parseObjectivesLabel, simulateSearchPicks, TIE_MARGIN, TRUTH_TARGETS,
  type ArchitectureOrigin, type PickRule, type SimulatedRow, type TableSimulation, type TruthTarget,
} from '../src/index.ts';
import { readTruthTable } from '../src/node/index.ts';
import { signed } from './truth-format.ts';
import { choiceValue, CliUsageError, intValue, listValue, optional, stringValue } from './options.ts';

export interface SimulateFlags {
  runs?: unknown;
  subset?: unknown;
  population?: unknown;
  pick?: unknown;
  objectives?: unknown;
  target?: unknown;
  seed?: unknown;
  initSeedMode?: unknown;
  origin?: unknown;
  first?: unknown;
  refine?: unknown;
  refineEpochs?: unknown;
  bootstrap?: unknown;
  json?: boolean;
}

/** The flags only `truth simulate` takes (the other actions refuse them). */
export const SIMULATE_ONLY_FLAGS: readonly (keyof SimulateFlags)[] = ['runs', 'subset', 'population', 'pick', 'objectives', 'target', 'seed', 'initSeedMode', 'origin', 'first', 'refine', 'refineEpochs', 'bootstrap'];

const TARGET_WORDS: Record<TruthTarget, string> = {
  auc: 'test AUC', acc: 'test ACC', 'auc-last3': 'test AUC of the last 3 epochs', 'valtest-last3': 'val + test AUC of the last 3 epochs',
};

const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');

function describe(r: SimulatedRow): string {
  if (r.kind === 'random') return r.refined > 0 ? `random +refine ${r.refined} (the best on validation of ${r.refined} random members)` : 'random (a uniformly random member of the subset)';
  return r.kind === 'oracle' ? 'oracle (the best target in the subset)' : r.name;
}

function print(path: string, s: TableSimulation, seeds: readonly number[], initSeeds: readonly number[], epochs: number): void {
  const final = s.population < s.subset ? `, NSGA-II survival to ${s.population}` : '';
  const proxies = s.initSeeds === 'mean' ? `mean over init seeds ${initSeeds.join(', ')}` : `run r at init seed r mod ${initSeeds.length}`;
  console.log(`${path}: ${s.dataset}, ${s.candidates} candidates (a finished run and proxy values)`);
  const judged = s.refine === null ? `training seeds ${seeds.join(', ')}` : `the training seeds other than the refinement's (run r refines at seed r mod ${seeds.length} of ${seeds.join(', ')})`;
  console.log(`${s.runs} runs, each a random subset of ${s.subset}${final}; pick rule ${s.pick}; proxies: ${proxies}; target: mean ${TARGET_WORDS[s.target]} over ${judged}`);
  if (s.refine !== null) {
    console.log(`+refine ${s.refine.candidates}: the first ${s.refine.candidates} of the front in the pick rule's order trained (read from the table), the best validation AUC within epoch ${s.refine.epochs} of ${epochs} chosen${s.refine.epochs < epochs ? ` (the ${epochs}-epoch run read part-way: an approximation of --refine-epochs ${s.refine.epochs})` : ''}`);
  }
  const width = Math.max(24, ...s.rows.map((r) => describe(r).length)) + 2;
  const boot = s.bootstrap > 0;
  const range = (v: readonly [number, number], d: number) => `[${num(v[0], d)}, ${num(v[1], d)}]`;
  console.log(`${'objectives'.padEnd(width)}  ${'mean +- std'.padEnd(15)} regret  percentile${boot ? ' [95%]       ' : ''}  ${boot ? 'vs random [95%]           ' : ''}params`);
  for (const r of s.rows) {
    if (r.kind === 'random' && r.refined === 0) console.log('');
    const pct = `${num(r.percentile, 2).padStart(10)}${r.interval ? ` ${range(r.interval.percentile, 2)}`.padEnd(14) : ''}`;
    const vs = r.interval ? `  ${`${signed(r.vsRandom)} [${signed(r.interval.vsRandom[0])}, ${signed(r.interval.vsRandom[1])}]`.padEnd(26)}` : '';
    console.log(`${describe(r).padEnd(width)}  ${`${num(r.mean)} +- ${num(r.std)}`.padEnd(15)} ${num(r.regret).padStart(6)}  ${pct}${vs}  ${Math.round(r.params).toLocaleString('en-US').padStart(6)}`);
  }
  for (const k of s.skipped) console.log(`skipped ${k.name}: ${k.reason}`);
  console.log("objectives: P1+P2, eq. 1 (f1 = -P1_n - FLOPs_n, f2 = -P2_n + FLOPs_n); rank:A+B+..., the rank aggregate S against FLOPs (--objectives rank)");
  console.log('regret: the subset\'s best minus the pick, mean over runs; percentile: the pick\'s place in its subset by target, 0 the best, 1 the worst; params: the picks\' mean at the table\'s C');
  if (boot) console.log(`[95%]: over ${s.bootstrap} bootstrap resamples of the table's architectures, each replayed with the same runs; vs random: the mean target minus the random pick's`);
}

export async function simulate(file: string, flags: SimulateFlags): Promise<number> {
  const table = await readTruthTable(resolve(file));
  const runs = optional(flags.runs, (v) => intValue(v, '--runs', { min: 1, max: 1_000_000 })) ?? 200;
  const subset = optional(flags.subset, (v) => intValue(v, '--subset', { min: 2, max: 100_000 }));
  const population = optional(flags.population, (v) => intValue(v, '--population', { min: 2, max: 100_000 }));
  if (subset !== undefined && population !== undefined && population > subset) throw new CliUsageError(`--population ${population}: at most the --subset (${subset}); the population is what survives of the subset`);
  const pick = optional(flags.pick, (v) => choiceValue<PickRule>(v, '--pick', PICK_RULES)) ?? 'score';
  const target = optional(flags.target, (v) => choiceValue<TruthTarget>(v, '--target', TRUTH_TARGETS)) ?? 'auc';
  const seed = optional(flags.seed, (v) => intValue(v, '--seed', { min: 0, max: 2 ** 32 - 1 })) ?? 0;
  const initSeeds = optional(flags.initSeedMode, (v) => choiceValue<'mean' | 'cycle'>(v, '--init-seed-mode', ['mean', 'cycle'])) ?? 'mean';
  const origins = optional(flags.origin, (v) => listValue(v, '--origin', (s, flag) => choiceValue<ArchitectureOrigin>(s, flag, ARCHITECTURE_ORIGINS)));
  const first = optional(flags.first, (v) => intValue(v, '--first', { min: 2 }));
  const objectives = optional(flags.objectives, (v) => listValue(v, '--objectives', (s, flag) => parseObjectivesLabel(stringValue(s, flag))));
  const candidates = optional(flags.refine, (v) => intValue(v, '--refine', { min: 1, max: 100_000 }));
  const refineEpochs = optional(flags.refineEpochs, (v) => intValue(v, '--refine-epochs', { min: 1, max: table.protocol.train.epochs }));
  if (refineEpochs !== undefined && candidates === undefined) throw new CliUsageError('--refine-epochs goes with --refine K (the candidates each simulated run trains)');
  const refine = candidates === undefined ? undefined : { candidates, epochs: refineEpochs };
  const bootstrap = optional(flags.bootstrap, (v) => intValue(v, '--bootstrap', { min: 0, max: 100_000 }));
  const s = simulateSearchPicks(table, { runs, subset, population, pick, target, seed, initSeeds, origins, first, objectives, refine, bootstrap });
  if (flags.json) {
    const head = { table: file, dataset: s.dataset, target: s.target, pick: s.pick, candidates: s.candidates, subset: s.subset, population: s.population, runs: s.runs, initSeeds: s.initSeeds, seed, refine: s.refine, bootstrap: s.bootstrap };
    for (const r of s.rows) console.log(JSON.stringify({ ...head, ...r }));
    for (const k of s.skipped) console.log(JSON.stringify({ ...head, name: k.name, skipped: k.reason }));
    return 0;
  }
  print(file, s, table.protocol.seeds, table.protocol.initSeeds, table.protocol.train.epochs);
  return 0;
}

/**
 * `mednas truth choose TABLE...`: the rule of docs/proxy-quality.md that chooses the quick preset's
 * objectives (src/truth/choose.ts): every candidate with each pick rule simulated on every table,
 * ranked by the pick's mean percentile averaged over the tables; the choice and why.
 */
export async function choose(files: readonly string[], flags: SimulateFlags): Promise<number> {
  const tables = await Promise.all(files.map((f) => readTruthTable(resolve(f))));
  const runs = optional(flags.runs, (v) => intValue(v, '--runs', { min: 1, max: 1_000_000 })) ?? 1000;
  const seed = optional(flags.seed, (v) => intValue(v, '--seed', { min: 0, max: 2 ** 32 - 1 })) ?? 0;
  const c = chooseObjectives(tables, { runs, seed });
  if (flags.json) {
    for (const r of c.ranking) console.log(JSON.stringify({ event: 'candidate', datasets: c.datasets, ...r }));
    for (const k of c.skipped) console.log(JSON.stringify({ event: 'skipped', ...k }));
    console.log(JSON.stringify({ event: 'chosen', datasets: c.datasets, runs: c.runs, ...c.chosen, reason: c.reason }));
    return 0;
  }
  console.log(`the pick's mean percentile in its subset (0 the best, random .5), ${c.runs} runs of 16 per table; average over ${c.datasets.join(', ')}`);
  const width = Math.max(24, ...c.ranking.map((r) => r.name.length)) + 2;
  console.log(`${'objectives'.padEnd(width)}  pick   ${c.datasets.map((d) => d.padStart(14)).join('')}  average`);
  for (const r of c.ranking) {
    const mark = r.beatsRandomEverywhere ? ' ' : '!';
    console.log(`${r.name.padEnd(width)}  ${r.pick.padEnd(5)}  ${r.percentiles.map((x) => num(x, 3).padStart(14)).join('')}  ${num(r.average, 3)} ${mark}`);
  }
  for (const k of c.skipped) console.log(`skipped ${k.name}: ${k.reason}`);
  console.log(`! = no better than random on some table (not eligible); ties: within ${TIE_MARGIN} of the best eligible average, fewer proxies first, then the score pick`);
  const why = { best: 'the lowest average that beats random on every table', tie: `tied with the best (within ${TIE_MARGIN}), with fewer proxies or the score pick`, floor: 'nothing beat random on every table: the rule falls back to eq. 1, the paper\'s objectives, which did not beat random either; no objectives are supported by these tables' }[c.reason];
  console.log(`chosen: ${c.chosen.name}, ${c.chosen.pick} pick (${why})`);
  return 0;
}
