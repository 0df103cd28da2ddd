import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pack, unpack } from 'msgpackr';
import { MooInputError } from '../../src/moo/errors.ts';
import { Rng } from '../../src/moo/rng.ts';

const isMooInputError = (e: unknown): boolean => e instanceof MooInputError;

test('rng: same seed, same stream; different seeds differ', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const sa = Array.from({ length: 20 }, () => a.nextUint32());
  const sb = Array.from({ length: 20 }, () => b.nextUint32());
  const sc = Array.from({ length: 20 }, () => c.nextUint32());
  assert.equal(sa, sb);
  assert.not.equal(sa, sc);
});

test('rng: state round-trips exactly through msgpack and JSON', () => {
  const a = new Rng(123);
  for (let i = 0; i < 1000; i++) a.uniform();
  const viaMsgpack = Rng.fromState(unpack(pack(a.state())));
  const viaJson = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
  const expected = Array.from({ length: 50 }, () => a.uniform());
  assert.equal(Array.from({ length: 50 }, () => viaMsgpack.uniform()), expected);
  assert.equal(Array.from({ length: 50 }, () => viaJson.uniform()), expected);
});

test('rng: uniform in [0,1) with mean 1/2; integer covers both ends; normal has mean 0, variance 1', () => {
  const r = new Rng(1);
  let sum = 0;
  const n = 200000;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.005);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const k = r.integer(-2, 2);
    assert.ok(Number.isInteger(k) && k >= -2 && k <= 2);
    seen.add(k);
  }
  assert.is(seen.size, 5);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s1 += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s1 / n) < 0.01, `normal mean ${s1 / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `normal variance ${s2 / n}`);
});

test('rng: permutation holds every index once', () => {
  const p = new Rng(3).permutation(50);
  assert.equal(p.slice().sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

test('rng: bad seeds and states throw MooInputError', () => {
  assert.throws(() => new Rng(0.5), isMooInputError);
  assert.throws(() => Rng.fromState([1, 2, 3]), /four uint32/);
  assert.throws(() => Rng.fromState([0, 0, 0, 0]), isMooInputError);
  assert.throws(() => Rng.fromState([1, 2, 3, -1]), isMooInputError);
});

test.run();
