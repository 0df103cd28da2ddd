// The search's pick replayed on hand-made tables: a pair that is the target picks the oracle, its
// negation the worst; eq. 1's score rule on values worked out by hand; NSGA-II survival cutting the
// pick out by crowding; the random baseline, determinism, skipped objectives and option checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulateSearchPicks } from '../../src/truth/simulate.ts';
import { DEFAULT_SIMULATED_OBJECTIVES, PAPER_ABLATION_PAIRS, parseObjectivesLabel } from '../../src/truth/simulated-objectives.ts';
import { TruthConfigError } from '../../src/truth/errors.ts';
import { fakeTable } from './helpers.ts';

const quality = (a: number) => 0.6 + 0.3 * Math.sin(a * 1.7) ** 2;
const big = fakeTable({
  count: 30,
  auc: (a, s) => quality(a) + 0.01 * s, // the seeds move every architecture alike: the order is quality's
  proxies: (a, s) => ({ jacob_cov: quality(a), synflow: quality(a) + 1e-3 * s, fisher: -quality(a), grad_norm: -quality(a) * 2, flops: 1000 + (a % 5) }),
});

const row = (r: ReturnType<typeof simulateSearchPicks>, name: string) => {
  const x = r.rows.find((y) => y.name === name);
  if (!x) throw new Error(`no row ${name}`);
  return x;
};

test('a pair equal to the target picks the oracle in every run; a negated pair picks the worst', () => {
  const r = simulateSearchPicks(big, { runs: 40, subset: 10, objectives: [parseObjectivesLabel('jacob_cov+synflow'), parseObjectivesLabel('fisher+grad_norm'), parseObjectivesLabel('rank:jacob_cov')] });
  assert.is(r.candidates, 30);
  assert.is(r.subset, 10);
  const good = row(r, 'jacob_cov+synflow');
  const oracle = row(r, 'oracle');
  assert.equal(good.picks, oracle.picks);
  assert.is(good.regret, 0);
  assert.is(good.percentile, 0);
  assert.is(good.mean, oracle.mean);
  assert.equal(row(r, 'rank:jacob_cov').picks, oracle.picks, 'rank objectives: the largest S_n');
  const bad = row(r, 'fisher+grad_norm');
  assert.is(bad.percentile, 1, 'both proxies higher-is-better in the registry: the negated quality picks the worst');
  assert.ok(bad.mean < row(r, 'random').mean && row(r, 'random').mean < good.mean);
  assert.ok(good.std > 0 && Number.isFinite(bad.std));
});

test('deterministic by seed; another seed draws other subsets; random is one member of the subset', () => {
  const a = simulateSearchPicks(big, { runs: 30, subset: 8, seed: 3, objectives: PAPER_ABLATION_PAIRS.slice(0, 1) });
  const b = simulateSearchPicks(big, { runs: 30, subset: 8, seed: 3, objectives: PAPER_ABLATION_PAIRS.slice(0, 1) });
  const c = simulateSearchPicks(big, { runs: 30, subset: 8, seed: 4, objectives: PAPER_ABLATION_PAIRS.slice(0, 1) });
  assert.equal(a, b);
  assert.not.equal(row(a, 'random').picks, row(c, 'random').picks);
  const random = row(a, 'random');
  assert.ok(random.percentile > 0 && random.percentile < 1);
  assert.ok(random.regret >= 0 && row(a, 'oracle').regret === 0);
});

// Five architectures, all in every subset: eq. 1 with constant FLOPs (cost_n = 0) by hand.
//        A    B    C    E    D
const jc = [0, 55, 60, 65, 100];
const syn = [100, 90, 88, 78, 0];
const auc = [0.7, 0.8, 0.9, 0.75, 0.6];
const small = fakeTable({ count: 5, auc: (a) => auc[a], proxies: (a) => ({ jacob_cov: jc[a], synflow: syn[a], flops: 1000 }) });

test("eq. 1's score rule by hand: the largest P1_n + P2_n (C: 0.60 + 0.88), whatever the subset's order", () => {
  const r = simulateSearchPicks(small, { runs: 12, subset: 5, objectives: [parseObjectivesLabel('jacob_cov+synflow')] });
  const s = row(r, 'jacob_cov+synflow');
  assert.equal(s.picks, new Array(12).fill(2));
  assert.ok(Math.abs(s.mean - 0.9) < 1e-12);
  assert.ok(s.std < 1e-12);
  assert.equal(row(r, 'oracle').picks, new Array(12).fill(2));
});

