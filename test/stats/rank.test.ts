// Rank statistics against SciPy (fixtures/stats-golden.json, written by
// scripts/golden/stats_scipy.py): Spearman, Kendall tau-b, average ranks, and the percentile
// bootstrap on the very resamples SciPy used; plus hand cases for top-k precision and the edges.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { averageRanks, finitePairs, kendall, spearman, topPrecision } from '../../src/stats/rank.ts';
import { bootstrapInterval, pairedBootstrap, quantileSorted } from '../../src/stats/bootstrap.ts';

interface Case {
  name: string; x: number[]; y: number[]; spearman: number | null; kendall: number | null; ranksX: number[];
  indices: number[][]; spearmanInterval: (number | null)[]; kendallInterval: (number | null)[];
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'stats-golden.json'), 'utf8')) as { cases: Case[] };

const close = (actual: number, expected: number | null, what: string) => {
  if (expected === null) assert.ok(Number.isNaN(actual), `${what}: expected NaN (undefined), got ${actual}`);
  else assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual} vs SciPy ${expected}`);
};

test('Spearman, Kendall tau-b and average ranks equal SciPy on every fixture case', () => {
  assert.ok(fixture.cases.length >= 6);
  for (const c of fixture.cases) {
    close(spearman(c.x, c.y), c.spearman, `${c.name}: spearman`);
    close(kendall(c.x, c.y), c.kendall, `${c.name}: kendall`);
    const r = averageRanks(c.x);
    c.ranksX.forEach((v, i) => assert.is(r[i], v, `${c.name}: rank ${i}`));
  }
});

test('bootstrap intervals equal SciPy + numpy.percentile on the same resamples', () => {
  for (const c of fixture.cases) {
    const rho = pairedBootstrap(c.x, c.y, spearman, { indices: c.indices });
    const tau = pairedBootstrap(c.x, c.y, kendall, { indices: c.indices });
    close(rho.low, c.spearmanInterval[0], `${c.name}: spearman low`);
    close(rho.high, c.spearmanInterval[1], `${c.name}: spearman high`);
    close(tau.low, c.kendallInterval[0], `${c.name}: kendall low`);
    close(tau.high, c.kendallInterval[1], `${c.name}: kendall high`);
  }
});

test('the seeded bootstrap: the same seed gives the same interval, another seed another; it brackets the estimate', () => {
  const c = fixture.cases[0];
  const a = pairedBootstrap(c.x, c.y, spearman, { resamples: 500, seed: 3 });
  const b = pairedBootstrap(c.x, c.y, spearman, { resamples: 500, seed: 3 });
  const d = pairedBootstrap(c.x, c.y, spearman, { resamples: 500, seed: 4 });
  assert.equal(a, b);
  assert.is.not(a.low, d.low);
  const rho = spearman(c.x, c.y);
  assert.ok(a.low < rho && rho < a.high, `${a.low} < ${rho} < ${a.high}`);
  assert.is(a.used, 500);
  assert.throws(() => bootstrapInterval(3, () => 0, { level: 1 }), /level/);
});

test('quantiles interpolate linearly between order statistics (numpy default)', () => {
  assert.is(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.is(quantileSorted([10, 20, 30, 40, 50], 0.025), 11);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

test('non-finite pairs are dropped; fewer than 3 pairs or a constant side is undefined', () => {
  assert.equal(finitePairs([1, NaN, 3, 4], [1, 2, Infinity, 5]), { x: [1, 4], y: [1, 5] });
  assert.is(spearman([1, 2, NaN, 3], [2, 4, 0, 9]), 1);
  assert.ok(Number.isNaN(spearman([1, 2], [1, 2])));
  assert.ok(Number.isNaN(kendall([1, 1, 1], [1, 2, 3])));
  assert.throws(() => spearman([1, 2, 3], [1, 2]), /one length/);
});

test('top-10% precision: the share of the proxy top k in the target top k, k = round(n / 10)', () => {
  const target = Array.from({ length: 20 }, (_, i) => i); // top 2: 19, 18
  assert.is(topPrecision(target, target), 1);
  assert.is(topPrecision(target.map((v) => -v), target), 0);
  const half = target.map((v) => (v === 19 ? 100 : v === 0 ? 99 : v)); // proxy top 2: 19 and 0
  assert.is(topPrecision(half, target), 0.5);
  assert.is(topPrecision([3, 2, 1], [1, 2, 3], 0.1), 0); // k = max(1, 0) = 1
});

test.run();
