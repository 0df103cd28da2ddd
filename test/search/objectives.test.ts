// The MSTF-NAS objectives (eq. 1) on hand-made values: normalisation over the set, a constant column,
// NaN as the worst, synflow on the log or raw scale, and the pick rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  finalPopulation, minMaxNormalise, mstfObjectives, pickIndex, type ArchitectureRecord, type ObjectiveDefinition, type RawValues,
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

test.run();
