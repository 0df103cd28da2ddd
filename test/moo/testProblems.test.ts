import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dasDennis, neighbourhoods, pbi, tchebycheff } from '../../src/moo/decomposition.ts';
import { nonDominated } from '../../src/moo/dominance.ts';
import {
  dtlz2,
  dtlz2Front,
  zdt1,
  zdt1Front,
  zdt2Front,
  zdt3,
  zdt3Front,
  zdt3Regions,
} from '../../src/moo/testProblems.ts';

test('zdt1: the optimum (x2..n = 0) lies on the front f2 = 1 - sqrt(f1)', () => {
  const { F } = zdt1().evaluate([[0.25, ...new Array(29).fill(0)]]) as { F: number[][] };
  assert.equal(F[0], [0.25, 0.5]);
  const front = zdt1Front(100);
  assert.is(front.length, 100);
  assert.equal(front[0], [0, 1]);
  assert.equal(front[99], [1, 0]);
  assert.equal(zdt2Front(3), [[0, 1], [0.5, 0.75], [1, 0]]);
});

const zdt3Curve = (x: number): number => 1 - Math.sqrt(x) - x * Math.sin(10 * Math.PI * x);

test('zdt3: regions match the published values; the front is non-dominated and on the curve', () => {
  // The values printed in the literature, to 1e-7: the usual table reads 0.182228780 for the second
  // start, which is 0.1822287280 with a digit dropped.
  const published = [
    [0, 0.0830015349],
    [0.182228780, 0.2577623634],
    [0.4093136748, 0.4538821041],
    [0.6183967944, 0.6525117038],
    [0.8233317983, 0.8518328654],
  ];
  const regions = zdt3Regions();
  assert.is(regions.length, 5);
  regions.forEach((r, i) => {
    assert.ok(Math.abs(r[0] - published[i][0]) < 1e-7, `start ${i}: ${r[0]}`);
    assert.ok(Math.abs(r[1] - published[i][1]) < 1e-8, `end ${i}: ${r[1]}`);
    // Each region starts where the curve falls back to the previous region's minimum.
    if (i > 0) assert.ok(Math.abs(zdt3Curve(r[0]) - zdt3Curve(regions[i - 1][1])) < 1e-14);
  });
  const front = zdt3Front(100);
  assert.is(front.length, 100);
  assert.is(nonDominated(front).length, 100);
  const { F } = zdt3().evaluate(front.map((f) => [f[0], ...new Array(29).fill(0)])) as { F: number[][] };
  F.forEach((f, i) => assert.ok(Math.abs(f[1] - front[i][1]) < 1e-12));
  // Points of the curve between regions are dominated by the front.
  assert.equal(nonDominated([...front, [0.13, zdt3Curve(0.13)]]), nonDominated(front));
});

test('dtlz2: optimal distance variables put the point on the unit sphere', () => {
  const p = dtlz2(12, 3);
  const { F } = p.evaluate([[0.3, 0.8, ...new Array(10).fill(0.5)]]) as { F: number[][] };
  assert.ok(Math.abs(Math.hypot(...F[0]) - 1) < 1e-12);
  const far = (p.evaluate([new Array(12).fill(0)]) as { F: number[][] }).F[0];
  assert.ok(Math.abs(Math.hypot(...far) - 3.5) < 1e-12); // g = 10 * 0.25
});

test('das-dennis: 91 directions for 3 objectives and 12 partitions, each summing to 1', () => {
  const W = dasDennis(3, 12);
  assert.is(W.length, 91);
  assert.ok(W.every((w) => Math.abs(w[0] + w[1] + w[2] - 1) < 1e-12 && w.every((v) => v >= 0)));
  assert.is(new Set(W.map((w) => w.join())).size, 91);
  assert.is(dasDennis(2, 99).length, 100);
  const front = dtlz2Front(W);
  assert.ok(front.every((f) => Math.abs(Math.hypot(...f) - 1) < 1e-12));
});

test('neighbourhoods: T nearest directions, itself first', () => {
  const W = dasDennis(2, 10);
  const N = neighbourhoods(W, 3);
  assert.equal(N[0], [0, 1, 2]);
  assert.equal(N[5], [5, 4, 6]);
  assert.is(neighbourhoods(W, 50)[0].length, 11);
});

test('decomposition: hand values of Tchebycheff and PBI', () => {
  assert.is(tchebycheff([3, 1], [0.5, 0.5], [1, 0]), 1);
  assert.is(tchebycheff([NaN, 1], [0.5, 0.5], [0, 0]), Infinity);
  // On the direction line: d2 = 0, d1 = |f - z|. Off it: (2, 0) along (1, 1) is d1 = sqrt 2, d2 = sqrt 2.
  assert.ok(Math.abs(pbi([1, 1], [1, 1], [0, 0], 5) - Math.SQRT2) < 1e-12);
  assert.ok(Math.abs(pbi([2, 0], [1, 1], [0, 0], 5) - 6 * Math.SQRT2) < 1e-12);
  assert.is(pbi([Infinity, 0], [0, 1], [0, 0]), Infinity);
});

test.run();
