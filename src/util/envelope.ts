// The one envelope around every file mednas writes (model state, model files, search checkpoints,
// ground-truth tables): the format's name, an integer version, the payload and a CRC-32.
// Bytes in, bytes out: writing them atomically is the Node edge's job (writeFileAtomic in
// src/node/files.ts).
//
// Envelope 2 (written since issue 23): the whole file is ONE msgpack document, so any msgpack
// reader opens it (Python: msgpack.unpackb):
//   { "mednas": 2, "format": "mednas-truth", "version": 1, "encoding": "msgpack" | "bytes",
//     "crc32": CRC-32 of (format + "\n" + version + "\n" + encoding + "\n" as UTF-8, then payload),
//     "payload": binary: the payload's msgpack bytes (or the raw bytes) }
// The CRC covers the header fields too, so a damaged version number is caught like a damaged
// weight; and the reader re-encodes the header and requires the file's exact bytes (msgpack can
// write one number several ways: a file is either what mednas wrote or refused). In Python:
//   doc = msgpack.unpackb(open(path, 'rb').read())
//   head = f"{doc['format']}\n{doc['version']}\n{doc['encoding']}\n".encode()
//   assert zlib.crc32(doc['payload'], zlib.crc32(head)) == doc['crc32']
//   value = msgpack.unpackb(doc['payload'])
//
// Envelope 1 (written before; still read): a binary header, then the payload, then the CRC:
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
// already has it, it needs no BigInt arithmetic (a 64-bit hash would) and no dependency; and
// Python's zlib.crc32 is the same function.
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

/** The envelope-2 document's keys, in the order they are written. */
const DOC_KEYS = ['mednas', 'format', 'version', 'encoding', 'crc32', 'payload'] as const;
const ENVELOPE_2 = 2;
/** How every envelope-2 file starts: a msgpack map of 6 entries, then the string "mednas". */
const DOC_SIGNATURE = packr.pack({ mednas: ENVELOPE_2 }).subarray(0, 1 + 2 + 7);

function startsWith(bytes: Uint8Array, prefix: Uint8Array, from = 0): boolean {
  return bytes.length >= from + prefix.length && prefix.every((m, i) => bytes[from + i] === m);
}

/** True when `bytes` starts like a mednas envelope (1 or 2), so it is not, e.g., a pre-envelope state file. */
export function isEnvelope(bytes: Uint8Array): boolean {
  return startsWith(bytes, MAGIC) || (bytes.length > 3 && startsWith(bytes, DOC_SIGNATURE.subarray(3), 3) && bytes[0] === DOC_SIGNATURE[0]);
}

/** The CRC-32 an envelope-2 file carries: over the header fields, then the payload. */
function documentCrc(format: string, version: number, encoding: PayloadEncoding, payload: Uint8Array): number {
  return crc32(payload, crc32(new TextEncoder().encode(`${format}\n${version}\n${encoding}\n`)));
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
  const encoding: PayloadEncoding = raw ? 'bytes' : 'msgpack';
  // A plain Uint8Array (msgpackr gives a Node Buffer, whose slice() is a view, not a copy).
  return new Uint8Array(packr.pack(headerDocument(format, version, encoding, body)));
}

function headerDocument(format: string, version: number, encoding: PayloadEncoding, body: Uint8Array): Record<(typeof DOC_KEYS)[number], unknown> {
  return { mednas: ENVELOPE_2, format, version, encoding, crc32: documentCrc(format, version, encoding, body), payload: body };
}

/** Envelope 1's bytes (still read; kept to write test files of the old layout). */
export function encodeEnvelopeV1(format: string, version: number, payload: unknown): Uint8Array {
  if (!NAME.test(format)) throw new RangeError(`envelope format name '${format}' must be 1-64 of [a-z0-9-]`);
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
  if (!startsWith(bytes, MAGIC)) return decodeDocument(bytes, options, fail);
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
  const code = bytes[at + 4];
  if (code !== 0 && code !== 1) fail(`has an unknown payload encoding ${code}`);
  const body = bytes.subarray(headerBytes, headerBytes + payloadBytes);
  checkFormat(format, version, options, fail);
  return unpackPayload(format, version, code === 0 ? 'bytes' : 'msgpack', body, stored, fail);
}

type Fail = (fault: string, advice?: string) => never;

function checkFormat(format: string, version: number, options: DecodeEnvelopeOptions, fail: Fail): void {
  if (format !== options.format) fail(`is a ${format} file, not ${options.format}`, `Give a ${options.format} file.`);
  if (!options.versions.includes(version)) {
    const newest = Math.max(...options.versions);
    fail(
      `has ${format} version ${version}; this mednas reads version ${options.versions.join(', ')}`,
      version > newest ? 'It was written by a newer mednas: upgrade mednas.' : 'It was written by an old mednas whose files this one no longer reads.',
    );
  }
}