test('NSGA-II survival to a population of 4 cuts C (the most crowded on the front); the pick is then B', () => {
  // Front (P1_n, P2_n): A (0, 1), B (.55, .9), C (.6, .88), E (.65, .78), D (1, 0); crowding: C .2, B .72, E 1.23.
  const r = simulateSearchPicks(small, { runs: 6, subset: 5, population: 4, objectives: [parseObjectivesLabel('jacob_cov+synflow')] });
  const s = row(r, 'jacob_cov+synflow');
  assert.equal(s.picks, new Array(6).fill(1));
  assert.ok(Math.abs(s.regret - 0.1) < 1e-12);
  assert.is(s.percentile, 0.25);
  assert.is(r.population, 4);
});

test('the knee rule picks from the front; settings are checked; missing proxies are skipped with the reason', () => {
  const knee = simulateSearchPicks(small, { runs: 3, subset: 5, pick: 'knee', objectives: [parseObjectivesLabel('jacob_cov+synflow')] });
  assert.ok([0, 1, 2, 3, 4].includes(row(knee, 'jacob_cov+synflow').picks[0]));
  const r = simulateSearchPicks(small, { runs: 2, objectives: DEFAULT_SIMULATED_OBJECTIVES });
  assert.is(r.subset, 5, 'at most the candidates there are');
  assert.ok(r.skipped.some((x) => x.name === 'fisher+synflow' && /fisher/.test(x.reason)));
  assert.equal(r.rows.map((x) => x.name), ['jacob_cov+synflow', 'rank:jacob_cov+synflow', 'random', 'oracle']);
  assert.throws(() => simulateSearchPicks(small, { runs: 0 }), /runs/);
});

test('the target is the mean over training seeds; cycle uses one init seed per run', () => {
  // Init seed 1 reverses jacob_cov and synflow: with cycle, odd runs pick the worst.
  const t = fakeTable({
    count: 6, seeds: 2, initSeeds: 2,
    auc: (a, s) => 0.6 + a * 0.05 + s * 0.01,
    proxies: (a, s) => ({ jacob_cov: s === 0 ? a : -a, synflow: s === 0 ? a : -a, flops: 1 }),
  });
  const r = simulateSearchPicks(t, { runs: 4, subset: 6, initSeeds: 'cycle', objectives: [parseObjectivesLabel('jacob_cov+synflow')] });
  assert.equal(row(r, 'jacob_cov+synflow').picks, [5, 0, 5, 0]);
  assert.ok(Math.abs(row(r, 'oracle').mean - (0.6 + 0.25 + 0.005)) < 1e-12);
});

test('--bootstrap: intervals of the percentile and the lead over random from resamples of the architectures', () => {
  const objectives = [parseObjectivesLabel('jacob_cov+synflow'), parseObjectivesLabel('fisher+grad_norm')];
  const plain = simulateSearchPicks(big, { runs: 20, subset: 8, objectives });
  assert.is(plain.bootstrap, 0);
  assert.ok(plain.rows.every((x) => x.interval === null));
  assert.is(row(plain, 'random').vsRandom, 0);
  assert.ok(Math.abs(row(plain, 'jacob_cov+synflow').vsRandom - (row(plain, 'jacob_cov+synflow').mean - row(plain, 'random').mean)) < 1e-15);
  const r = simulateSearchPicks(big, { runs: 20, subset: 8, objectives, bootstrap: 30 });
  assert.is(r.bootstrap, 30);
  assert.equal(r.rows.map((x) => [x.name, x.mean, x.picks]), plain.rows.map((x) => [x.name, x.mean, x.picks]), 'the point figures are the whole table\'s');
  const good = row(r, 'jacob_cov+synflow').interval!;
  // A pair equal to the target picks the best of every subset; a resample may hold an architecture
  // twice, and a best drawn with its duplicate shares its place (ties share the mean place).
  assert.ok(good.percentile[0] === 0 && good.percentile[1] < 0.1, `${good.percentile}`);
  assert.ok(good.vsRandom[0] > 0 && good.vsRandom[0] <= good.vsRandom[1]);
  const bad = row(r, 'fisher+grad_norm').interval!;
  assert.ok(bad.percentile[1] === 1 && bad.percentile[0] > 0.9, `${bad.percentile}`);
  assert.ok(bad.vsRandom[1] < 0);
  assert.equal(row(r, 'random').interval!.vsRandom, [0, 0]);
  assert.equal(simulateSearchPicks(big, { runs: 20, subset: 8, objectives, bootstrap: 30 }), r, 'deterministic by seed');
  assert.throws(() => simulateSearchPicks(big, { runs: 2, bootstrap: 1.5 }), /bootstrap resamples/);
});

