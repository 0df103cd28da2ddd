// The protobuf writer against the encoding guide's examples and an independent reader: varints
// (multi-byte, 64-bit, negative as 10-byte two's complement), floats, strings, nested messages,
// packed floats and varints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtobufError, ProtoWriter } from '../../src/export/protobuf.ts';
import { fields, ints } from './proto-reader.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test("the encoding guide's examples: 150 in field 1, 'testing' in field 2, a nested message in field 3", () => {
  assert.is(hex(new ProtoWriter().int(1, 150).finish()), '089601');
  assert.is(hex(new ProtoWriter().string(2, 'testing').finish()), '120774657374696e67');
  assert.is(hex(new ProtoWriter().message(3, (m) => m.int(1, 150)).finish()), '1a03089601');
  // Packed repeated: field 4 holding 3, 270, 86942.
  assert.is(hex(new ProtoWriter().packedInts(4, [3, 270, 86942]).finish()), '2206038e029ea705');
});

test('varints: boundaries, 2^53 - 1, bigints up to 2^64 - 1, negatives as ten bytes; bad values refused', () => {
  const one = (v: number | bigint) => hex(new ProtoWriter().varint(v).finish());
  assert.is(one(0), '00');
  assert.is(one(127), '7f');
  assert.is(one(128), '8001');
  assert.is(one(2 ** 32), '8080808010');
  assert.is(one(Number.MAX_SAFE_INTEGER), 'ffffffffffffff0f');
  assert.is(one((1n << 64n) - 1n), 'ffffffffffffffffff01');
  assert.is(one(-1), 'ffffffffffffffffff01');
  assert.is(one(-2n), 'feffffffffffffffff01');
  assert.throws(() => new ProtoWriter().varint(0.5), (e: Error) => e instanceof ProtobufError);
  assert.throws(() => new ProtoWriter().varint(2 ** 60), (e: Error) => e instanceof ProtobufError);
  assert.throws(() => new ProtoWriter().varint(1n << 64n), (e: Error) => e instanceof ProtobufError);
  assert.throws(() => new ProtoWriter().int(0, 1), (e: Error) => e instanceof ProtobufError);
  assert.throws(() => new ProtoWriter().int(19000, 1), (e: Error) => e instanceof ProtobufError);
});

test('round trip through the reader: every wire type, a long message that outgrows the first buffer', () => {
  const values = Float32Array.from({ length: 5000 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
  const w = new ProtoWriter()
    .int(1, 7)
    .int(2, -3)
    .float(3, 0.1)
    .double(4, Math.PI)
    .string(5, 'Grüße')
    .packedFloats(6, values)
    .message(7, (m) => m.int(1, 1).int(1, 2).packedInts(1, [3, 4]))
    .int(8, true);
  const fs = fields(w.finish());
  assert.equal(fs.map((f) => [f.field, f.wire]), [[1, 0], [2, 0], [3, 5], [4, 1], [5, 2], [6, 2], [7, 2], [8, 0]]);
  assert.is(fs[0].varint, 7n);
  assert.is(BigInt.asIntN(64, fs[1].varint!), -3n);
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.is(view(fs[2].bytes!).getFloat32(0, true), Math.fround(0.1));
  assert.is(view(fs[3].bytes!).getFloat64(0, true), Math.PI);
  assert.is(new TextDecoder().decode(fs[4].bytes!), 'Grüße');
  const back = new Float32Array(fs[5].bytes!.slice().buffer);
  assert.equal([...back], [...values]);
  assert.equal(ints(fields(fs[6].bytes!), 1), [1, 2, 3, 4]);
  assert.is(fs[7].varint, 1n);
});

test.run();
