// Reader and writer for numpy's .npy format (format versions 1.0, 2.0, 3.0), see
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
// Layout: magic "\x93NUMPY", major, minor, header length (u16 for 1.0, u32 for 2.0/3.0), then an
// ASCII (3.0: UTF-8) Python dict literal {'descr', 'fortran_order', 'shape'} padded with spaces
// and a newline so that the data starts on a 64-byte boundary, then the raw array data.
import { NpzFormatError } from './errors.ts';

/** The numpy dtypes we read: little-endian (or byte-sized) numbers only. */
export type NpyDtype = 'u1' | 'i1' | 'b1' | 'u2' | 'i2' | 'u4' | 'i4' | 'f4' | 'f8' | 'i8' | 'u8';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One array: its dtype, shape (C order) and the elements as a typed array. */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM_BYTES: Record<NpyDtype, number> = {
  u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, u4: 4, i4: 4, f4: 4, f8: 8, i8: 8, u8: 8,
};

/** True when `bytes` starts with the .npy magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((m, i) => bytes[i] === m);
}

/** Maps a numpy descr ('<u1', '|u1', '<f4', ...) to our dtype, or explains why we cannot. */
function parseDescr(descr: string, file: string): NpyDtype {
  const m = /^([<>|=])([uifb])(\d)$/.exec(descr);
  if (!m) throw new NpzFormatError(file, `unsupported dtype '${descr}' (only plain numeric dtypes are read)`);
  const [, order, kind, size] = m;
  const dtype = `${kind}${size}` as NpyDtype;
  if (!(dtype in ITEM_BYTES)) throw new NpzFormatError(file, `unsupported dtype '${descr}'`);
  // '=' is native order of the writer, which numpy never writes into a file; '>' is big-endian.
  if (ITEM_BYTES[dtype] > 1 && order !== '<') {
    throw new NpzFormatError(file, `unsupported dtype '${descr}' (big-endian or native byte order; only little-endian is read)`);
  }
  return dtype;
}

/** Parses the header dict. numpy writes it with repr(), so a few regular expressions suffice. */
function parseHeader(text: string, file: string): { dtype: NpyDtype; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    const structured = /'descr'\s*:\s*\[/.test(text);
    throw new NpzFormatError(file, structured ? 'unsupported dtype (structured array)' : `npy header has no 'descr': ${text.trim()}`);
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw new NpzFormatError(file, `npy header has no 'fortran_order': ${text.trim()}`);
  if (fortran[1] === 'True') {
    throw new NpzFormatError(file, 'array is stored in Fortran order; only C order is read', 'Re-save it with numpy.ascontiguousarray(...) or download the official file.');
  }
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeMatch) throw new NpzFormatError(file, `npy header has no 'shape': ${text.trim()}`);
  const shape = shapeMatch[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpzFormatError(file, `bad dimension '${s}' in npy shape`);
      return n;
    });
  return { dtype: parseDescr(descr[1], file), shape };
}

function makeView(dtype: NpyDtype, buffer: ArrayBuffer, offset: number, count: number): NpyData {
  switch (dtype) {
    case 'u1': case 'b1': return new Uint8Array(buffer, offset, count);
    case 'i1': return new Int8Array(buffer, offset, count);
    case 'u2': return new Uint16Array(buffer, offset, count);
    case 'i2': return new Int16Array(buffer, offset, count);
    case 'u4': return new Uint32Array(buffer, offset, count);
    case 'i4': return new Int32Array(buffer, offset, count);
    case 'f4': return new Float32Array(buffer, offset, count);
    case 'f8': return new Float64Array(buffer, offset, count);
    case 'i8': return new BigInt64Array(buffer, offset, count);
    case 'u8': return new BigUint64Array(buffer, offset, count);
  }
}

/**
 * Parses one .npy. The returned data is a view into `bytes` when it is suitably aligned (no copy),
 * else a copy. `file` only names the source in error messages (e.g. "x.npz/train_images.npy").
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (!isNpy(bytes)) throw new NpzFormatError(file, 'not a .npy array (magic string \\x93NUMPY missing)');
  if (bytes.length < 10) throw new NpzFormatError(file, 'npy header is truncated');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpzFormatError(file, 'npy header is truncated');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new NpzFormatError(file, `unsupported npy format version ${major}.${bytes[7]}`);
  }
  const dataStart = start + headerLen;
  if (dataStart > bytes.length) throw new NpzFormatError(file, 'npy header is truncated');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataStart));
  const { dtype, shape } = parseHeader(text, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemBytes = ITEM_BYTES[dtype];
  const dataBytes = bytes.length - dataStart;
  if (dataBytes !== count * itemBytes) {
    throw new NpzFormatError(file, `npy data is ${dataBytes} bytes but shape (${shape.join(', ')}) of ${dtype} needs ${count * itemBytes}`);
  }
  const offset = bytes.byteOffset + dataStart;
  if (offset % itemBytes === 0) return { dtype, shape, data: makeView(dtype, bytes.buffer as ArrayBuffer, offset, count) };
  // A fresh buffer at offset 0, aligned for any dtype. Not bytes.slice(): on a Node Buffer (what
  // readFile returns) slice is a view into the shared pool, not a copy.
  const copy = new Uint8Array(bytes.subarray(dataStart));
  return { dtype, shape, data: makeView(dtype, copy.buffer, 0, count) };
}

const DESCR_OF: Record<NpyDtype, string> = {
  u1: '|u1', i1: '|i1', b1: '|b1', u2: '<u2', i2: '<i2', u4: '<u4', i4: '<i4', f4: '<f4', f8: '<f8', i8: '<i8', u8: '<u8',
};

/** Serialises an array as a version 1.0 .npy, byte for byte as numpy.save writes it. */
export function writeNpy(array: NpyArray): Uint8Array {
  const dims = array.shape.length === 1 ? `${array.shape[0]},` : array.shape.join(', ');
  let header = `{'descr': '${DESCR_OF[array.dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  // Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}
