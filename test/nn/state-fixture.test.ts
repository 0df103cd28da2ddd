// A model state saved by an earlier build (fixtures/state-v1-tiny.msgpack) must keep loading, name
// for name and value for value, and the same seed must keep building the same weights: saved models
// and seeded searches stay reproducible across versions.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeState, loadState } from '../../src/nn/state.ts';
import { testRuntime } from '../gpu.ts';
import { tinyFixtureNet } from '../../fixtures/tiny-net.ts';

const rt = await testRuntime();
const fixture = new Uint8Array(readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'state-v1-tiny.msgpack')));

test('the version-1 fixture loads into the tiny network and round-trips byte for byte', async () => {
  const net = tinyFixtureNet(rt, 1); // a different seed: every value must come from the file
  loadState(net, fixture, 'fixtures/state-v1-tiny.msgpack');
  assert.equal(Array.from(await encodeState(net)), Array.from(fixture));
  net.dispose();
});

test('the same seed still builds the weights the fixture recorded', async () => {
  const net = tinyFixtureNet(rt);
  assert.equal(Array.from(await encodeState(net)), Array.from(fixture));
  net.dispose();
});

test.run();
