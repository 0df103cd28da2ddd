import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pack, unpack } from 'msgpackr';
import { dasDennis } from '../../src/moo/decomposition.ts';
import { MooInputError } from '../../src/moo/errors.ts';
import { igd } from '../../src/moo/indicators.ts';
import { Moead } from '../../src/moo/moead.ts';
import type { MoeadOptions, MoeadState } from '../../src/moo/moead.ts';
import type { Evaluation, Problem } from '../../src/moo/problem.ts';
import { dtlz2, dtlz2Front, zdt1, zdt1Front } from '../../src/moo/testProblems.ts';

const isMooInputError = (e: unknown): boolean => e instanceof MooInputError;
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

test('moead dtlz2 (12 vars, 3 obj), PBI, 91 directions, 250 gens, mean of 5 seeds: IGD <= 0.0010', async () => {
  const directions = dasDennis(3, 12);
  const front = dtlz2Front(directions);
  const values: number[] = [];
  for (const seed of [1, 2, 3, 4, 5]) {
    const result = await new Moead(dtlz2(12, 3), { directions, decomposition: 'pbi', seed }).run({ generations: 250 });
    assert.is(result.evaluations, 91 * 250);
    values.push(igd(result.front.F, front));
  }
  assert.ok(mean(values) <= 0.001, `dtlz2 IGD ${mean(values)} (${values.map((v) => v.toFixed(5)).join(', ')})`);
});

test('moead zdt1 with Tchebycheff reaches the front', async () => {
  const result = await new Moead(zdt1(), { nPartitions: 99, decomposition: 'tchebycheff', seed: 1 }).run({ generations: 150 });
  const value = igd(result.front.F, zdt1Front(100));
  assert.ok(value < 0.02, `zdt1 IGD ${value}`);
});

function asyncDtlz2(): Problem {
  const p = dtlz2(8, 3);
  return { ...p, evaluate: async (X: number[][]): Promise<Evaluation> => p.evaluate(X) };
}

for (const schedule of ['steady', 'batch'] as const) {
  test(`moead resume (${schedule}): stopped after gen 6, restored through msgpack == uninterrupted, bit for bit`, async () => {
    const options: MoeadOptions = { nPartitions: 6, nNeighbours: 8, seed: 5, schedule };
    const whole = new Moead(asyncDtlz2(), options);
    const wholeResult = await whole.run({ generations: 15 });

    const first = new Moead(asyncDtlz2(), options);
    await first.run({ generations: 6 });
    const state = unpack(pack(first.exportState())) as MoeadState;
    assert.is(state.directions.length, 28);
    assert.is(state.neighbours[0].length, 8);
    const resumed = Moead.restore(asyncDtlz2(), state, options);
    const resumedResult = await resumed.run({ generations: 15 });
    assert.equal(resumed.exportState(), whole.exportState());
    assert.equal(resumedResult.front, wholeResult.front);
  });
}

test('moead: one evaluate call per child (steady) or per generation (batch)', async () => {
  for (const [schedule, callsPerGen] of [['steady', 10], ['batch', 1]] as const) {
    let calls = 0;
    const base = zdt1(5);
    const counted: Problem = { ...base, evaluate: (X) => (calls++, base.evaluate(X)) };
    await new Moead(counted, { nPartitions: 9, schedule, seed: 1 }).run({ generations: 3 });
    assert.is(calls, 1 + 2 * callsPerGen, schedule);
  }
});

test('moead: NaN objectives never replace a neighbour and never crash', async () => {
  const base = dtlz2(8, 3);
  const broken: Problem = {
    ...base,
    evaluate: (X) => ({
      F: (base.evaluate(X) as Evaluation).F.map((f, i) => (X[i][0] > 0.8 ? [NaN, 1, Infinity] : X[i][0] < 0.1 ? [-Infinity, 0, 0] : f)),
    }),
  };
  const algo = new Moead(broken, { nPartitions: 6, seed: 2 });
  const result = await algo.run({ generations: 30 });
  assert.ok(result.front.F.every((f) => f.every(Number.isFinite)));
  assert.ok(algo.exportState().ideal.every(Number.isFinite));
});

test('moead: bad options and states throw a clear MooInputError', async () => {
  const p = dtlz2(8, 3);
  assert.throws(() => new Moead(p), /directions or options.nPartitions/);
  assert.throws(() => new Moead(p, { directions: [[0.5, 0.5], [1, 0]] }), /Moead directions row 0 has 2 values, expected 3/);
  assert.throws(() => new Moead(p, { nPartitions: 4, decomposition: 'weighted' as 'pbi' }), /unknown/);
  const algo = new Moead(p, { nPartitions: 4, seed: 1 });
  await algo.run({ generations: 2 });
  const state = algo.exportState();
  assert.throws(() => Moead.restore(p, { ...state, ideal: [0, 0] }), /state.ideal \(nObj\) has 2 values, expected 3/);
  assert.throws(() => Moead.restore(p, { ...state, neighbours: state.neighbours.slice(1) }), isMooInputError);
  assert.throws(() => Moead.restore(p, { ...state, X: state.X.slice(1) }), /state.X/);
  assert.throws(() => Moead.restore(p, { ...state, rng: [0, 0, 0, 0] }), /Rng state/);
  // The shared Rng throws RangeError; the optimiser's boundary keeps its own error type.
  assert.throws(() => Moead.restore(p, { ...state, rng: [1, 2, 3] }), isMooInputError);
  assert.throws(() => new Moead(p, { nPartitions: 4, seed: 0.5 }), isMooInputError);
});

test.run();
