// The one envelope around every file mednas writes (model state now; model files and search
// checkpoints next): a magic string, the format's name, an integer version, the payload and a
// CRC-32 over all of it. Bytes in, bytes out: writing them atomically is the Node edge's job
// (writeFileAtomic in src/node/files.ts).
//
// Layout (integers little-endian):
//   0      8  magic "\x89MEDNAS\n" (the high byte catches 7-bit transfers, the newline text-mode
//             line-ending conversion, as in PNG)
//   8      1  n = length of the format name (1..64)
//   9      n  format name, ASCII: lower-case letters, digits, '-' (e.g. "mednas-state")
//   9+n    4  format version, u32 >= 1
//   13+n   1  payload encoding: 0 = raw bytes, 1 = one msgpack value
//   14+n   8  payload length in bytes, u64
//   22+n   L  payload
//   end-4  4  CRC-32 of every byte before it
//
// Why CRC-32: it catches every burst error of up to 32 bits, so every single damaged byte, and
// all but 1 in 2^32 of other damage; the files are checked against accidents (bad disks, cut
// copies), not against someone forging a file, where no unkeyed hash helps. The zip reader
// already has it, it needs no BigInt arithmetic (a 64-bit hash would) and no dependency.
import { Packr, Unpackr } from 'msgpackr';
import { crc32 } from './crc32.ts';
import { FileFormatError } from './file-format-error.ts';

const MAGIC = Uint8Array.from([0x89, 0x4d, 0x45, 0x44, 0x4e, 0x41, 0x53, 0x0a]); // \x89MEDNAS\n
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const FIXED_BYTES = MAGIC.length + 1 + 4 + 1 + 8 + 4;

/** Plain msgpack (no records or structures), so the bytes are a function of the value alone. */
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

export type PayloadEncoding = 'bytes' | 'msgpack';

export interface DecodeEnvelopeOptions {
  /** The format the caller reads, e.g. 'mednas-state'. */
  readonly format: string;
  /** Versions the caller reads. */
  readonly versions: readonly number[];
  /** Names the file in errors (a path, or e.g. 'the state'). */
  readonly source: string;
}

export interface DecodedEnvelope {
  readonly format: string;
  readonly version: number;
  readonly encoding: PayloadEncoding;
  /** A Uint8Array for 'bytes', the unpacked value for 'msgpack' (check its fields before use). */
  readonly payload: unknown;
  /** The CRC-32 the file carried (and that matched). */
  readonly crc32: number;
}

/** True when `bytes` starts with the envelope's magic string (so it is not, e.g., a v1 state). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((m, i) => bytes[i] === m);
}

/**
 * Wraps `payload` for format `format` at `version`: a Uint8Array is stored as raw bytes, any other
 * value as one msgpack value (maps, arrays, strings, numbers, booleans, null, Uint8Arrays).
 */
export function encodeEnvelope(format: string, version: number, payload: unknown): Uint8Array {
  if (!NAME.test(format)) throw new RangeError(`envelope format name '${format}' must be 1-64 of [a-z0-9-]`);
  if (!Number.isInteger(version) || version < 1 || version > 0xffffffff) throw new RangeError(`envelope version ${version} must be an integer >= 1`);
  const raw = payload instanceof Uint8Array;
  const body: Uint8Array = raw ? payload : packr.pack(payload);
  const name = new TextEncoder().encode(format);
  const out = new Uint8Array(FIXED_BYTES + name.length + body.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[8] = name.length;
  out.set(name, 9);
  let at = 9 + name.length;
  view.setUint32(at, version, true);
  out[at + 4] = raw ? 0 : 1;
  view.setUint32(at + 5, body.length % 2 ** 32, true);
  view.setUint32(at + 9, Math.floor(body.length / 2 ** 32), true);
  at += 13;
  out.set(body, at);
  at += body.length;
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/**
 * Checks and unwraps an envelope. Every fault (not an envelope, truncated, damaged, another format,
 * a version not in `versions`, an undecodable payload) is a FileFormatError naming `source`.
 */
export function decodeEnvelope(bytes: Uint8Array, options: DecodeEnvelopeOptions): DecodedEnvelope {
  const { source } = options;
  const fail = (fault: string, advice?: string): never => {
    throw new FileFormatError(source, fault, advice);
  };
  if (!isEnvelope(bytes)) {
    fail(bytes.length < MAGIC.length ? `is ${bytes.length} bytes long, too short for a mednas file` : 'is not a mednas file (no mednas header)',
      `Give a file that mednas wrote (${options.format}).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nameBytes = bytes.length > 8 ? bytes[8] : 0;
  const headerBytes = 9 + nameBytes + 13;
  if (bytes.length < headerBytes + 4) fail(`is truncated (${bytes.length} bytes, shorter than its header)`, 'Use an intact copy of the file, or write it again.');
  if (nameBytes < 1 || nameBytes > 64) fail(`has a damaged header (format name length ${nameBytes})`);
  const at = 9 + nameBytes;
  const payloadBytes = view.getUint32(at + 5, true) + view.getUint32(at + 9, true) * 2 ** 32;
  const expectedBytes = headerBytes + payloadBytes + 4;
  if (bytes.length < expectedBytes) fail(`is truncated (${bytes.length} of ${expectedBytes} bytes)`, 'Use an intact copy of the file, or write it again.');
  if (bytes.length > expectedBytes) fail(`has ${bytes.length - expectedBytes} bytes after its end (${expectedBytes} bytes expected)`);
  const stored = view.getUint32(expectedBytes - 4, true);
  const actual = crc32(bytes.subarray(0, expectedBytes - 4));
  if (stored !== actual) {
    fail(`is damaged: its CRC-32 is ${hex(actual)} but the file says ${hex(stored)}`, 'Use an intact copy of the file, or write it again.');
  }
  // The checksum matched, so what follows was written this way by mednas: the checks below are
  // about what it is, not whether it is intact.
  let format = '';
  for (let i = 9; i < at; i++) format += String.fromCharCode(bytes[i]);
  if (!NAME.test(format)) fail(`has a damaged header (format name ${JSON.stringify(format)})`);
  const version = view.getUint32(at, true);
  if (format !== options.format) fail(`is a ${format} file, not ${options.format}`, `Give a ${options.format} file.`);
  if (!options.versions.includes(version)) {
    const newest = Math.max(...options.versions);
    fail(
      `has ${format} version ${version}; this mednas reads version ${options.versions.join(', ')}`,
      version > newest ? 'It was written by a newer mednas: upgrade mednas.' : 'It was written by an old mednas whose files this one no longer reads.',
    );
  }
  const code = bytes[at + 4];
  if (code !== 0 && code !== 1) fail(`has an unknown payload encoding ${code}`);
  const body = bytes.subarray(headerBytes, headerBytes + payloadBytes);
  if (code === 0) return { format, version, encoding: 'bytes', payload: body, crc32: stored };
  let payload: unknown;
  try {
    payload = unpackr.unpack(body);
  } catch (e) {
    fail(`has a payload that is not valid msgpack (${(e as Error)?.message ?? String(e)})`);
  }
  return { format, version, encoding: 'msgpack', payload, crc32: stored };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
