// The search's objectives on hand-made values: eq. 1 (normalisation over the set, a constant column,
// NaN as the worst, synflow on the log or raw scale), the rank aggregate (S_n, directions, ties,
// NaN, ln synflow), the configs that name them, and the pick rules and their order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkSearchConfig, finalPopulation, minMaxNormalise, mstfObjectives, objectiveDefinition, pickIndex, pickOrder, rankColumns, SearchConfigError,
  PAPER_PROXIES, searchPreset, type ArchitectureRecord, type ObjectiveDefinition, type RankObjectiveDefinition, type RawValues, type SearchConfig,
} from '../../src/search/index.ts';

const def: ObjectiveDefinition = { scores: ['jacob_cov', 'synflow'], lowerIsBetter: [], cost: 'flops', synflowScale: 'log' };
const raw = (jc: number, sf: number, flops: number): RawValues => ({ values: { jacob_cov: jc, synflow: sf, flops }, logValues: { synflow: Math.log(sf) } });

test('min-max over the set; a constant column gives 0; a non-finite value the worst', () => {
  assert.equal(minMaxNormalise([1, 3, 2], 0), [0, 1, 0.5]);
  assert.equal(minMaxNormalise([5, 5, 5], 0), [0, 0, 0]);
  assert.equal(minMaxNormalise([1, NaN, 3, -Infinity], 0), [0, 0, 1, 0]);
  assert.equal(minMaxNormalise([1, NaN, 3], 1), [0, 1, 1]);
});

test('f1 = -jc_n - flops_n, f2 = -ln(sf)_n + flops_n, normalised over exactly the set given', () => {
  const set = [raw(-10, 1e8, 100), raw(-20, 1e16, 300), raw(-15, 1e12, 200)];
  const F = mstfObjectives(set, def);
  assert.equal(F[0], [-1 - 0, -0 + 0]);
  assert.equal(F[1], [-0 - 1, -1 + 1]);
  assert.ok(Math.abs(F[2][0] - -1) < 1e-12 && Math.abs(F[2][1] - 0) < 1e-12, `${F[2]}`);
  // The same architecture compared within another set gets other objectives.
  const F2 = mstfObjectives([set[0], raw(-5, 1e9, 50)], def);
  assert.not.equal(F2[0], F[0]);
});

test('raw synflow: min-max of the raw values sends all but the largest to ~0 (why log is the default)', () => {
  const set = [raw(0, 1e8, 1), raw(0, 1e10, 1), raw(0, 1e12, 1), raw(0, 1e16, 1)];
  const rawF = mstfObjectives(set, { ...def, synflowScale: 'raw' });
  const logF = mstfObjectives(set, def);
  assert.ok(rawF.slice(0, 3).every((f) => Math.abs(f[1]) < 1e-4), 'raw: three of four f2 near 0');
  assert.equal(logF.map((f) => Math.round(-f[1] * 1000) / 1000), [0, 0.25, 0.5, 1]);
});

test('a NaN score counts as the worst of its column: it never wins the pick', () => {
  const set = [raw(NaN, 1e12, 100), raw(-20, 1e8, 100), raw(-15, 1e10, 100)];
  const F = mstfObjectives(set, def);
  assert.is(F[0][0], -0 - 0);
  const records = set.map((r, i): ArchitectureRecord => ({
    ...r, key: String(i), genotype: [i], generation: 1, reasons: {}, timesMs: {}, params: 1, flops: 100, failure: null,
  }));
  const pop = finalPopulation(records, def);
  assert.is(pickIndex(pop, 'score'), 2, 'the largest jc_n + sf_n among the scored');
});

test('knee: the front member farthest from the line through the extremes', () => {
  // f = (-jc_n - cost_n, -sf_n + cost_n); build a convex front with a clear knee.
  const records = [raw(-1, Math.exp(0), 0), raw(-0.2, Math.exp(0.8), 0), raw(0, Math.exp(0.1), 0), raw(-0.9, Math.exp(1), 0)].map(
    (r, i): ArchitectureRecord => ({ ...r, key: String(i), genotype: [i], generation: 1, reasons: {}, timesMs: {}, params: 1, flops: 0, failure: null }),
  );
  const pop = finalPopulation(records, def);
  assert.equal(pop.front, [1, 2, 3]);
  assert.is(pickIndex(pop, 'knee'), 1);
});

