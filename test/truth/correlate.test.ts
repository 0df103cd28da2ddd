// correlate on hand-made tables: a proxy equal to the target ranks perfectly, its negation
// perfectly wrong; the target is the mean over seeds; the search's quantities are eq. 1's, normalised
// over the table; the noise ceiling is the split-half Spearman; filters and failed runs behave.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { searchPreset } from '../../src/search/config.ts';
import { missingQuickProxies, quickTargets } from '../../src/truth/correlate.ts';
import { spearman } from '../../src/stats/rank.ts';
import { correlateTable, correlateTables, seedHalves } from '../../src/truth/correlate.ts';
import { fakeTable } from './helpers.ts';
import { azNasScores } from '../../src/proxies/rank-aggregation.ts';

/** Architecture a's "true" quality, and a seed-dependent wobble. */
const quality = (a: number) => 0.6 + 0.3 * Math.sin(a * 1.7) ** 2;
const wobble = (a: number, s: number) => 0.02 * Math.cos(a * 3.1 + s * 2.3);

const table = fakeTable({
  count: 30,
  auc: (a, s) => quality(a) + wobble(a, s),
  proxies: (a, s) => ({ exact: quality(a), reversed: -quality(a), noisy: quality(a) + 0.05 * Math.sin(a * 7 + s), flops: 1000 + a, jacob_cov: quality(a) + s * 1e-3, synflow: a % 7, ms_fisher: 2 - quality(a) + 0.01 * Math.cos(a) }),
});

test('a proxy that is the target ranks perfectly; its negation perfectly wrong; n counts the architectures', () => {
  const r = correlateTable(table, { resamples: 300 });
  const by = new Map(r.correlations.map((c) => [c.proxy, c]));
  const targets = r.rows.map((x) => x.target);
  assert.is(r.architectures, 30);
  assert.is(r.rows[4].target, (quality(4) * 3 + wobble(4, 0) + wobble(4, 1) + wobble(4, 2)) / 3 + 0 * 1);
  const exact = by.get('exact')!;
  assert.is(exact.n, 30);
  assert.is(exact.spearman, spearman(table.architectures.map((_, a) => quality(a)), targets));
  assert.ok(exact.spearman > 0.95 && exact.top10 >= 2 / 3, `${exact.spearman} ${exact.top10}`);
  assert.is(by.get('reversed')!.spearman, -exact.spearman);
  assert.ok(exact.spearmanLow <= exact.spearman && exact.spearman <= exact.spearmanHigh);
  assert.is(exact.stability, 1, 'the same value at every init seed');
  assert.ok(by.get('noisy')!.stability < 1);
  assert.is(r.correlations[0].proxy === 'exact' || r.correlations[0].proxy === 'jacob_cov', true, 'sorted by Spearman, best first');
});

test("the search's quantities: paper = P1_n + P2_n, -f1 = P1_n + cost_n, -f2 = P2_n - cost_n over the table", () => {
  const r = correlateTable(table, { resamples: 100 });
  const p1 = r.values.jacob_cov;
  const span = (v: readonly number[]) => [Math.min(...v), Math.max(...v)];
  const [j0, j1] = span(table.architectures.map((_, a) => quality(a)));
  // Init seed 0 and 1 add 0 and 1e-3 to jacob_cov: normalised over the table, both give the same column.
  const j = (a: number) => (quality(a) - j0) / (j1 - j0);
  const s = (a: number) => (a % 7) / 6;
  const c = (a: number) => a / 29;
  for (const a of [0, 5, 17]) {
    assert.ok(Math.abs(r.values.paper[a] - (j(a) + s(a))) < 1e-12, `paper ${a}`);
    assert.ok(Math.abs(r.values['-f1'][a] - (j(a) + c(a))) < 1e-12, `-f1 ${a}`);
    assert.ok(Math.abs(r.values['-f2'][a] - (s(a) - c(a))) < 1e-12, `-f2 ${a}`);
  }
  assert.is(p1.length, 30);
  assert.ok(r.correlations.some((x) => x.proxy === 'paper' && x.kind === 'search'));
  // `quick`: the quick preset's pick score under its own objectives (frozen by issue 20: the rank of
  // ms_fisher, lower better, so with one proxy and the same value at every init seed it orders the
  // architectures exactly against ms_fisher).
  const quick = searchPreset('quick', table.protocol.dataset);
  assert.equal([quick.objectives, quick.proxies], ['rank', ['ms_fisher']], 'when the preset changes, this test names its new pick score');
  assert.ok(r.correlations.some((x) => x.proxy === 'quick' && x.kind === 'search'));
  const order = (v: readonly number[]) => v.map((_, i) => i).sort((i, j) => v[i] - v[j]);
  assert.equal(order(r.values.quick), order(r.values.ms_fisher).reverse());
  assert.ok(Math.abs(r.correlations.find((c) => c.proxy === 'quick')!.spearman + r.correlations.find((c) => c.proxy === 'ms_fisher')!.spearman) < 1e-12);
  assert.equal(missingQuickProxies(r), []);
  const without = fakeTable({ count: 10, auc: (a) => quality(a), proxies: (a) => ({ jacob_cov: a, synflow: a % 3, flops: 1000 + a }) });
  const w = correlateTable(without, { resamples: 50 });
  assert.not.ok('quick' in w.values);
  assert.equal(missingQuickProxies(w), ['ms_fisher'], 'why it has no quick row');
  // Issue 20's targets: quick against the best of params, flops and paper, and as a share of the ceiling.
  const t = quickTargets(r)!;
  const rho = (name: string) => r.correlations.find((c) => c.proxy === name)!.spearman;
  const best = ['flops', 'paper'].reduce((a, b) => (rho(b) > rho(a) ? b : a));
  assert.equal([t.quick, t.baseline.proxy, t.baseline.spearman, t.margin], [rho('quick'), best, rho(best), rho('quick') - rho(best)]);
  assert.is(t.ofCeiling, rho('quick') / r.ceiling.spearman);
  assert.is(t.ofCorrectedCeiling, rho('quick') / r.ceiling.corrected!);
  assert.ok(t.marginLow <= t.margin && t.margin <= t.marginHigh, `${t.marginLow} ${t.margin} ${t.marginHigh}`);
  // The margin's interval on given resamples: both Spearmans on each, the differences' 2.5 and 97.5 percentiles.
  const n = r.rows.length;
  const indices = Array.from({ length: 9 }, (_, k) => Array.from({ length: n }, (_, i) => (i * (k + 2) + k) % n));
  const diffs = indices.map((idx) => {
    const on = (name: string) => spearman(idx.map((i) => r.values[name][i]), idx.map((i) => r.rows[i].target));
    return on('quick') - on(best);
  }).sort((a, b) => a - b);
  const given = quickTargets(r, { indices })!;
  assert.ok(Math.abs(given.marginLow - (diffs[0] + 0.2 * (diffs[1] - diffs[0]))) < 1e-12, 'numpy\'s linear percentile at 2.5% of 9: between the first two');
  assert.ok(Math.abs(given.marginHigh - (diffs[7] + 0.8 * (diffs[8] - diffs[7]))) < 1e-12);
});

