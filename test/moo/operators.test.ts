import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  binaryTournament,
  defaultCrossover,
  defaultMutation,
  eliminateDuplicates,
  polynomialMutation,
  randomSample,
  repair,
  sbx,
} from '../../src/moo/operators.ts';
import { MooInputError } from '../../src/moo/errors.ts';
import { describeSpace } from '../../src/moo/problem.ts';
import type { Problem } from '../../src/moo/problem.ts';
import { Rng } from '../../src/util/rng.ts';

const isMooInputError = (e: unknown): boolean => e instanceof MooInputError;

function problem(varType: Problem['varType'], lower: number[], upper: number[]): Problem {
  return { nVar: lower.length, nObj: 2, lower, upper, varType, evaluate: (X) => ({ F: X.map(() => [0, 0]) }) };
}

test('sampling: reals inside bounds, integers are integers covering both ends', () => {
  const space = describeSpace(problem(['real', 'int'], [-1, 2], [1, 4]));
  const X = randomSample(space, 500, new Rng(1));
  assert.is(X.length, 500);
  assert.ok(X.every((x) => x[0] >= -1 && x[0] <= 1));
  assert.equal([...new Set(X.map((x) => x[1]))].sort(), [2, 3, 4]);
});

test('sbx and mutation: children stay in bounds; probability 0 copies the parents', () => {
  const space = describeSpace(problem('real', [0, 0, -5], [1, 1, 5]));
  const rng = new Rng(2);
  const p1 = [0.1, 0.9, -4];
  const p2 = [0.2, 0.3, 4.5];
  for (let i = 0; i < 2000; i++) {
    const [c1, c2] = sbx(p1, p2, space, rng, defaultCrossover);
    polynomialMutation(c1, space, rng, defaultMutation);
    for (const c of [c1, c2]) c.forEach((v, j) => assert.ok(v >= space.lower[j] && v <= space.upper[j]));
  }
  assert.equal(sbx(p1, p2, space, rng, { ...defaultCrossover, prob: 0 }), [p1, p2]);
  const x = p1.slice();
  polynomialMutation(x, space, rng, { eta: 20, probVar: 0 });
  assert.equal(x, p1);
});

test('sbx: children are spread symmetrically about the parents (mean preserved)', () => {
  const space = describeSpace(problem('real', [0], [1]));
  const rng = new Rng(3);
  let sum = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const [c1, c2] = sbx([0.4], [0.6], space, rng, { ...defaultCrossover, prob: 1, probVar: 1 });
    sum += c1[0] + c2[0];
  }
  assert.ok(Math.abs(sum / (2 * n) - 0.5) < 0.002);
});

test('mutation: default per-variable probability is min(0.5, 1/nVar)', () => {
  const space = describeSpace(problem('real', new Array(10).fill(0), new Array(10).fill(1)));
  const rng = new Rng(4);
  let changed = 0;
  const trials = 5000;
  for (let i = 0; i < trials; i++) {
    const x = new Array(10).fill(0.5);
    polynomialMutation(x, space, rng, defaultMutation);
    changed += x.filter((v) => v !== 0.5).length;
  }
  assert.ok(Math.abs(changed / (trials * 10) - 0.1) < 0.01, `rate ${changed / (trials * 10)}`);
});

test('integer variables: operators plus repair give integers in bounds, ends included', () => {
  const space = describeSpace(problem('int', [0, 0], [3, 1]));
  const rng = new Rng(5);
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const [c1, c2] = sbx([0, 0], [3, 1], space, rng, defaultCrossover);
    for (const c of [c1, c2]) {
      polynomialMutation(c, space, rng, { eta: 3, probVar: 0.5 });
      repair(c, space);
      assert.ok(c.every(Number.isInteger));
      assert.ok(c[0] >= 0 && c[0] <= 3 && c[1] >= 0 && c[1] <= 1);
      seen.add(c.join());
    }
  }
  assert.is(seen.size, 8);
  const x = [2.5, -7];
  repair(x, describeSpace(problem(['int', 'real'], [0, -1], [5, 1])));
  assert.equal(x, [3, -1]);
});

test('duplicates: removed against the population and within the batch', () => {
  const kept = eliminateDuplicates([[1, 2], [3, 4], [1, 2], [5, 6], [3, 4]], [[5, 6]]);
  assert.equal(kept, [[1, 2], [3, 4]]);
});

test('tournament: the better contestant wins, ties are split at random', () => {
  const rng = new Rng(6);
  const winners = binaryTournament(1000, 10, rng, (a, b) => (a < b ? a : b));
  assert.ok(winners.every((w) => w !== 9)); // the worst wins no tournament
  const tied = binaryTournament(4000, 2, rng, () => -1);
  const zeros = tied.filter((w) => w === 0).length;
  assert.ok(Math.abs(zeros / 4000 - 0.5) < 0.03);
});

test('problem description: wrong bounds or types throw a clear MooInputError', () => {
  assert.throws(() => describeSpace(problem('real', [0, 0], [1])), /Problem.upper has 1 values, expected 2/);
  assert.throws(() => describeSpace(problem(['real'], [0, 0], [1, 1])), /Problem.varType has 1 values, expected 2/);
  assert.throws(() => describeSpace(problem('int', [0.5], [2])), isMooInputError);
  assert.throws(() => describeSpace(problem('real', [2], [1])), /lower <= upper/);
  assert.throws(() => describeSpace({ ...problem('real', [0], [1]), nObj: 0 }), /nObj/);
});

test.run();