const near = (a: readonly number[], b: readonly number[], what: string) => {
  assert.is(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12, `${what}[${i}]: ${v} vs ${b[i]}`));
};
const record = (r: RawValues, i: number, flops = r.values.flops ?? 0): ArchitectureRecord => ({
  ...r, key: String(i), genotype: [i], generation: 1, reasons: {}, timesMs: {}, params: 1, flops, failure: null,
});

// Four architectures, a (higher is better) and b (lower is better); m = 4.
//   a: 1, 3, 2, NaN      ranks 2, 4, 3, 1 (NaN the worst)
//   b: 5, 5, 1, 0.5      ranks 1.5, 1.5, 3, 4 (the tie shares 1 and 2)
// S = ln(2/4 * 1.5/4), ln(4/4 * 1.5/4), ln(3/4 * 3/4), ln(1/4 * 4/4) = ln 3/16, ln 3/8, ln 9/16, ln 1/4;
// min ln 3/16, span ln 3: S_n = 0, ln 2 / ln 3, 1, ln(4/3) / ln 3. FLOPs 100, 300, 200, 400: cost_n 0, 2/3, 1/3, 1.
const rankDef: RankObjectiveDefinition = { kind: 'rank', scores: ['a', 'b'], higherIsBetter: { a: true, b: false }, cost: 'flops', synflowScale: 'log' };
const rankSet: RawValues[] = [[1, 5, 100], [3, 5, 300], [2, 1, 200], [NaN, 0.5, 400]].map(([a, b, flops]) => ({ values: { a, b, flops }, logValues: {} }));

test('rank: S = sum ln(rank / m) (mean ranks for ties, NaN the worst), S_n over the set, f1 = -S_n, f2 = cost_n', () => {
  const { s, sn, cost } = rankColumns(rankSet, rankDef);
  near(s, [Math.log(3 / 16), Math.log(3 / 8), Math.log(9 / 16), Math.log(1 / 4)], 'S');
  near(sn, [0, Math.LN2 / Math.log(3), 1, Math.log(4 / 3) / Math.log(3)], 'S_n');
  near(cost, [0, 2 / 3, 1 / 3, 1], 'cost_n');
  const F = mstfObjectives(rankSet, rankDef);
  near(F.map((f) => f[0]), sn.map((v) => -v), 'f1');
  near(F.map((f) => f[1]), cost, 'f2');
  // Normalised over exactly the set given: without the best, another one is best.
  near(mstfObjectives(rankSet.slice(0, 2), rankDef).map((f) => f[0]), [-0, -1], 'f1 of two');
  // The pick and its order: the front is {0, 2} (2 dominates 1 and 3); 'score' = the largest S_n.
  const pop = finalPopulation(rankSet.map((r, i) => record(r, i)), rankDef);
  assert.is(pop.kind, 'rank');
  assert.equal(pop.front, [0, 2]);
  assert.is(pickIndex(pop, 'score'), 2);
  assert.equal(pickOrder(pop, 'score'), [2, 0]);
  assert.equal(pickOrder(pop, 'knee'), [2, 0], 'fewer than 3 on the front: by score');
  assert.ok(Math.abs(pop.members[1].normalised.s! - Math.LN2 / Math.log(3)) < 1e-12);
  assert.is(pop.members[1].normalised.p1, undefined);
});

test('rank: one proxy; equal S_n goes to the smaller FLOPs; synflow ranked on its ln (exact where the raw value overflows)', () => {
  const one: RankObjectiveDefinition = { ...rankDef, scores: ['a'], higherIsBetter: { a: true } };
  const tied = [{ values: { a: 1, flops: 200 }, logValues: {} }, { values: { a: 1, flops: 100 }, logValues: {} }];
  const pop = finalPopulation(tied.map((r, i) => record(r, i)), one);
  assert.equal(pop.members.map((m) => m.normalised.s), [0, 0], 'a constant S normalises to 0');
  assert.is(pickIndex(pop, 'score'), 1, 'the cheaper of two equal S_n');
  assert.equal(pickOrder(pop, 'score'), [1]);
  const sf: RankObjectiveDefinition = { kind: 'rank', scores: ['synflow'], higherIsBetter: { synflow: true }, cost: 'flops', synflowScale: 'log' };
  const overflow = [90, 95, 80].map((ln) => ({ values: { synflow: Infinity, flops: 1 }, logValues: { synflow: ln } }));
  near(rankColumns(overflow, sf).sn, [Math.LN2 / Math.log(3), 1, 0], 'ln synflow ranks 2, 3, 1');
  near(rankColumns(overflow, { ...sf, synflowScale: 'raw' }).sn, [0, 0, 0], 'raw: three infinities tie');
});

