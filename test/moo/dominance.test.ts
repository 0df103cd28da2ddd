import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crowdingDistance, dominates, nonDominated, nonDominatedSort } from '../../src/moo/dominance.ts';
import { MooInputError } from '../../src/moo/errors.ts';
import { Rng } from '../../src/util/rng.ts';

const isMooInputError = (e: unknown): boolean => e instanceof MooInputError;

function close(actual: number[], expected: number[], tol = 1e-12): void {
  assert.is(actual.length, expected.length);
  actual.forEach((v, i) => {
    const e = expected[i];
    assert.ok(v === e || Math.abs(v - e) <= tol, `index ${i}: ${v} vs ${e}`);
  });
}

test('sort: hand-worked fronts with a tie and a duplicate', () => {
  //          A       B       C       D (B beats it)  E (worst)  F = B
  const F = [[1, 5], [2, 3], [3, 1], [2, 4], [4, 4], [2, 3]];
  assert.equal(nonDominatedSort(F), [[0, 1, 2, 5], [3], [4]]);
});

test('sort: equal in one objective, better in the other, dominates', () => {
  assert.equal(nonDominatedSort([[1, 3], [1, 2], [1, 2]]), [[1, 2], [0]]);
  assert.ok(dominates([1, 2], [1, 3]));
  assert.not.ok(dominates([1, 2], [1, 2]));
});

test('sort: a single point, and no points', () => {
  assert.equal(nonDominatedSort([[3, 4]]), [[0]]);
  assert.equal(nonDominatedSort([]), []);
  assert.equal(nonDominated([]), []);
});

test('sort: NaN and Infinity count as worst, never crash', () => {
  const F = [[NaN, NaN], [1, 1], [Infinity, 0], [2, -Infinity], [0.5, NaN]];
  // -Infinity is also read as +Infinity: a diverged score must not look like the best one.
  const fronts = nonDominatedSort(F);
  assert.equal(fronts[0], [1, 2, 4]);
  assert.equal(fronts.flat().sort(), [0, 1, 2, 3, 4]);
  assert.equal(fronts.at(-1), [0]);
  assert.not.ok(dominates([NaN, 0], [5, 0]));
  assert.ok(dominates([5, 0], [NaN, 0]));
});

test('sort: constrained domination puts feasible first, then smaller violation', () => {
  const F = [[0, 0], [5, 5], [1, 1], [6, 6]];
  const CV = [2, 0, 1, 0];
  assert.equal(nonDominatedSort(F, CV), [[1], [3], [2], [0]]);
  assert.throws(() => nonDominatedSort(F, [0]), isMooInputError);
});

/** Fronts by definition: peel off the points no remaining point dominates. */
function bruteForceFronts(F: number[][]): number[][] {
  let left = F.map((_, i) => i);
  const fronts: number[][] = [];
  while (left.length > 0) {
    const front = left.filter((i) => !left.some((j) => dominates(F[j], F[i])));
    fronts.push(front);
    left = left.filter((i) => !front.includes(i));
  }
  return fronts;
}

test('sort: 2 and 3 objectives agree with the definition on random sets with ties and infinities', () => {
  const rng = new Rng(21);
  const pick = (): number => [Infinity, NaN][rng.integer(0, 30)] ?? rng.integer(0, 6);
  for (let trial = 0; trial < 200; trial++) {
    const nObj = trial % 2 === 0 ? 2 : 3;
    const F = Array.from({ length: rng.integer(1, 40) }, () => Array.from({ length: nObj }, pick));
    assert.equal(nonDominatedSort(F), bruteForceFronts(F));
  }
});

test('crowding: hand-worked four points', () => {
  // f1 range 5: (1,3) gets (2-0)/5 + (5-2)/5 = 1.0; (2,2) gets (5-1)/5 + (3-0)/5 = 1.4.
  close(crowdingDistance([[0, 5], [1, 3], [2, 2], [5, 0]]), [Infinity, 1.0, 1.4, Infinity]);
});

test('crowding: a duplicate gets 0 and leaves the others unchanged', () => {
  close(crowdingDistance([[0, 5], [1, 3], [2, 2], [5, 0], [2, 2]]), [Infinity, 1.0, 1.4, Infinity, 0]);
  close(crowdingDistance([[1, 1], [1, 1]]), [Infinity, 0]);
  close(crowdingDistance([[1, 1], [1, 1], [1, 1]]), [Infinity, 0, 0]);
});

test('crowding: one or two points are boundary points', () => {
  close(crowdingDistance([[3, 4]]), [Infinity]);
  close(crowdingDistance([[3, 4], [4, 3]]), [Infinity, Infinity]);
  assert.equal(crowdingDistance([]), []);
});

test('crowding: infinite values normalise by the finite range and never give NaN', () => {
  // f1 finite range 4: each interior point gets 2/4. f2 finite range 3: (2,2) and (3,1) get 2/3;
  // (1,3) sits next to the infinite value, so it is infinitely isolated.
  const d = crowdingDistance([[0, Infinity], [1, 3], [2, 2], [3, 1], [4, 0]]);
  close(d, [Infinity, Infinity, 0.5 + 2 / 3, 0.5 + 2 / 3, Infinity]);
  const withNaN = crowdingDistance([[0, NaN], [1, 3], [2, 2], [3, 1], [4, 0]]);
  close(withNaN, d);
  assert.ok(crowdingDistance([[Infinity, Infinity], [Infinity, Infinity], [1, Infinity], [NaN, 1]]).every((v) => !Number.isNaN(v)));
});

test('sort and crowding: ragged rows throw a clear MooInputError', () => {
  assert.throws(() => nonDominatedSort([[1, 2], [1]]), /objective row 1 has 1 values, expected 2/);
  assert.throws(() => crowdingDistance([[1, 2, 3], [1, 2]]), isMooInputError);
  assert.throws(() => dominates([1, 2], [1]), isMooInputError);
});

test.run();
