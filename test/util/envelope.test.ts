// The file envelope: round trips, and every way a file can be wrong gives FileFormatError naming
// the file (no GPU needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 } from '../../src/util/crc32.ts';
import { Packr, Unpackr } from 'msgpackr';
import { decodeEnvelope, encodeEnvelope, encodeEnvelopeV1, isEnvelope } from '../../src/util/envelope.ts';
import { FieldChecker } from '../../src/util/fields.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';

const opts = { format: 'mednas-test', versions: [2, 3], source: 'x.bin' };

function fault(fn: () => unknown): FileFormatError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, FileFormatError, String(e));
    assert.ok((e as Error).message.startsWith('x.bin: '), (e as Error).message);
    return e as FileFormatError;
  }
  throw new Error('expected a FileFormatError');
}

test('raw bytes and msgpack values round-trip, with format, version and CRC-32 reported', () => {
  const raw = Uint8Array.from([0, 1, 2, 250, 255]);
  const a = decodeEnvelope(encodeEnvelope('mednas-test', 3, raw), opts);
  assert.equal([a.format, a.version, a.encoding], ['mednas-test', 3, 'bytes']);
  assert.equal(Array.from(a.payload as Uint8Array), Array.from(raw));
  const value = { name: 'n', list: [1, 2.5, -3], nested: { ok: true, none: null }, blob: Uint8Array.from([9, 8]) };
  const b = decodeEnvelope(encodeEnvelope('mednas-test', 2, value), opts);
  assert.is(b.encoding, 'msgpack');
  const p = b.payload as typeof value;
  assert.equal([p.name, p.list, p.nested], [value.name, value.list, value.nested]);
  assert.equal(Array.from(p.blob), [9, 8]);
  assert.ok(isEnvelope(encodeEnvelope('mednas-test', 2, null)));
  assert.not.ok(isEnvelope(Uint8Array.from([0x89, 0x4d])));
  // The same value gives the same bytes (files are comparable and reproducible).
  assert.equal(Array.from(encodeEnvelope('mednas-test', 2, value)), Array.from(encodeEnvelope('mednas-test', 2, value)));
});

test('bad names and versions are refused when writing', () => {
  for (const [format, version] of [['', 1], ['Upper', 1], ['a b', 1], ['x'.repeat(65), 1], ['ok', 0], ['ok', 1.5], ['ok', -1]] as const) {
    assert.throws(() => encodeEnvelope(format, version, null), RangeError, `${format} ${version}`);
  }
});

test('not an envelope, another format, versions newer and older: each says what to do', () => {
  assert.match(fault(() => decodeEnvelope(new Uint8Array(0), opts)).message, /0 bytes long/);
  assert.match(fault(() => decodeEnvelope(new TextEncoder().encode('{"json": true}'), opts)).message, /not a mednas file/);
  assert.match(fault(() => decodeEnvelope(encodeEnvelope('mednas-other', 2, 1), opts)).message, /is a mednas-other file, not mednas-test/);
  assert.match(fault(() => decodeEnvelope(encodeEnvelope('mednas-test', 9, 1), opts)).message, /version 9; this mednas reads version 2, 3\. .*upgrade mednas/);
  assert.match(fault(() => decodeEnvelope(encodeEnvelope('mednas-test', 1, 1), opts)).message, /version 1; .*old mednas/);
});

test('every changed byte (all 255 other values) and every truncation of a file is refused', () => {
  const good = encodeEnvelope('mednas-test', 2, { weights: Uint8Array.from({ length: 40 }, (_, i) => i * 7), note: 'abc' });
  let refused = 0;
  for (let at = 0; at < good.length; at++) {
    for (let delta = 1; delta < 256; delta++) {
      const bad = good.slice();
      bad[at] ^= delta;
      fault(() => decodeEnvelope(bad, opts));
      refused++;
    }
  }
  for (let n = 0; n < good.length; n++) {
    assert.match(fault(() => decodeEnvelope(good.subarray(0, n), opts)).message, /truncated|too short|not a mednas file/, `length ${n}`);
    refused++;
  }
  assert.is(refused, good.length * 256);
  const longer = new Uint8Array(good.length + 3);
  longer.set(good);
  assert.match(fault(() => decodeEnvelope(longer, opts)).message, /3 bytes after its end/);
});

