import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pack, unpack } from 'msgpackr';
import { MooInputError } from '../../src/moo/errors.ts';
import { hypervolume, igd } from '../../src/moo/indicators.ts';
import { Nsga2 } from '../../src/moo/nsga2.ts';
import type { Nsga2State } from '../../src/moo/nsga2.ts';
import type { Evaluation, Problem } from '../../src/moo/problem.ts';
import { zdt1, zdt1Front, zdt2, zdt2Front, zdt3, zdt3Front } from '../../src/moo/testProblems.ts';
import type { TestProblem } from '../../src/moo/testProblems.ts';

const isMooInputError = (e: unknown): boolean => e instanceof MooInputError;
const seeds = [1, 2, 3, 4, 5];
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

async function finalFronts(problem: TestProblem): Promise<number[][][]> {
  const fronts: number[][][] = [];
  for (const seed of seeds) {
    const result = await new Nsga2(problem, { popSize: 100, seed }).run({ generations: 200 });
    assert.is(result.evaluations, 20000);
    fronts.push(result.front.F);
  }
  return fronts;
}

test('nsga2 zdt1, pop 100 x 200 gens, mean of 5 seeds: IGD <= 0.0060, HV(1.1, 1.1) >= 0.866', async () => {
  const fronts = await finalFronts(zdt1());
  const meanIgd = mean(fronts.map((F) => igd(F, zdt1Front(100))));
  const meanHv = mean(fronts.map((F) => hypervolume(F, [1.1, 1.1])));
  assert.ok(meanIgd <= 0.006, `zdt1 IGD ${meanIgd}`);
  assert.ok(meanHv >= 0.866, `zdt1 HV ${meanHv}`);
});

test('nsga2 zdt2: mean IGD <= 0.0060', async () => {
  const meanIgd = mean((await finalFronts(zdt2())).map((F) => igd(F, zdt2Front(100))));
  assert.ok(meanIgd <= 0.006, `zdt2 IGD ${meanIgd}`);
});

test('nsga2 zdt3 (disconnected front): mean IGD <= 0.0060', async () => {
  const meanIgd = mean((await finalFronts(zdt3())).map((F) => igd(F, zdt3Front(100))));
  assert.ok(meanIgd <= 0.006, `zdt3 IGD ${meanIgd}`);
});

/** ZDT1 that awaits, as GPU scoring does, so resume is checked across real promises. */
function asyncZdt1(): Problem {
  const p = zdt1(10);
  return { ...p, evaluate: async (X: number[][]): Promise<Evaluation> => p.evaluate(X) };
}

test('nsga2 resume: stopped after gen 7, state through msgpack, restored == uninterrupted, bit for bit', async () => {
  const options = { popSize: 24, seed: 42 };
  const whole = new Nsga2(asyncZdt1(), options);
  const wholeResult = await whole.run({ generations: 20 });

  const first = new Nsga2(asyncZdt1(), options);
  let saved: Uint8Array | null = null;
  await first.run({
    generations: 7,
    onGeneration: async ({ generation }) => {
      if (generation === 7) saved = pack(first.exportState());
    },
  });
  assert.ok(saved);
  const resumed = Nsga2.restore(asyncZdt1(), unpack(saved!) as Nsga2State, options);
  assert.is(resumed.generation, 7);
  const resumedResult = await resumed.run({ generations: 20 });
  assert.equal(resumed.exportState(), whole.exportState());
  assert.equal(resumedResult.F, wholeResult.F);
  assert.equal(resumedResult.front, wholeResult.front);
});

test('nsga2: callback after every generation, history when asked, evaluations counted', async () => {
  const seen: number[] = [];
  const result = await new Nsga2(zdt1(5), { popSize: 10, seed: 1 }).run({
    generations: 4,
    history: true,
    onGeneration: (info) => {
      seen.push(info.generation);
      assert.is(info.F.length, 10);
    },
  });
  assert.equal(seen, [1, 2, 3, 4]);
  assert.equal(result.history.map((h) => h.evaluations), [10, 20, 30, 40]);
  assert.is(result.generation, 4);
});

test('nsga2: NaN and Infinity objectives count as worst and never reach the front', async () => {
  const base = zdt1(6);
  const broken: Problem = {
    ...base,
    evaluate(X) {
      const { F } = base.evaluate(X) as Evaluation;
      return { F: F.map((f, i) => (X[i][1] > 0.6 ? [NaN, NaN] : X[i][1] > 0.3 ? [f[0], Infinity] : f)) };
    },
  };
  const result = await new Nsga2(broken, { popSize: 30, seed: 3 }).run({ generations: 30 });
  assert.ok(result.front.F.length > 0);
  assert.ok(result.front.F.every((f) => f.every(Number.isFinite)));
});

