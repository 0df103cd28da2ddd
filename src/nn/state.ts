// Saving and loading a module's parameters and buffers: a map of dotted names to shape and
// little-endian f32 bytes. Bytes in, bytes out: files are the Node edge's business (src/node/).
//
// Version 2 (written now) is the file envelope (src/util/envelope.ts: format 'mednas-state',
// CRC-32) around the msgpack payload { tensors: { name: { shape, dtype: 'f32', data } } }.
// Version 1 (read only) was a bare msgpack map { format, version: 1, tensors: { name: { shape,
// data } } } with no checksum: it still loads, and the load says that it could not be checked.
import { unpack } from 'msgpackr';
import type { Tensor } from '../tensor/tensor.ts';
import { decodeEnvelope, encodeEnvelope, isEnvelope } from '../util/envelope.ts';
import { FieldChecker } from '../util/fields.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import type { Module } from './module.ts';

export const STATE_FORMAT = 'mednas-state';
export const STATE_VERSION = 2;

/** A state that is intact but does not fit the network it is loaded into (names or shapes differ). */
export class StateFormatError extends FileFormatError {
  override name = 'StateFormatError';
  constructor(source: string, fault: string, advice = 'Load it into the network it was saved from (same architecture and sizes).') {
    super(source, fault, advice);
  }
}

export interface StateTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** One named tensor's shape and f32 values (a state's entry, or a PyTorch state dict's). */
export type NamedValues = StateTensor;

/** A state file's content, every field checked. */
export interface DecodedState {
  readonly version: 1 | 2;
  /** 'crc32' when the file carried a checksum that matched; null for version 1, which has none. */
  readonly checksum: 'crc32' | null;
  readonly tensors: ReadonlyMap<string, StateTensor>;
}

/** What a successful load read. */
export interface StateLoadInfo {
  readonly version: 1 | 2;
  readonly checksum: 'crc32' | null;
  readonly tensorCount: number;
  /** Something the caller should tell the user (a version-1 file could not be checked), or null. */
  readonly notice: string | null;
}

function toLittleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** One tensor as a state payload stores it: shape, dtype and little-endian f32 bytes. */
export interface PackedTensor {
  readonly shape: number[];
  readonly dtype: 'f32';
  readonly data: Uint8Array;
}

/** Packs named f32 values the way a state payload stores them (model files reuse the layout). */
export function packTensor(shape: readonly number[], values: Float32Array): PackedTensor {
  return { shape: [...shape], dtype: 'f32', data: toLittleEndianBytes(values) };
}

/** Every parameter and buffer of `module`, read back from the GPU, as a state payload's `tensors`. */
export async function readStateTensors(module: Module): Promise<Record<string, PackedTensor>> {
  const tensors: Record<string, PackedTensor> = {};
  for (const [name, t] of module.stateEntries()) tensors[name] = packTensor(t.shape, await t.data());
  return tensors;
}

/** Every parameter and buffer of `module`, read back from the GPU and packed (version 2). */
export async function encodeState(module: Module): Promise<Uint8Array> {
  return encodeEnvelope(STATE_FORMAT, STATE_VERSION, { tensors: await readStateTensors(module) });
}

/**
 * Checks a decoded `tensors` map (name -> { shape, dtype, data }) field by field: every fault is a
 * FileFormatError naming the file and the tensor. Model files store their tensors this way.
 */
export function decodePackedTensors(f: FieldChecker, value: unknown, where = 'tensors'): Map<string, StateTensor> {
  return checkTensors(f, value, ['shape', 'dtype', 'data'], where);
}

function checkTensors(f: FieldChecker, value: unknown, keys: readonly string[], field = 'tensors'): Map<string, StateTensor> {
  const record = f.record(value, field);
  const out = new Map<string, StateTensor>();
  for (const [name, entry] of Object.entries(record)) {
    const where = `${field}[${JSON.stringify(name)}]`;
    const t = f.record(entry, where);
    f.keys(t, where, keys);
    if ('dtype' in t && f.string(t.dtype, `${where}.dtype`) !== 'f32') f.fail(`${where}.dtype`, "'f32'", t.dtype);
    const shape = f.integers(t.shape, `${where}.shape`, 0, 2 ** 31);
    const data = f.bytes(t.data, `${where}.data`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(size) || data.length !== size * 4) {
      f.fail(`${where}.data`, `${size * 4} bytes (f32 values for shape [${shape.join(', ')}])`, data);
    }
    out.set(name, { shape, values: fromLittleEndianBytes(data) });
  }
  return out;
}

