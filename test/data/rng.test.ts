import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/data/rng.ts';

test('rng: saved state replays the same stream (normals included)', () => {
  const r = new Rng(11);
  r.normal(); // leaves a spare normal cached
  const saved = JSON.parse(JSON.stringify(r.getState()));
  const a = [r.normal(), r.next(), r.gamma(0.5), r.int(10)];
  const b = Rng.fromState(saved);
  assert.equal([b.normal(), b.next(), b.gamma(0.5), b.int(10)], a);
});

test('rng: streams from (seed, ids) are distinct and reproducible', () => {
  assert.is(new Rng(1, 2, 3).nextU32(), new Rng(1, 2, 3).nextU32());
  assert.is.not(new Rng(1, 2, 3).nextU32(), new Rng(1, 3, 2).nextU32());
  assert.is.not(new Rng(1).nextU32(), new Rng(2).nextU32());
});

test('rng: Dirichlet sums to 1; Beta(1,1) and Gamma means are right', () => {
  const r = new Rng(5);
  const w = r.dirichlet(1, 3);
  assert.ok(Math.abs(w[0] + w[1] + w[2] - 1) < 1e-12);
  let beta = 0;
  let gamma = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    beta += r.beta(1, 1);
    gamma += r.gamma(2.5);
  }
  assert.ok(Math.abs(beta / n - 0.5) < 0.01, `beta mean ${beta / n}`);
  assert.ok(Math.abs(gamma / n - 2.5) < 0.05, `gamma mean ${gamma / n}`);
});

test('rng: int is uniform over its range; shuffle is a permutation', () => {
  const r = new Rng(9);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[r.int(6)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, String(counts));
  const arr = Int32Array.from({ length: 50 }, (_, i) => i);
  r.shuffle(arr);
  assert.equal([...arr].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

test.run();
