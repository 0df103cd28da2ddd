// Saving and loading a module's parameters and buffers as msgpack: a map of dotted names to shape and
// little-endian f32 bytes. Bytes in, bytes out: files are the Node edge's business (src/node/).
import { pack, unpack } from 'msgpackr';
import { ShapeError, type Tensor } from '../tensor/tensor.ts';
import type { Module } from './module.ts';

const FORMAT = 'mednas-state';
const VERSION = 1;

interface SavedTensor {
  shape: number[];
  /** f32 values, little-endian. */
  data: Uint8Array;
}

interface SavedState {
  format: string;
  version: number;
  tensors: Record<string, SavedTensor>;
}

export class StateFormatError extends Error {
  override name = 'StateFormatError';
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

/** Every parameter and buffer of `module`, read back from the GPU and packed. */
export async function encodeState(module: Module): Promise<Uint8Array> {
  const tensors: Record<string, SavedTensor> = {};
  for (const [name, t] of module.stateEntries()) {
    tensors[name] = { shape: [...t.shape], data: toLittleEndianBytes(await t.data()) };
  }
  const state: SavedState = { format: FORMAT, version: VERSION, tensors };
  return pack(state);
}

function decode(bytes: Uint8Array, source: string): SavedState {
  let state: SavedState;
  try {
    state = unpack(bytes) as SavedState;
  } catch (e) {
    throw new StateFormatError(`${source} is not a readable msgpack file (${(e as Error).message}); it may be truncated`);
  }
  if (state?.format !== FORMAT || typeof state.tensors !== 'object') {
    throw new StateFormatError(`${source} is not a mednas model state (no '${FORMAT}' header)`);
  }
  if (state.version > VERSION) {
    throw new StateFormatError(`${source} has state format version ${state.version}; this mednas reads up to ${VERSION}: upgrade mednas`);
  }
  return state;
}

/** One named tensor's shape and f32 values, as a state holds it. */
export interface NamedValues {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * Copies a saved state into `module`'s tensors. Names and shapes must match exactly (a different
 * architecture is an error naming the first differences, never a silent partial load).
 */
export function loadState(module: Module, bytes: Uint8Array, source = 'the state'): void {
  const state = decode(bytes, source);
  const tensors = new Map<string, NamedValues>();
  for (const [name, saved] of Object.entries(state.tensors)) {
    tensors.set(name, { shape: saved.shape, values: fromLittleEndianBytes(saved.data) });
  }
  loadNamedValues(module, tensors, source);
}

/**
 * Writes named values (PyTorch-style dotted names, e.g. from a state dict exported by PyTorch) into
 * `module`'s parameters and buffers. Every name and shape is checked first: a mismatch throws and the
 * module is left as it was.
 */
export function loadNamedValues(module: Module, tensors: ReadonlyMap<string, NamedValues>, source = 'the state'): void {
  const entries = module.stateEntries();
  const expected = new Set(entries.map(([n]) => n));
  const missing = entries.map(([n]) => n).filter((n) => !tensors.has(n));
  const unexpected = [...tensors.keys()].filter((n) => !expected.has(n));
  if (missing.length > 0 || unexpected.length > 0) {
    const show = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length})` : '');
    throw new StateFormatError(
      `${source} does not fit this network: ` +
        [missing.length ? `missing ${show(missing)}` : '', unexpected.length ? `unexpected ${show(unexpected)}` : '']
          .filter(Boolean)
          .join('; '),
    );
  }
  const checked: [Tensor, Float32Array][] = [];
  for (const [name, t] of entries) {
    const saved = tensors.get(name)!;
    const values = saved.values;
    if (saved.shape.length !== t.shape.length || saved.shape.some((d, i) => d !== t.shape[i]) || values.length !== t.size) {
      throw new ShapeError(`${source}: '${name}' has shape [${saved.shape.join(', ')}], the network needs [${t.shape.join(', ')}]`);
    }
    checked.push([t, values]);
  }
  // Written only after every entry checked out: a failed load leaves the module as it was.
  for (const [t, values] of checked) if (values.length > 0) t.rt.scheduler.write(t.buffer, 0, values);
}