function decodeV1(bytes: Uint8Array, source: string): DecodedState {
  let state: unknown;
  try {
    state = unpack(bytes);
  } catch (e) {
    throw new FileFormatError(
      source,
      `is neither a mednas file nor a readable version-1 state (msgpack: ${(e as Error)?.message ?? String(e)}); it may be truncated or damaged`,
    );
  }
  const f = new FieldChecker(source);
  const top = f.record(state, 'the file');
  if (top.format !== STATE_FORMAT) {
    throw new FileFormatError(source, `is not a mednas model state (format is ${top.format === undefined ? 'missing' : JSON.stringify(top.format)})`, 'Give a state file that mednas saved.');
  }
  f.keys(top, 'the file', ['format', 'version', 'tensors']);
  if (top.version !== 1) f.fail('version', `1 (files without a mednas header are version 1)`, top.version);
  return { version: 1, checksum: null, tensors: checkTensors(f, top.tensors, ['shape', 'data']) };
}

/** Reads and checks a state file's bytes (either version) without touching any network. */
export function decodeState(bytes: Uint8Array, source = 'the state'): DecodedState {
  if (!isEnvelope(bytes)) return decodeV1(bytes, source);
  const { payload } = decodeEnvelope(bytes, { format: STATE_FORMAT, versions: [STATE_VERSION], source });
  const f = new FieldChecker(source);
  const top = f.record(payload, 'the payload');
  f.keys(top, 'the payload', ['tensors']);
  return { version: 2, checksum: 'crc32', tensors: checkTensors(f, top.tensors, ['shape', 'dtype', 'data']) };
}

/**
 * Checks that a decoded state has exactly the names and shapes of `entries` (a module's
 * stateEntries()): a different architecture is an error naming the first differences.
 */
export function checkStateFits(state: DecodedState, entries: readonly (readonly [string, { readonly shape: readonly number[] }])[], source = 'the state'): void {
  const expected = new Set(entries.map(([n]) => n));
  const missing = entries.map(([n]) => n).filter((n) => !state.tensors.has(n));
  const unexpected = [...state.tensors.keys()].filter((n) => !expected.has(n));
  if (missing.length > 0 || unexpected.length > 0) {
    const show = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length})` : '');
    throw new StateFormatError(
      source,
      'does not fit this network: ' +
        [missing.length ? `missing ${show(missing)}` : '', unexpected.length ? `unexpected ${show(unexpected)}` : ''].filter(Boolean).join('; '),
    );
  }
  for (const [name, t] of entries) {
    const saved = state.tensors.get(name)!;
    if (saved.shape.length !== t.shape.length || saved.shape.some((d, i) => d !== t.shape[i])) {
      throw new StateFormatError(source, `'${name}' has shape [${saved.shape.join(', ')}], the network needs [${t.shape.join(', ')}]`);
    }
  }
}

/**
 * Copies a saved state into `module`'s tensors. Names and shapes must match exactly (a different
 * architecture is an error naming the first differences, never a silent partial load). Every fault
 * is a FileFormatError (StateFormatError when the file is intact but for another network), thrown
 * before anything is written: a failed load leaves the module as it was.
 */
export function loadState(module: Module, bytes: Uint8Array, source = 'the state'): StateLoadInfo {
  const state = decodeState(bytes, source);
  const entries = module.stateEntries();
  loadNamedValues(module, state.tensors, source);
  return {
    version: state.version,
    checksum: state.checksum,
    tensorCount: entries.length,
    notice:
      state.checksum === null
        ? `${source} is a version-1 state file, which carries no checksum: damage to its values cannot be detected. Save it again to write version 2 (with a CRC-32).`
        : null,
  };
}

/**
 * Writes named values (PyTorch-style dotted names: a state file's tensors, or a state dict exported
 * by PyTorch) into `module`'s parameters and buffers. Every name and shape is checked first: a
 * mismatch throws a StateFormatError and the module is left as it was.
 */
export function loadNamedValues(module: Module, tensors: ReadonlyMap<string, NamedValues>, source = 'the state'): void {
  const entries = module.stateEntries();
  checkStateFits({ version: 2, checksum: null, tensors }, entries, source);
  for (const [name, t] of entries) {
    const { values } = tensors.get(name)!;
    if (values.length !== t.size) throw new StateFormatError(source, `'${name}' holds ${values.length} values, the network needs ${t.size}`);
  }
  for (const [name, t] of entries) {
    const { values } = tensors.get(name)!;
    if (values.length > 0) (t as Tensor).rt.scheduler.write(t.buffer, 0, values);
  }
}
