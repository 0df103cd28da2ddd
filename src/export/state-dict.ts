// A model's weights and BatchNorm buffers under the PyTorch reference model's state_dict names
// (scripts/golden/mstf_torch.py), float32, as .npz (numpy.load; the project's npz writer) or
// .safetensors (https://huggingface.co/docs/safetensors: an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {string: string}}
// padded with spaces to a multiple of 8 bytes, then the tensors' raw little-endian bytes, back to
// back in header order). BatchNorm's num_batches_tracked is not written (mednas does not keep
// it); torch's load_state_dict(strict=True) accepts its absence in a plain dict and sets it to 0.
import { writeNpz } from '../data/npz.ts';
import type { ModelFile } from '../train/model-file.ts';
import { modelState, type ModelState, type ModelStateOptions, type NamedTensor } from './model-state.ts';

/** Little-endian f32 bytes of `values`. */
function f32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/** An .npz of the tensors, one float32 member per name (stored, not deflated: weights barely compress). */
export function encodeStateNpz(tensors: readonly NamedTensor[]): Uint8Array {
  const arrays: Record<string, { dtype: 'f4'; shape: readonly number[]; data: Float32Array }> = {};
  for (const t of tensors) arrays[t.name] = { dtype: 'f4', shape: t.shape, data: t.values };
  return writeNpz(arrays, false);
}

/** A .safetensors file of the tensors (F32), with string metadata under `__metadata__`. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new Error(`safetensors: tensor name '${t.name}' is taken`);
    const bytes = t.values.length * 4;
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    out.set(f32Bytes(t.values), at);
    at += t.values.length * 4;
  }
  return out;
}

/** A model file's weights as .npz (see encodeStateNpz). */
export function modelToNpz(model: ModelFile, options: ModelStateOptions = {}): Uint8Array {
  return encodeStateNpz(modelState(model, options).tensors);
}

/** A model state as .safetensors, with its metadata (genotype, shape, weights, mednas version) and format 'pt'. */
export function stateToSafetensors(state: ModelState): Uint8Array {
  return encodeSafetensors(state.tensors, { format: 'pt', ...state.metadata });
}

/** A model file's weights as .safetensors (see stateToSafetensors). */
export function modelToSafetensors(model: ModelFile, options: ModelStateOptions = {}): Uint8Array {
  return stateToSafetensors(modelState(model, options));
}
