// The rule that chooses the quick preset's objectives (src/truth/choose.ts) on hand-made tables
// whose best proxy is known: the ranking is the simulated percentiles averaged over the tables; the
// lowest eligible average wins; a tie goes to fewer proxies; a candidate no better than random on
// some table is not eligible; when none is, eq. 1 stays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseObjectives, FREEZE_CANDIDATES, RANDOM_PERCENTILE } from '../../src/truth/choose.ts';
import { simulateSearchPicks } from '../../src/truth/simulate.ts';
import { parseObjectivesLabel } from '../../src/truth/simulated-objectives.ts';
import { fakeTable } from './helpers.ts';

const auc = (a: number, s: number) => 0.6 + 0.02 * a + 0.01 * s;
// jacob_cov and grad_norm rank perfectly; synflow backwards; fisher is a shuffle.
const proxies = (a: number) => ({ jacob_cov: a, grad_norm: a, synflow: 12 - a, fisher: (a * 7) % 12, flops: 1000 + ((a * 5) % 12) });
const one = fakeTable({ count: 12, auc, proxies });
const two = fakeTable({ count: 12, auc: (a, s) => auc(a, s) + 0.001 * ((a * 3) % 4), proxies });
const labels = (names: string[]) => names.map(parseObjectivesLabel);

test('the ranking is the percentiles averaged over the tables; the best eligible candidate is chosen', () => {
  const c = chooseObjectives([one, two], { runs: 40, candidates: labels(['rank:jacob_cov', 'rank:synflow', 'fisher+synflow']) });
  assert.equal(c.datasets, ['synthetic', 'synthetic']);
  assert.is(c.ranking.length, 6, 'three candidates x two picks');
  const lib = simulateSearchPicks(two, { runs: 40, subset: 16, pick: 'knee', objectives: labels(['rank:synflow']) });
  const row = c.ranking.find((r) => r.name === 'rank:synflow' && r.pick === 'knee')!;
  assert.is(row.percentiles[1], lib.rows[0].percentile);
  assert.is(row.average, (row.percentiles[0] + row.percentiles[1]) / 2);
  assert.ok(c.ranking.every((r, i) => i === 0 || c.ranking[i - 1].average <= r.average), 'best first');
  assert.not.ok(row.beatsRandomEverywhere);
  assert.ok(row.percentiles.every((p) => p > RANDOM_PERCENTILE), 'the reversed proxy picks below random');
  assert.equal([c.chosen.name, c.chosen.pick, c.reason], ['rank:jacob_cov', 'score', 'best']);
});

test('a tie (within .02) goes to fewer proxies', () => {
  // jacob_cov + grad_norm ranks exactly as jacob_cov alone and is listed first, so it heads the ranking.
  const c = chooseObjectives([one], { runs: 30, candidates: labels(['rank:jacob_cov+grad_norm', 'rank:jacob_cov']) });
  assert.is(c.ranking[0].name, 'rank:jacob_cov+grad_norm');
  assert.equal([c.chosen.name, c.chosen.pick, c.reason], ['rank:jacob_cov', 'score', 'tie']);
});

test('nothing better than random: eq. 1 stays; candidates a table cannot score are skipped', () => {
  const c = chooseObjectives([one, two], { runs: 30, candidates: labels(['rank:synflow', 'rank:naswot']) });
  assert.equal([c.chosen.name, c.chosen.pick, c.reason], ['jacob_cov+synflow', 'score', 'floor']);
  assert.equal(c.skipped.map((k) => k.name), ['rank:naswot']);
  assert.is(c.ranking.length, 2);
});

test("the candidates are the design table's: eq. 1's ablation pairs, the rank sets, the multi-scale ones", () => {
  const names = FREEZE_CANDIDATES.map((o) => (o.objectives === 'rank' ? 'rank:' : '') + o.proxies.join('+'));
  for (const n of ['jacob_cov+synflow', 'rank:ms_fisher', 'rank:az_expressivity+az_progressivity+az_trainability', 'rank:ms_consistency+ms_fisher+az_expressivity']) assert.ok(names.includes(n), n);
  assert.is(names.length, 14);
});

test.run();
