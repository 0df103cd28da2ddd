// Damaged state files: every single-byte change (all 255 other values of every byte) and every
// truncation of the version-1 fixture and of the version-2 fixture either loads exactly what the
// file says or raises FileFormatError; never a raw TypeError, never a silent partial load. Checked
// at the decode level (decodeState + checkStateFits against the real network's names and shapes),
// so no case needs a GPU round trip.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { unpack } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkStateFits, decodeState, type DecodedState } from '../../src/nn/state.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { testRuntime } from '../gpu.ts';
import { tinyFixtureNet } from '../../fixtures/tiny-net.ts';

const rt = await testRuntime();
const fixtures = resolve(import.meta.dirname, '..', '..', 'fixtures');
const v1 = new Uint8Array(readFileSync(resolve(fixtures, 'state-v1-tiny.msgpack')));
const v2 = new Uint8Array(readFileSync(resolve(fixtures, 'state-v2-tiny.mednas')));
const net = tinyFixtureNet(rt);
const entries = net.stateEntries().map(([name, t]) => [name, { shape: t.shape }] as const);
net.dispose();

type Outcome = { kind: 'error' } | { kind: 'loaded'; state: DecodedState } | { kind: 'wrong'; error: unknown };

function tryLoad(bytes: Uint8Array): Outcome {
  try {
    const state = decodeState(bytes, 'damaged.state');
    checkStateFits(state, entries, 'damaged.state');
    return { kind: 'loaded', state };
  } catch (e) {
    if (e instanceof FileFormatError && e.message.startsWith('damaged.state')) return { kind: 'error' };
    return { kind: 'wrong', error: e };
  }
}

/** The bits of every tensor, by name. */
function bits(state: DecodedState): Map<string, Uint32Array> {
  return new Map([...state.tensors].map(([n, t]) => [n, new Uint32Array(t.values.buffer, t.values.byteOffset, t.values.length)]));
}

/** True when `state` holds exactly `expected`'s bits, but for byte `change.at` of tensor `change.name` xor `change.delta`. */
function holds(state: DecodedState, expected: Map<string, Uint32Array>, change?: { name: string; at: number; delta: number }): boolean {
  if (state.tensors.size !== expected.size) return false;
  for (const [n, want] of expected) {
    const t = state.tensors.get(n);
    if (!t || t.values.length !== want.length) return false;
    const got = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    const ref = new Uint8Array(want.buffer, want.byteOffset, want.byteLength);
    for (let i = 0; i < ref.length; i++) {
      const w = change && change.name === n && change.at === i ? ref[i] ^ change.delta : ref[i];
      if (got[i] !== w) return false;
    }
  }
  return true;
}

const reference = bits(decodeState(v2));

test('the version-2 fixture: every changed byte and every truncation is refused with FileFormatError', () => {
  const wrong: string[] = [];
  let refused = 0;
  for (let at = 0; at < v2.length; at++) {
    for (let delta = 1; delta < 256; delta++) {
      const bad = v2.slice();
      bad[at] ^= delta;
      const r = tryLoad(bad);
      if (r.kind === 'error') refused++;
      else if (wrong.length < 5) wrong.push(`byte ${at} ^ ${delta}: ${r.kind === 'loaded' ? 'loaded' : String(r.error)}`);
    }
  }
  for (let length = 0; length < v2.length; length++) {
    const r = tryLoad(v2.subarray(0, length));
    if (r.kind === 'error') refused++;
    else if (wrong.length < 5) wrong.push(`first ${length} bytes: ${r.kind === 'loaded' ? 'loaded' : String(r.error)}`);
  }
  assert.equal(wrong, []);
  assert.is(refused, v2.length * 256);
});

test('the version-1 fixture (no checksum): a change loads only as exactly what the file then says, else FileFormatError', () => {
  // Where each tensor's f32 bytes sit in the file: a change there is a different, valid value that a
  // checksum-less format cannot notice; a change anywhere else must be refused or change nothing.
  const raw = unpack(v1) as { tensors: Record<string, { data: Uint8Array }> };
  const regions = Object.entries(raw.tensors).map(([name, t]) => ({ name, start: t.data.byteOffset - v1.byteOffset, bytes: t.data.length }));
  assert.ok(holds(decodeState(v1), reference), 'the intact fixtures agree');
  const wrong: string[] = [];
  const counts = { refused: 0, sameValues: 0, changedValue: 0 };
  for (let at = 0; at < v1.length; at++) {
    const region = regions.find((r) => at >= r.start && at < r.start + r.bytes);
    for (let delta = 1; delta < 256; delta++) {
      const bad = v1.slice();
      bad[at] ^= delta;
      const r = tryLoad(bad);
      if (r.kind === 'error') {
        counts.refused++;
        continue;
      }
      if (r.kind === 'wrong') {
        if (wrong.length < 5) wrong.push(`byte ${at} ^ ${delta}: ${(r.error as Error)?.name}: ${(r.error as Error)?.message}`);
        continue;
      }
      if (!holds(r.state, reference, region && { name: region.name, at: at - region.start, delta })) {
        if (wrong.length < 5) wrong.push(`byte ${at} ^ ${delta}: loaded values that the file does not hold`);
        continue;
      }
      if (region) counts.changedValue++;
      else counts.sameValues++;
    }
  }
  for (let length = 0; length < v1.length; length++) {
    const r = tryLoad(v1.subarray(0, length));
    if (r.kind === 'error') counts.refused++;
    else if (wrong.length < 5) wrong.push(`first ${length} bytes: ${r.kind}`);
  }
  assert.equal(wrong, []);
  const dataBytes = regions.reduce((s, r) => s + r.bytes, 0);
  // Every change inside the f32 data loads as that one changed value; everything else in the file
  // (names, keys, shapes, lengths, the header fields) is refused or, where msgpack allows two
  // spellings of the same value, reads the same.
  assert.is(counts.changedValue, dataBytes * 255);
  assert.is(counts.refused + counts.sameValues + counts.changedValue, v1.length * 256);
});

test.run();
