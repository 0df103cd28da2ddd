// Model export: a model file's network as ONNX, or its weights under PyTorch's names as .npz or
// .safetensors. Bytes in, bytes out: writing the file is the Node edge's business (cli/export.ts).
import type { ModelFile } from '../train/model-file.ts';
import { modelState, type ExportWeights, type ModelStateOptions } from './model-state.ts';
import { encodeOnnx, type OnnxEncodeOptions } from './onnx.ts';
import { encodeStateNpz, stateToSafetensors } from './state-dict.ts';

export * from './protobuf.ts';
export * from './network-spec.ts';
export * from './model-state.ts';
export * from './onnx.ts';
export * from './state-dict.ts';

export const EXPORT_FORMATS = ['onnx', 'npz', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The file extension of each format (the CLI's default output is MODEL_DIR/model.EXT). */
export const EXPORT_EXTENSIONS: Readonly<Record<ExportFormat, string>> = { onnx: '.onnx', npz: '.npz', safetensors: '.safetensors' };

export interface ExportResult {
  readonly format: ExportFormat;
  readonly bytes: Uint8Array;
  /** The weights taken: 'best' only when the file has best weights. */
  readonly weights: ExportWeights;
  /** 0-based epoch of those weights; null for initial weights (no finished epoch). */
  readonly epoch: number | null;
  /** Tensors written (weights and BatchNorm running statistics). */
  readonly tensors: number;
  /** Scalars in those tensors. */
  readonly values: number;
}

/**
 * Exports a model file (decoded: decodeModelFile) in `format`. Its tensors are checked against its
 * genotype's network first (StateFormatError naming options.source). `input` is ONNX's alone.
 */
export function exportModel(model: ModelFile, format: ExportFormat, options: ModelStateOptions & Pick<OnnxEncodeOptions, 'input'> = {}): ExportResult {
  const state = modelState(model, options);
  const bytes = format === 'onnx' ? encodeOnnx(state, { input: options.input }) : format === 'npz' ? encodeStateNpz(state.tensors) : stateToSafetensors(state);
  return {
    format, bytes, weights: state.weights, epoch: state.epoch, tensors: state.tensors.length,
    values: state.tensors.reduce((n, t) => n + t.values.length, 0),
  };
}
