// A protocol-buffers writer: just what an ONNX model needs (https://protobuf.dev/programming-guides/encoding/).
// A message is a sequence of fields, each a key (field number << 3 | wire type) as a varint, then:
//   wire type 0 (VARINT)  integers and booleans, 7 bits per byte, least significant first; a negative
//                         int32/int64 is its 64-bit two's complement (always 10 bytes)
//   wire type 1 (I64)     double, fixed64: 8 bytes little-endian
//   wire type 2 (LEN)     a varint length, then that many bytes: strings (UTF-8), bytes, nested
//                         messages, and packed repeated numbers (their encodings back to back)
//   wire type 5 (I32)     float, fixed32: 4 bytes little-endian
// A nested message is written into its own writer first, so that its length is known.

/** A value that does not fit the field it is written to. */
export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_64 = 1n << 64n;
const encoder = new TextEncoder();

function checkField(field: number): void {
  if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff || (field >= 19000 && field <= 19999)) {
    throw new ProtobufError(`field number ${field} is not allowed (1 to 2^29 - 1, not 19000-19999)`);
  }
}

/** Appends protobuf fields to a growing buffer; `finish()` returns the message's bytes. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }

  private ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /**
   * A bare varint. Numbers must be whole and within int64's range (negative ones are written as
   * their 64-bit two's complement, as int32 and int64 fields are); bigints within [-2^63, 2^64).
   */
  varint(value: number | bigint): this {
    let v: bigint;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new ProtobufError(`varint: ${value} is not a whole number within +-(2^53 - 1)`);
      if (value >= 0 && value < 0x80) {
        this.ensure(1);
        this.buf[this.at++] = value;
        return this;
      }
      v = BigInt(value);
    } else {
      v = value;
    }
    if (v < -(1n << 63n) || v >= TWO_64) throw new ProtobufError(`varint: ${v} is outside the 64-bit range`);
    if (v < 0n) v += TWO_64;
    this.ensure(10);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.buf[this.at++] = v > 0n ? low | 0x80 : low;
    } while (v > 0n);
    return this;
  }

  /** A field's key: field number and wire type. */
  tag(field: number, wire: number): this {
    checkField(field);
    return this.varint(field * 8 + wire);
  }

  /** int32, int64, uint32, uint64, enum and bool fields (wire type 0). */
  int(field: number, value: number | bigint | boolean): this {
    return this.tag(field, WIRE_VARINT).varint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }

  /** A float field (wire type 5): the value rounded to f32. */
  float(field: number, value: number): this {
    this.tag(field, WIRE_I32);
    this.ensure(4);
    this.view.setFloat32(this.at, value, true);
    this.at += 4;
    return this;
  }

  /** A double field (wire type 1). */
  double(field: number, value: number): this {
    this.tag(field, WIRE_I64);
    this.ensure(8);
    this.view.setFloat64(this.at, value, true);
    this.at += 8;
    return this;
  }

  /** A bytes field (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.at);
    this.at += value.length;
    return this;
  }

  /** A string field: UTF-8 bytes (wire type 2). */
  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  /** A nested message field: `write` fills a fresh writer, whose bytes are then length-prefixed. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finishView());
  }

  /** A packed repeated float field: the f32 values little-endian, back to back (wire type 2). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    this.tag(field, WIRE_LEN).varint(values.length * 4);
    this.ensure(values.length * 4);
    for (let i = 0; i < values.length; i++) this.view.setFloat32(this.at + 4 * i, values[i], true);
    this.at += values.length * 4;
    return this;
  }

  /** A packed repeated int32/int64 field: the varints back to back (wire type 2). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finishView());
  }

  /** The bytes written, as a view of the internal buffer (valid until the next write). */
  private finishView(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  /** The message's bytes (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}
