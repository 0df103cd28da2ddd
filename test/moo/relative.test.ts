// Problems whose objectives depend on the set compared (Problem.relativeTo, used by the MSTF-NAS
// search's min-max normalisation): NSGA-II asks for parents + offspring before survival, MOEA/D for
// the population + its children before placing them, and both survive on those values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Moead } from '../../src/moo/moead.ts';
import { Nsga2 } from '../../src/moo/nsga2.ts';
import type { Evaluation, Problem } from '../../src/moo/problem.ts';

/** Two objectives of a 2-variable box, min-max normalised over whatever set is given. */
class RelativeProblem implements Problem {
  readonly nVar = 2;
  readonly nObj = 2;
  readonly lower = [0, 0];
  readonly upper = [1, 1];
  readonly sizes: number[] = [];
  private raw(x: number[]): number[] {
    return [x[0], 1 - Math.sqrt(x[0]) + x[1]];
  }
  evaluate(X: number[][]): Evaluation {
    return { F: this.relativeTo(X, false) };
  }
  relativeTo(X: number[][], record = true): number[][] {
    if (record) this.sizes.push(X.length);
    const R = X.map((x) => this.raw(x));
    const lo = [0, 1].map((m) => Math.min(...R.map((r) => r[m])));
    const hi = [0, 1].map((m) => Math.max(...R.map((r) => r[m])));
    return R.map((r) => r.map((v, m) => (hi[m] > lo[m] ? (v - lo[m]) / (hi[m] - lo[m]) : 0)));
  }
}

test('NSGA-II normalises parents + offspring together before every survival', async () => {
  const p = new RelativeProblem();
  const result = await new Nsga2(p, { popSize: 10, seed: 3 }).run({ generations: 5 });
  assert.equal(p.sizes, [20, 20, 20, 20]);
  // The survivors' objectives are the ones relative to the last merged set: all in [0, 1].
  for (const f of result.F) assert.ok(f.every((v) => v >= 0 && v <= 1), `${f}`);
});

test('MOEA/D (batch schedule) normalises the population + its children before placing them', async () => {
  const p = new RelativeProblem();
  await new Moead(p, { nPartitions: 5, nNeighbours: 3, seed: 1, schedule: 'batch' }).run({ generations: 4 });
  assert.equal(p.sizes, [12, 12, 12]);
  const q = new RelativeProblem();
  await new Moead(q, { nPartitions: 5, nNeighbours: 3, seed: 1 }).run({ generations: 2 });
  assert.equal(q.sizes, Array(6).fill(7), 'steady: the population + each child');
});

test.run();