test('a config names its objectives: paper takes exactly two proxies, rank any number >= 1; directions from the registry', () => {
  // The quick preset ranks the proxy issue 20's rule froze (docs/proxy-quality.md); the paper's presets keep eq. 1.
  const frozen = searchPreset('quick', 'synthetic');
  assert.equal([frozen.objectives, frozen.proxies, frozen.pick], ['rank', ['ms_fisher'], 'score']);
  assert.equal(objectiveDefinition(frozen), { kind: 'rank', scores: ['ms_fisher'], higherIsBetter: { ms_fisher: false }, cost: 'flops', synflowScale: 'log' });
  for (const name of ['paper', 'reproduction'] as const) assert.equal([searchPreset(name, 'synthetic').objectives, searchPreset(name, 'synthetic').proxies], ['paper', PAPER_PROXIES]);
  assert.is(frozen.refine, null);
  const quick: SearchConfig = { ...frozen, objectives: 'paper', proxies: [...PAPER_PROXIES] };
  const rank: SearchConfig = { ...quick, objectives: 'rank', proxies: ['jacob_cov', 'synflow', 'params'] };
  checkSearchConfig(rank);
  checkSearchConfig({ ...rank, proxies: ['snip'] });
  assert.equal(objectiveDefinition(rank), {
    kind: 'rank', scores: ['jacob_cov', 'synflow', 'params'], higherIsBetter: { jacob_cov: true, synflow: true, params: false }, cost: 'flops', synflowScale: 'log',
  });
  assert.is(objectiveDefinition(quick).kind, 'paper');
  for (const [bad, message] of [
    [{ ...quick, proxies: ['jacob_cov', 'synflow', 'snip'] }, /exactly two proxies.*--objectives rank/],
    [{ ...rank, proxies: [] }, /at least one proxy/],
    [{ ...rank, proxies: ['snip', 'snip'] }, /snip twice/],
    [{ ...rank, proxies: ['snip', 'flops'] }, /cost term/],
    [{ ...rank, proxies: ['nope'] }, /nope/],
    [{ ...quick, objectives: 'pareto' }, /unknown objectives 'pareto'; known: paper, rank/],
    [{ ...quick, refine: { candidates: 0, epochs: 5, maxImages: null } }, /refine candidates/],
    [{ ...quick, refine: { candidates: 2, epochs: 0, maxImages: null } }, /refine epochs/],
  ] as const) {
    assert.throws(() => checkSearchConfig(bad as unknown as SearchConfig), (e: unknown) => (e instanceof SearchConfigError || (e as Error).name === 'UnknownProxyError') && message.test((e as Error).message), String(message));
  }
});

test('pickOrder: the front in the rule\'s order, each genotype once; its first is pickIndex', () => {
  const records = [raw(-1, Math.exp(0), 0), raw(-0.2, Math.exp(0.8), 0), raw(0, Math.exp(0.1), 0), raw(-0.9, Math.exp(1), 0), raw(-0.2, Math.exp(0.8), 0)].map(
    (r, i): ArchitectureRecord => ({ ...r, key: String(i === 4 ? 1 : i), genotype: [i === 4 ? 1 : i], generation: 1, reasons: {}, timesMs: {}, params: 1, flops: 0, failure: null }),
  );
  const pop = finalPopulation(records, def);
  assert.equal(pop.front, [1, 2, 3, 4], 'a genotype twice in the population: both on the front');
  const knee = pickOrder(pop, 'knee');
  assert.is(knee[0], pickIndex(pop, 'knee'));
  assert.equal(knee.map((i) => pop.members[i].record.key).sort(), ['1', '2', '3'], 'each genotype once');
  const score = pickOrder(pop, 'score');
  assert.is(pop.members[score[0]].record.key, pop.members[pickIndex(pop, 'score')].record.key);
  // By P1_n + P2_n, largest first.
  const s = score.map((i) => pop.members[i].normalised.p1! + pop.members[i].normalised.p2!);
  assert.equal(s, [...s].sort((a, b) => b - a));
});

test.run();