test("refinement: the first K in the rule's order trained at one seed, chosen on validation, judged on the other seeds", () => {
  // Every architecture on the front (S falls as FLOPs fall), ordered 0..5 by the score pick; the
  // validation AUC rises with the index from epoch 1 on (epoch 0 the reverse), the test AUC too.
  const t = fakeTable({
    count: 6, seeds: 2, initSeeds: 1,
    auc: (a, s) => 0.6 + 0.05 * a + 0.01 * s,
    val: (a, _s, e) => (e === 0 ? 0.5 - 0.01 * a : 0.6 + 0.01 * a),
    proxies: (a) => ({ jacob_cov: -a, flops: 100 - 10 * a }),
  });
  const objectives = [parseObjectivesLabel('rank:jacob_cov')];
  const r = simulateSearchPicks(t, { runs: 4, subset: 6, objectives, refine: { candidates: 3 } });
  assert.equal(r.refine, { candidates: 3, epochs: 3 });
  assert.equal(r.rows.map((x) => [x.name, x.refined]), [['rank:jacob_cov', 0], ['rank:jacob_cov +refine 3', 3], ['random', 0], ['random +refine 3', 3], ['oracle', 0]]);
  assert.equal(row(r, 'rank:jacob_cov').picks, [0, 0, 0, 0]);
  const refined = row(r, 'rank:jacob_cov +refine 3');
  assert.equal(refined.picks, [2, 2, 2, 2], 'the best validation AUC of the first 3 in the order');
  // Runs 0 and 2 train at seed 0 and are judged on seed 1 (+.01), runs 1 and 3 the reverse.
  assert.ok(Math.abs(refined.mean - (0.6 + 0.1 + 0.005)) < 1e-12);
  assert.ok(Math.abs(row(r, 'oracle').mean - (0.6 + 0.25 + 0.005)) < 1e-12);
  const randomRefined = row(r, 'random +refine 3');
  assert.ok(randomRefined.picks.every((p) => p >= 2), 'the largest index of 3 distinct random members is at least 2');
  assert.equal(row(r, 'random').picks, row(simulateSearchPicks(t, { runs: 4, subset: 6, objectives }), 'random').picks, 'the plain random pick is unchanged by refinement');
  // Read after epoch 1 only, the validation AUC ranks the other way: the first in the order wins.
  assert.equal(row(simulateSearchPicks(t, { runs: 2, subset: 6, objectives, refine: { candidates: 3, epochs: 1 } }), 'rank:jacob_cov +refine 3').picks, [0, 0]);
  assert.equal(row(simulateSearchPicks(t, { runs: 2, subset: 6, objectives, refine: { candidates: 1 } }), 'rank:jacob_cov +refine 1').picks, [0, 0], 'K = 1 is the zero-cost pick');
  assert.throws(() => simulateSearchPicks(t, { refine: { candidates: 0 } }), /whole number >= 1/);
  assert.throws(() => simulateSearchPicks(t, { refine: { candidates: 2, epochs: 4 } }), /1 to the table's 3/);
  const oneSeed = fakeTable({ count: 4, seeds: 1, auc: (a) => a, proxies: (a) => ({ jacob_cov: a, flops: 1 }) });
  assert.throws(() => simulateSearchPicks(oneSeed, { refine: { candidates: 2 } }), (e: Error) => e instanceof TruthConfigError && /at least 2 training seeds/.test(e.message));
});

test.run();
