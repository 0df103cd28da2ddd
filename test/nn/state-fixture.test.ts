// Saved model states must keep loading, name for name and value for value, and the same seed must
// keep building the same weights: saved models and seeded searches stay reproducible across
// versions. fixtures/state-v1-tiny.msgpack was written by an earlier build in format version 1 (no
// checksum); fixtures/state-v2-tiny.mednas is the same network in the current format (envelope 2),
// fixtures/state-v2-envelope1-tiny.mednas in state version 2 inside envelope 1 (before issue 23).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeState, encodeState, loadState } from '../../src/nn/state.ts';
import { testRuntime } from '../gpu.ts';
import { tinyFixtureNet } from '../../fixtures/tiny-net.ts';

const rt = await testRuntime();
const fixtures = resolve(import.meta.dirname, '..', '..', 'fixtures');
const v1 = new Uint8Array(readFileSync(resolve(fixtures, 'state-v1-tiny.msgpack')));
const v2 = new Uint8Array(readFileSync(resolve(fixtures, 'state-v2-tiny.mednas')));
/** The same version-2 state in envelope 1 (the binary header written before issue 23). */
const v2Envelope1 = new Uint8Array(readFileSync(resolve(fixtures, 'state-v2-envelope1-tiny.mednas')));

test('the version-1 fixture loads, says it had no checksum, and saves as the version-2 fixture byte for byte', async () => {
  const net = tinyFixtureNet(rt, 1); // a different seed: every value must come from the file
  const info = loadState(net, v1, 'fixtures/state-v1-tiny.msgpack');
  assert.equal([info.version, info.checksum, info.tensorCount], [1, null, 9]);
  assert.match(info.notice ?? '', /fixtures\/state-v1-tiny\.msgpack is a version-1 state file, which carries no checksum/);
  assert.equal(Array.from(await encodeState(net)), Array.from(v2));
  net.dispose();
});

test('the version-2 fixture loads with its CRC-32 checked and round-trips byte for byte', async () => {
  const net = tinyFixtureNet(rt, 2);
  const info = loadState(net, v2, 'fixtures/state-v2-tiny.mednas');
  assert.equal([info.version, info.checksum, info.notice], [2, 'crc32', null]);
  assert.equal(Array.from(await encodeState(net)), Array.from(v2));
  net.dispose();
});

test('the version-2 state in envelope 1 still loads, CRC-32 checked, and saves in envelope 2', async () => {
  const net = tinyFixtureNet(rt, 3);
  const info = loadState(net, v2Envelope1, 'fixtures/state-v2-envelope1-tiny.mednas');
  assert.equal([info.version, info.checksum, info.notice], [2, 'crc32', null]);
  assert.equal(Array.from(await encodeState(net)), Array.from(v2));
  net.dispose();
});

test('all three fixtures hold the same names, shapes and f32 bits', () => {
  const a = decodeState(v1);
  for (const other of [v2, v2Envelope1]) {
    const b = decodeState(other);
    assert.equal([...a.tensors.keys()], [...b.tensors.keys()]);
    for (const [name, t] of a.tensors) {
      const u = b.tensors.get(name)!;
      assert.equal(u.shape, t.shape, name);
      assert.equal(new Uint32Array(u.values.buffer), new Uint32Array(t.values.buffer), name);
    }
  }
});

test('the same seed still builds the weights the fixtures recorded', async () => {
  const net = tinyFixtureNet(rt);
  assert.equal(Array.from(await encodeState(net)), Array.from(v2));
  net.dispose();
});

test.run();
