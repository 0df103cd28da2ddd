import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MooInputError } from '../../src/moo/errors.ts';
import { gd, hypervolume, igd } from '../../src/moo/indicators.ts';
import { Rng } from '../../src/util/rng.ts';

const isMooInputError = (e: unknown): boolean => e instanceof MooInputError;

const near = (a: number, b: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

test('hv 2d: hand cases', () => {
  assert.is(hypervolume([[1, 1]], [2, 3]), 2);
  assert.is(hypervolume([[0, 2], [1, 1], [2, 0]], [3, 3]), 6);
  // A dominated point, a duplicate and a point outside the reference add nothing.
  assert.is(hypervolume([[0, 2], [1, 1], [2, 0], [2, 2], [1, 1], [4, 0]], [3, 3]), 6);
  assert.is(hypervolume([[3, 0]], [3, 3]), 0);
  assert.is(hypervolume([], [1, 1]), 0);
  assert.is(hypervolume([[NaN, 0], [0, Infinity]], [1, 1]), 0);
});

test('hv 2d: linear front, exact staircase (m-1)/(2m), tends to 1/2', () => {
  for (const m of [1, 4, 99]) {
    const F = Array.from({ length: m + 1 }, (_, i) => [i / m, 1 - i / m]);
    near(hypervolume(F, [1, 1]), (m - 1) / (2 * m), 1e-14, `m=${m}`);
  }
});

test('hv 2d: quarter circle tends to 1 - pi/4', () => {
  const n = 20000;
  const F = Array.from({ length: n }, (_, i) => {
    const a = ((i / (n - 1)) * Math.PI) / 2;
    return [Math.cos(a), Math.sin(a)];
  });
  near(hypervolume(F, [1, 1]), 1 - Math.PI / 4, 2e-4, 'circle');
});

test('hv 3d: hand cases', () => {
  assert.is(hypervolume([[0, 0, 0]], [1, 2, 3]), 6);
  // Three unit-offset corners under ref 2: 3 * 4 - 3 * 2 + 1 by inclusion-exclusion.
  assert.is(hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [2, 2, 2]), 7);
  // All on one f3 level: the 2-D area times the height.
  assert.is(hypervolume([[0, 2, 1], [1, 1, 1], [2, 0, 1]], [3, 3, 4]), 6 * 3);
  assert.is(hypervolume([[0, 0, 5]], [1, 1, 1]), 0);
});

test('hv 3d: integer points against cell counting', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 30; trial++) {
    const F = Array.from({ length: 1 + rng.integer(0, 12) }, () => [rng.integer(0, 5), rng.integer(0, 5), rng.integer(0, 5)]);
    let cells = 0;
    for (let x = 0; x < 6; x++)
      for (let y = 0; y < 6; y++)
        for (let z = 0; z < 6; z++) if (F.some((p) => p[0] <= x && p[1] <= y && p[2] <= z)) cells++;
    assert.is(hypervolume(F, [6, 6, 6]), cells);
  }
});

test('hv 3d: sphere octant tends to 1 - pi/6', () => {
  const F: number[][] = [];
  const n = 120;
  for (let i = 0; i <= n; i++)
    for (let j = 0; j <= n; j++) {
      const a = ((i / n) * Math.PI) / 2;
      const b = ((j / n) * Math.PI) / 2;
      F.push([Math.cos(a) * Math.cos(b), Math.cos(a) * Math.sin(b), Math.sin(a)]);
    }
  near(hypervolume(F, [1, 1, 1]), 1 - Math.PI / 6, 0.01, 'sphere');
});

test('igd and gd: mean nearest distances', () => {
  const front = [[0, 1], [1, 0]];
  assert.is(igd(front, front), 0);
  assert.is(igd([[0, 1]], front), Math.SQRT2 / 2);
  assert.is(gd([[0, 1]], front), 0);
  assert.is(gd([[0, 2], [1, 0]], front), 0.5);
  assert.is(igd([], front), Infinity);
});

test('indicators: wrong lengths throw a clear MooInputError', () => {
  assert.throws(() => hypervolume([[1, 2]], [3, 3, 3]), /row 0 has 2 values, expected 3/);
  assert.throws(() => hypervolume([[1, 2, 3, 4]], [5, 5, 5, 5]), /2 or 3 objectives/);
  assert.throws(() => hypervolume([[1, 2]], [Infinity, 3]), isMooInputError);
  assert.throws(() => igd([[1, 2, 3]], [[0, 1]]), /igd F row 0 has 3 values, expected 2/);
  assert.throws(() => gd([[1, 2]], []), isMooInputError);
});

test.run();