test('a damaged payload behind a matching checksum (a writer bug) is still a FileFormatError', () => {
  // Envelope 2: a payload that is not msgpack, said to be msgpack, with a CRC that matches.
  const body = Uint8Array.from([0x92, 0x01]); // an array of 2 holding 1 value
  const head = new TextEncoder().encode('mednas-test\n2\nmsgpack\n');
  const doc = new Packr({ useRecords: false }).pack({ mednas: 2, format: 'mednas-test', version: 2, encoding: 'msgpack', crc32: crc32(body, crc32(head)), payload: body });
  assert.match(fault(() => decodeEnvelope(doc, opts)).message, /not valid msgpack/);
  // Envelope 1, the same.
  const good = encodeEnvelopeV1('mednas-test', 2, body);
  const nameEnd = 9 + good[8];
  const bad = good.slice();
  bad[nameEnd + 4] = 1; // say "msgpack"
  const view = new DataView(bad.buffer);
  view.setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)), true);
  assert.match(fault(() => decodeEnvelope(bad, opts)).message, /not valid msgpack/);
});

test('envelope 1 files (written before issue 23) still load; a header written another way is refused', () => {
  const value = { weights: Uint8Array.from([1, 2, 3]), note: 'abc' };
  const old = decodeEnvelope(encodeEnvelopeV1('mednas-test', 2, value), opts);
  assert.equal({ ...old, crc32: 0 }, { ...decodeEnvelope(encodeEnvelope('mednas-test', 2, value), opts), crc32: 0 });
  assert.ok(isEnvelope(encodeEnvelopeV1('mednas-test', 2, value)));
  // The same header values with the CRC as a 64-bit integer: msgpack-equal, not mednas's bytes.
  const d = new Unpackr({ useRecords: false }).unpack(encodeEnvelope('mednas-test', 2, value)) as Record<string, unknown>;
  const packr = new Packr({ useRecords: false, useFloat32: 0, largeBigIntToFloat: false });
  const wide = packr.pack({ ...d, crc32: BigInt(d.crc32 as number) });
  assert.match(fault(() => decodeEnvelope(wide, opts)).message, /not written the way mednas writes it|damaged header/);
});

test('FieldChecker: each wrong type names the field and what was expected', () => {
  const f = new FieldChecker('x.bin');
  assert.match(fault(() => f.record(null, 'tensors')).message, /tensors is null, expected a map/);
  assert.match(fault(() => f.record([1], 'tensors')).message, /an array of 1, expected a map/);
  assert.match(fault(() => f.integer('1', 'version', 1)).message, /version is the string "1", expected an integer >= 1/);
  assert.match(fault(() => f.integer(0, 'version', 1)).message, /the number 0, expected an integer >= 1/);
  assert.match(fault(() => f.integer(2.5, 'n')).message, /the number 2.5/);
  assert.match(fault(() => f.integer(undefined, 'version')).message, /version is missing/);
  assert.match(fault(() => f.bytes('x', 'data')).message, /expected binary data/);
  assert.match(fault(() => f.integers([1, -1], 'shape')).message, /shape\[1\] is the number -1/);
  assert.match(fault(() => f.keys({ shapf: 1, data: 2 }, 't', ['shape', 'data'])).message, /t has no 'shape' and unknown "shapf"/);
  assert.match(fault(() => f.number(NaN, 'lr')).message, /lr is the number NaN, expected a finite number/);
  assert.equal(f.integers([4, 1, 3], 'shape'), [4, 1, 3]);
});

test.run();