test('nsga2: integer variables stay integer, in bounds and unique', async () => {
  const problem: Problem = {
    nVar: 4,
    nObj: 2,
    lower: [0, 0, 0, 0],
    upper: [3, 3, 3, 3],
    varType: 'int',
    evaluate: (X) => ({ F: X.map((x) => [x.reduce((s, v) => s + v, 0), x.reduce((s, v) => s + (3 - v) ** 2, 0)]) }),
  };
  const result = await new Nsga2(problem, { popSize: 20, seed: 9 }).run({ generations: 25 });
  assert.ok(result.X.every((x) => x.every((v) => Number.isInteger(v) && v >= 0 && v <= 3)));
  assert.is(new Set(result.X.map((x) => x.join())).size, result.X.length);
  // f1 = s, f2 >= s^2/4... the optimum has all variables equal-ish; the front reaches both ends.
  const f1 = result.front.F.map((f) => f[0]);
  assert.ok(Math.min(...f1) === 0 && Math.max(...f1) === 12, `f1 range ${Math.min(...f1)}..${Math.max(...f1)}`);
});

test('nsga2: a tiny integer space runs out of new designs without hanging or crashing', async () => {
  const problem: Problem = {
    nVar: 1, nObj: 2, lower: [0], upper: [2], varType: 'int',
    evaluate: (X) => ({ F: X.map((x) => [x[0], 2 - x[0]]) }),
  };
  const algo = new Nsga2(problem, { popSize: 10, seed: 1 });
  const result = await algo.run({ generations: 5 });
  assert.equal(result.X.map((x) => x[0]).sort(), [0, 1, 2]);
  const restored = Nsga2.restore(problem, algo.exportState());
  assert.equal(restored.exportState(), algo.exportState());
});

test('nsga2: constraints keep the front feasible (f1 >= 0.5 on ZDT1)', async () => {
  const base = zdt1(10);
  const constrained: Problem = {
    ...base,
    nConstr: 1,
    evaluate: (X) => ({ F: (base.evaluate(X) as Evaluation).F, G: X.map((x) => [0.5 - x[0]]) }),
  };
  const result = await new Nsga2(constrained, { popSize: 40, seed: 2 }).run({ generations: 60 });
  assert.ok(result.front.F.every((f) => f[0] >= 0.5));
  assert.ok(result.CV.every((v) => v === 0));
});

test('nsga2: wrong-length results and states throw a clear MooInputError', async () => {
  const base = zdt1(5);
  const shortRows: Problem = { ...base, evaluate: (X) => ({ F: X.map(() => [1]) }) };
  await assertRejects(new Nsga2(shortRows, { popSize: 4 }).run({ generations: 1 }), /F row 0 \(nObj\) has 1 values, expected 2/);
  const fewRows: Problem = { ...base, evaluate: (X) => ({ F: X.slice(1).map(() => [1, 1]) }) };
  await assertRejects(new Nsga2(fewRows, { popSize: 4 }).run({ generations: 1 }), /has 3 values, expected 4/);
  const noG: Problem = { ...base, nConstr: 1 };
  await assertRejects(new Nsga2(noG, { popSize: 4 }).run({ generations: 1 }), /returned no G/);
  assert.throws(() => new Nsga2({ ...base, lower: [0, 0] }), /Problem.lower has 2 values, expected 5/);
  assert.throws(() => new Nsga2(base, { popSize: 1 }), isMooInputError);

  const algo = new Nsga2(base, { popSize: 4, seed: 1 });
  await algo.run({ generations: 2 });
  const state = algo.exportState();
  assert.throws(() => Nsga2.restore(zdt1(6), state), /state.X row 0 has 5 values, expected 6/);
  assert.throws(() => Nsga2.restore(base, { ...state, popSize: 8 }, { popSize: 4 }), /popSize 8/);
  assert.throws(() => Nsga2.restore(base, { ...state, algorithm: 'moead' } as unknown as Nsga2State), /moead/);
  assert.throws(() => Nsga2.restore(base, { ...state, F: state.F.slice(1) }), /state.F/);
});

async function assertRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof MooInputError, `not a MooInputError: ${e}`);
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable('expected a rejection');
}

test.run();
