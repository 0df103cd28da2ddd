// A protobuf reader for the tests, written independently of src/export/protobuf.ts: it splits a
// message into its fields (accepting packed and unpacked repeated numbers, as protobuf parsers
// must) and decodes the parts of an ONNX ModelProto the tests look at.

export interface Field {
  readonly field: number;
  readonly wire: number;
  /** VARINT: the value; I32/I64: the raw bytes; LEN: the bytes. */
  readonly varint?: bigint;
  readonly bytes?: Uint8Array;
}

function readVarint(b: Uint8Array, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= b.length) throw new Error('truncated varint');
    const byte = b[at++];
    v |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [v, at];
    shift += 7n;
    if (shift > 63n) throw new Error('varint longer than 10 bytes');
  }
}

export function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < b.length) {
    const [key, next] = readVarint(b, at);
    at = next;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, n] = readVarint(b, at);
      at = n;
      out.push({ field, wire, varint: v });
    } else if (wire === 2) {
      const [len, n] = readVarint(b, at);
      at = n + Number(len);
      if (at > b.length) throw new Error(`field ${field}: length ${len} runs past the end`);
      out.push({ field, wire, bytes: b.subarray(n, at) });
    } else if (wire === 5 || wire === 1) {
      const size = wire === 5 ? 4 : 8;
      out.push({ field, wire, bytes: b.subarray(at, at + size) });
      at += size;
    } else {
      throw new Error(`wire type ${wire} at byte ${at}`);
    }
  }
  if (at !== b.length) throw new Error('message overruns its bytes');
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const signed = (v: bigint) => Number(BigInt.asIntN(64, v));
const of = (fs: Field[], n: number) => fs.filter((f) => f.field === n);
const str = (fs: Field[], n: number) => of(fs, n).map((f) => text(f.bytes!));
const one = (fs: Field[], n: number) => of(fs, n)[0];

/** Repeated int64 values, packed or not. */
export function ints(fs: Field[], n: number): number[] {
  const out: number[] = [];
  for (const f of of(fs, n)) {
    if (f.wire === 0) out.push(signed(f.varint!));
    else for (let at = 0; at < f.bytes!.length; ) {
      const [v, next] = readVarint(f.bytes!, at);
      out.push(signed(v));
      at = next;
    }
  }
  return out;
}

function floats(fs: Field[], n: number): number[] {
  const out: number[] = [];
  for (const f of of(fs, n)) {
    const view = new DataView(f.bytes!.buffer, f.bytes!.byteOffset, f.bytes!.byteLength);
    for (let i = 0; i < f.bytes!.length; i += 4) out.push(view.getFloat32(i, true));
  }
  return out;
}

export interface OnnxAttribute {
  type: number;
  i?: number;
  f?: number;
  ints?: number[];
}

export interface OnnxNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  nodes: OnnxNode[];
  initializers: { name: string; dims: number[]; dataType: number; values: number[] }[];
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims: (number | string)[] }[];
  metadata: Record<string, string>;
}

function valueInfo(b: Uint8Array): { name: string; dims: (number | string)[] } {
  const fs = fields(b);
  const tensorType = fields(one(fields(one(fs, 2).bytes!), 1).bytes!);
  const shape = fields(one(tensorType, 2).bytes!);
  const dims = of(shape, 1).map((d) => {
    const df = fields(d.bytes!);
    return one(df, 1) ? signed(one(df, 1).varint!) : str(df, 2)[0];
  });
  return { name: str(fs, 1)[0], dims };
}

export function readOnnx(bytes: Uint8Array): OnnxModel {
  const m = fields(bytes);
  const g = fields(one(m, 7).bytes!);
  return {
    irVersion: Number(one(m, 1).varint),
    producer: str(m, 2)[0],
    opsets: of(m, 8).map((o) => {
      const f = fields(o.bytes!);
      return { domain: str(f, 1)[0] ?? '', version: Number(one(f, 2).varint) };
    }),
    nodes: of(g, 1).map((n) => {
      const f = fields(n.bytes!);
      const attributes: Record<string, OnnxAttribute> = {};
      for (const a of of(f, 5)) {
        const af = fields(a.bytes!);
        const attr: OnnxAttribute = { type: Number(one(af, 20).varint) };
        if (one(af, 3)) attr.i = signed(one(af, 3).varint!);
        if (one(af, 2)) attr.f = floats(af, 2)[0];
        if (of(af, 8).length > 0) attr.ints = ints(af, 8);
        attributes[str(af, 1)[0]] = attr;
      }
      return { op: str(f, 4)[0], name: str(f, 3)[0], inputs: str(f, 1), outputs: str(f, 2), attributes };
    }),
    initializers: of(g, 5).map((t) => {
      const f = fields(t.bytes!);
      return { name: str(f, 8)[0], dims: ints(f, 1), dataType: Number(one(f, 2).varint), values: floats(f, 4) };
    }),
    inputs: of(g, 11).map((v) => valueInfo(v.bytes!)),
    outputs: of(g, 12).map((v) => valueInfo(v.bytes!)),
    metadata: Object.fromEntries(of(m, 14).map((e) => {
      const f = fields(e.bytes!);
      return [str(f, 1)[0], str(f, 2)[0]];
    })),
  };
}