function unpackPayload(format: string, version: number, encoding: PayloadEncoding, body: Uint8Array, stored: number, fail: Fail): DecodedEnvelope {
  if (encoding === 'bytes') return { format, version, encoding, payload: body, crc32: stored };
  let payload: unknown;
  try {
    payload = unpackr.unpack(body);
  } catch (e) {
    fail(`has a payload that is not valid msgpack (${(e as Error)?.message ?? String(e)})`);
  }
  return { format, version, encoding: 'msgpack', payload, crc32: stored };
}

/** The payload key's bytes (after its fixstr marker 0xa7). */
const PAYLOAD_KEY = new TextEncoder().encode('payload');

/**
 * The length a cut envelope-2 file had, read from its payload's binary header (the last field, so
 * everything before it is small), or null when the header itself is cut or not found.
 */
function documentLength(bytes: Uint8Array): number | null {
  for (let at = 0; at + PAYLOAD_KEY.length + 1 < bytes.length && at < 256; at++) {
    if (bytes[at] !== 0xa7 || !startsWith(bytes, PAYLOAD_KEY, at + 1)) continue;
    const marker = at + 1 + PAYLOAD_KEY.length;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const widths: Record<number, number> = { 0xc4: 1, 0xc5: 2, 0xc6: 4 };
    const width = widths[bytes[marker]];
    if (width === undefined || marker + 1 + width > bytes.length) return null;
    const length = width === 1 ? bytes[marker + 1] : width === 2 ? view.getUint16(marker + 1) : view.getUint32(marker + 1);
    return marker + 1 + width + length;
  }
  return null;
}

/** Envelope 2: one msgpack document, its header re-encoded to exactly the file's bytes. */
function decodeDocument(bytes: Uint8Array, options: DecodeEnvelopeOptions, fail: Fail): DecodedEnvelope {
  let doc: unknown;
  let end = bytes.length;
  try {
    doc = unpackr.unpack(bytes);
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    if (!/end of buffer not reached/.test(message)) {
      // msgpackr marks a document cut short as `incomplete`; a number cut short reads past a DataView.
      const cut = (e as { incomplete?: boolean }).incomplete === true || /Unexpected end|outside the bounds/.test(message);
      const whole = cut ? documentLength(bytes) : null;
      fail(cut ? `is truncated (${bytes.length}${whole !== null && whole > bytes.length ? ` of ${whole}` : ''} bytes)` : `is damaged (${message})`,
        'Use an intact copy of the file, or write it again.');
    }
    unpackr.unpackMultiple(bytes, (value: unknown, _start?: number, at?: number) => {
      doc = value;
      end = at ?? end;
      return false;
    });
    fail(`has ${bytes.length - end} bytes after its end (${end} bytes expected)`);
  }
  const isMap = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && !(doc instanceof Uint8Array) && !(doc instanceof Map);
  const d = (isMap ? doc : {}) as Record<string, unknown>;
  const keys = Object.keys(d);
  if (!isMap || keys.length !== DOC_KEYS.length || DOC_KEYS.some((k, i) => keys[i] !== k)) fail('has a damaged header (not the fields of a mednas file)', 'Use an intact copy of the file, or write it again.');
  const { mednas, format, version, encoding, crc32: stored, payload } = d;
  if (mednas !== ENVELOPE_2) fail(`has envelope ${String(mednas)}; this mednas reads envelopes 1 and 2`, 'It was written by a newer mednas: upgrade mednas.');
  const body = payload instanceof Uint8Array ? payload : null;
  if (typeof format !== 'string' || !NAME.test(format) || typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > 0xffffffff
    || (encoding !== 'bytes' && encoding !== 'msgpack') || typeof stored !== 'number' || body === null) {
    fail('has a damaged header (a field of the wrong type)', 'Use an intact copy of the file, or write it again.');
  }
  const actual = documentCrc(format, version, encoding, body);
  if (actual !== stored) fail(`is damaged: its CRC-32 is ${hex(actual)} but the file says ${hex(stored)}`, 'Use an intact copy of the file, or write it again.');
  // The same values can be written as other msgpack bytes (an integer's width, a map's size byte):
  // only mednas's own encoding is accepted, so every byte of the file is checked.
  const canonical = packr.pack(headerDocument(format, version, encoding, body));
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) fail('has a damaged header (it is not written the way mednas writes it)', 'Use an intact copy of the file, or write it again.');
  checkFormat(format, version, options, fail);
  return unpackPayload(format, version, encoding, body, stored, fail);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
