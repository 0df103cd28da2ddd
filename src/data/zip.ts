// A zip container reader sized for .npz files: the central directory, local headers, zip64
// sizes, stored (0) and deflate (8) members, and a CRC-32 check on every member. The inflating
// itself is fflate's; the container logic is ours so that every fault gets a precise message
// (fflate's unzipSync neither checks CRCs nor names the member that failed).
import { inflateSync } from 'fflate';
import { crc32 } from '../util/crc32.ts';
import { NpzFormatError } from './errors.ts';

/** One member of the archive, before decompression. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

/** Lists the members of a zip from its central directory. */
export function listZip(bytes: Uint8Array, file: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const looksLikeZip = bytes.length >= 4 && view.getUint32(0, true) === SIG_LOCAL;
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    if (looksLikeZip) throw new NpzFormatError(file, 'zip is truncated (no end-of-central-directory record)');
    if (bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e) {
      throw new NpzFormatError(file, 'is a single .npy array, not an .npz archive', 'Give the .npz file that holds all six arrays.');
    }
    throw new NpzFormatError(file, `not a zip/.npz file (${bytes.length} bytes, starts with ${hex(bytes.subarray(0, 4))})`, 'Give a numpy .npz file.');
  }
  let count = view.getUint16(eocd + 10, true);
  let cdBytes = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    // zip64: the locator sits right before the EOCD and points at the zip64 EOCD record.
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== SIG_EOCD64_LOCATOR) throw new NpzFormatError(file, 'zip64 locator missing');
    const at = u64(view, loc + 8);
    if (at + 56 > bytes.length || view.getUint32(at, true) !== SIG_EOCD64) throw new NpzFormatError(file, 'zip64 end record missing or truncated');
    count = u64(view, at + 32);
    cdBytes = u64(view, at + 40);
    cdOffset = u64(view, at + 48);
  }
  if (cdOffset + cdBytes > bytes.length) throw new NpzFormatError(file, 'zip is truncated (central directory past the end of the file)');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== SIG_CENTRAL) throw new NpzFormatError(file, `zip central directory entry ${i} is damaged`);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedBytes = view.getUint32(p + 20, true);
    let uncompressedBytes = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > bytes.length) throw new NpzFormatError(file, `zip central directory entry ${i} is truncated`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): the 64-bit values, in this order, for the fields that are 0xffffffff.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      // (a zip64 record shorter than it claims is caught by the RangeError net in readNpz)
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        if (uncompressedBytes === 0xffffffff) (uncompressedBytes = u64(view, q)), (q += 8);
        if (compressedBytes === 0xffffffff) (compressedBytes = u64(view, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(view, q);
      }
      e += 4 + len;
    }
    entries.push({ name, method, crc32: crc, compressedBytes, uncompressedBytes, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Decompresses one member and checks its size and CRC. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const where = `${file}/${entry.name}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = entry.localHeaderOffset;
  if (h + 30 > bytes.length || view.getUint32(h, true) !== SIG_LOCAL) throw new NpzFormatError(where, 'zip local header is missing or damaged');
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + entry.compressedBytes;
  if (end > bytes.length) throw new NpzFormatError(where, `zip member is truncated (${bytes.length - start} of ${entry.compressedBytes} bytes present)`);
  const raw = bytes.subarray(start, end);
  let out: Uint8Array;
  if (entry.method === 0) {
    out = raw;
  } else if (entry.method === 8) {
    // Deflate cannot expand data more than ~1032:1; a larger claim is a damaged directory, and
    // believing it would allocate gigabytes.
    if (entry.uncompressedBytes > entry.compressedBytes * 1032 + 1024) {
      throw new NpzFormatError(where, `zip directory claims ${entry.uncompressedBytes} bytes from ${entry.compressedBytes} compressed`);
    }
    try {
      out = inflateSync(raw, { out: new Uint8Array(entry.uncompressedBytes) });
    } catch (err) {
      throw new NpzFormatError(where, `deflate data is corrupt (${(err as Error).message})`);
    }
  } else {
    throw new NpzFormatError(where, `unsupported zip compression method ${entry.method} (only stored and deflate)`);
  }
  if (out.length !== entry.uncompressedBytes) {
    throw new NpzFormatError(where, `inflated to ${out.length} bytes, the zip directory says ${entry.uncompressedBytes}`);
  }
  const crc = crc32(out);
  if (crc !== entry.crc32) {
    throw new NpzFormatError(where, `CRC-32 mismatch (data ${hex32(crc)}, zip directory ${hex32(entry.crc32)})`);
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
