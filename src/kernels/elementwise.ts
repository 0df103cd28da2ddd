// The raw elementwise kernels (fill, unary functions, binary arithmetic, mean of k inputs) on buffer
// bindings: no tensors, no tape. The tape's gradient accumulation (src/tensor/tape.ts) launches
// these, since the tensor layer may not import src/ops; the tensor-level primitives of
// src/ops/primitives/elementwise.ts wrap them for the op families.
import fillWgsl from '../../shaders/fill.wgsl';
import unaryWgsl from '../../shaders/unary.wgsl';
import binaryWgsl from '../../shaders/binary.wgsl';
import meanOfWgsl from '../../shaders/mean_of.wgsl';
import type { Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';

const FILL = { name: 'fill', code: fillWgsl };
const UNARY = { name: 'unary', code: unaryWgsl };
const BINARY = { name: 'binary', code: binaryWgsl };
const MEAN_OF = { name: 'mean_of', code: meanOfWgsl };

/** The unary functions (OP in unary.wgsl). */
export const UnaryOp = {
  affine: 0, relu: 1, exp: 2, log: 3, sqrt: 4, pow: 5, abs: 6, sign: 7,
  sigmoid: 8, tanh: 9, square: 10, reciprocal: 11, step: 12,
} as const;
/** The binary operations (OP in binary.wgsl). */
export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, maskPositive: 6, pow: 7 } as const;

/** The broadcast dimensions of binary.wgsl (at most 8): sizes and each operand's strides, 0 where broadcast. */
export const MAX_BROADCAST_RANK = 8;
export interface BroadcastDims {
  shape: readonly number[];
  aStrides: readonly number[];
  bStrides: readonly number[];
}

/** These kernels handle one vec4 (4 elements) per invocation; bindings are padded to 16 bytes. */
const vec4Count = (n: number): number => Math.ceil(n / 4);

/** The uniform of fill.wgsl. */
export const FILL_PARAMS = ['n', 'value:f32'] as const;
/** The uniform of unary.wgsl: alpha and beta are the op's constants (affine's scale and shift, pow's exponent). */
export const UNARY_PARAMS = ['n', 'alpha:f32', 'beta:f32'] as const;
/**
 * The uniform of binary.wgsl: the output's element count, then the collapsed broadcast dimensions
 * (at most MAX_BROADCAST_RANK, in two vec4s each; `_a`, `_b` pad the scalars to the arrays' 16-byte
 * alignment).
 */
export const BINARY_PARAMS = ['n', 'rank', '_a', '_b', 'shape:u32[8]', 'a_strides:u32[8]', 'b_strides:u32[8]'] as const;

/** out[i] = value for i < count. */
export function fillKernel(rt: Runtime, out: BufferBinding, count: number, value: number): void {
  rt.run(FILL, { buffers: [out], params: packUniform(FILL_PARAMS, { n: count, value }), invocations: vec4Count(count) });
}

/** out[i] = op(x[i]) for i < count (affine: alpha * x + beta; pow: x ^ alpha). */
export function unaryKernel(
  rt: Runtime, x: BufferBinding, out: BufferBinding, count: number, op: keyof typeof UnaryOp, alpha = 0, beta = 0,
): void {
  rt.run(UNARY, {
    constants: { OP: UnaryOp[op] },
    buffers: [x, out],
    params: packUniform(UNARY_PARAMS, { n: count, alpha, beta }),
    invocations: vec4Count(count),
  });
}

/**
 * out = a OP b over `count` output elements: elementwise when `dims` is absent (same shapes),
 * otherwise broadcast along the collapsed dimensions `dims`.
 */
export function binaryKernel(
  rt: Runtime, a: BufferBinding, b: BufferBinding, out: BufferBinding, count: number, op: keyof typeof BinaryOp,
  dims?: BroadcastDims,
): void {
  if (dims && dims.shape.length > MAX_BROADCAST_RANK) {
    throw new RangeError(`binary kernel: ${dims.shape.length} broadcast dimensions, at most ${MAX_BROADCAST_RANK}`);
  }
  // Same shapes: one dimension of `count` elements (the kernel skips the index arithmetic anyway).
  const { shape, aStrides, bStrides } = dims ?? { shape: [count], aStrides: [1], bStrides: [1] };
  rt.run(BINARY, {
    constants: { OP: BinaryOp[op], BROADCAST: dims !== undefined },
    buffers: [a, b, out],
    params: packUniform(BINARY_PARAMS, { n: count, rank: shape.length, shape, a_strides: aStrides, b_strides: bStrides }),
    invocations: vec4Count(count),
  });
}

/** The uniform of mean_of.wgsl. */
export const MEAN_OF_PARAMS = ['n', 'scale:f32'] as const;
/** mean_of.wgsl's input slots: with the output, WebGPU's default 8 storage buffers per stage. */
export const MEAN_OF_MAX_INPUTS = 7;

/**
 * out = (inputs[0] + ... + inputs[k-1]) * f32(1 / k) over `count` elements, summed left to right:
 * the same values as k - 1 binary adds and a unary affine, in one pass.
 */
export function meanOfKernel(rt: Runtime, inputs: readonly BufferBinding[], out: BufferBinding, count: number): void {
  const k = inputs.length;
  if (k < 1 || k > MEAN_OF_MAX_INPUTS) throw new RangeError(`mean_of kernel: ${k} inputs, 1 to ${MEAN_OF_MAX_INPUTS}`);
  // Slots past k are bound to the first input (never read: the override N drops their loads).
  const slots = Array.from({ length: MEAN_OF_MAX_INPUTS }, (_, i) => inputs[i] ?? inputs[0]);
  const params = packUniform(MEAN_OF_PARAMS, { n: count, scale: 1 / k });
  rt.run(MEAN_OF, { constants: { N: k }, buffers: [...slots, out], params, invocations: vec4Count(count) });
}