test('the noise ceiling: the mean Spearman between seed halves, and its Spearman-Brown root', () => {
  assert.equal(seedHalves([0, 1, 2]), [[[0], [1, 2]], [[1], [0, 2]], [[2], [0, 1]]]);
  assert.equal(seedHalves([0, 1, 2, 3]).length, 3);
  assert.equal(seedHalves([5]), []);
  const r = correlateTable(table, { resamples: 200 });
  const auc = (a: number, s: number) => quality(a) + wobble(a, s);
  const archs = table.architectures.map((_, a) => a);
  const expected = [[0, [1, 2]], [1, [0, 2]], [2, [0, 1]]].map(([one, two]) =>
    spearman(archs.map((a) => auc(a, one as number)), archs.map((a) => (auc(a, (two as number[])[0]) + auc(a, (two as number[])[1])) / 2)));
  assert.ok(Math.abs(r.ceiling.spearman - expected.reduce((x, y) => x + y) / 3) < 1e-12);
  assert.is(r.ceiling.n, 30);
  assert.ok(Math.abs(r.ceiling.corrected! - Math.sqrt((2 * r.ceiling.spearman) / (1 + r.ceiling.spearman))) < 1e-15);
});

test('targets, filters, failed runs, and a table against another', () => {
  const last3 = correlateTable(table, { target: 'auc-last3', resamples: 100 });
  assert.ok(Math.abs(last3.rows[3].target - (correlateTable(table, { resamples: 100 }).rows[3].target - 0.01)) < 1e-12);
  const acc = correlateTable(table, { target: 'acc', resamples: 100 });
  assert.ok(Math.abs(acc.rows[3].target - (last3.rows[3].target + 0.01 - 0.1)) < 1e-12);
  // val and test each weighted by their images (10 and 10 here): the val AUC of every epoch is the run's AUC.
  const valtest = correlateTable(table, { target: 'valtest-last3', resamples: 100 });
  assert.ok(Math.abs(valtest.rows[3].target - (correlateTable(table, { resamples: 100 }).rows[3].target - 0.005)) < 1e-12);
  assert.is(correlateTable(table, { first: 10, resamples: 100 }).architectures, 10);
  const random = correlateTable(table, { origins: ['random'], resamples: 100 });
  assert.is(random.architectures, table.architectures.filter((a) => a.origin === 'random').length);
  // Architecture 0 failed with every seed: it drops out; architecture 1 failed with one: the mean of the others.
  const failed = { ...table, runs: table.runs.map((r) => (r.arch === 0 || (r.arch === 1 && r.seed === 0) ? { ...r, test: null, val: null, failure: 'NaN loss', bestEpoch: -1 } : r)) };
  const f = correlateTable(failed, { resamples: 100 });
  assert.is(f.architectures, 29);
  assert.is(f.rows[0].arch, 1);
  assert.ok(Math.abs(f.rows[0].target - (table.runs[4].test!.auc + table.runs[5].test!.auc) / 2) < 1e-12);
  assert.is(f.ceiling.n, 28, 'the ceiling needs every seed');
  const self = correlateTables(table, table, { resamples: 100 });
  assert.is(self.spearman, 1);
  assert.is(self.n, 30);
});

test("AZ-NAS's rank aggregation over the table, when the table has its four proxies", () => {
  const az = fakeTable({
    count: 12, seeds: 2, initSeeds: 1, auc: (a) => quality(a),
    proxies: (a) => ({ az_expressivity: quality(a), az_progressivity: a % 3, az_trainability: -a, flops: 1000 + a }),
  });
  const r = correlateTable(az, { resamples: 100 });
  const expected = azNasScores({
    az_expressivity: az.architectures.map((_, a) => quality(a)), az_progressivity: az.architectures.map((_, a) => a % 3),
    az_trainability: az.architectures.map((_, a) => -a), flops: az.architectures.map((_, a) => 1000 + a),
  });
  assert.equal(r.values.az_nas, expected);
  assert.is(r.correlations.find((c) => c.proxy === 'az_nas')!.kind, 'search');
  assert.not.ok('az_nas' in correlateTable(table, { resamples: 100 }).values, 'absent without its proxies');
});

test.run();
