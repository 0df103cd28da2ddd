// What every conv2d path shares: argument checks and resolved sizes (PyTorch's rules), the uniform
// and override constants of the conv2d_*.wgsl kernels, which path a call takes (pointwise,
// depthwise, the direct general path), the limits of the kernels' register arrays that decide it,
// and the sizing of invocations and batch chunks. Each path's kernels and constants are in
// conv-pointwise.ts, conv-depthwise.ts and conv-direct.ts; conv.ts chooses between them, and
// kernel-choice.ts chooses the kernel variant within a path.
import { packUniform } from '../gpu/uniforms.ts';
import { ShapeError, type Tensor } from '../tensor/tensor.ts';
import { sumToShape } from './primitives/reduce.ts';

/** Workgroup size of the direct kernels, and the largest group planeGroup picks. */
export const GROUP = 64;
/**
 * Filter taps that the subgroup and depthwise kernels hold in registers (MAX_TAPS there); larger
 * filters use the plain general kernels.
 */
export const MAX_TAPS = 49;
/**
 * Kernels keep the input (or dy) columns under 4 adjacent outputs in a register array of this size
 * (MAX_SPAN in the shaders): 3 * stride + dilation * (kernel width - 1) + 1 must fit. The search
 * space needs at most 20 (7 wide, dilation 2, stride 2).
 */
export const MAX_SPAN = 32;
/** Weight-gradient kernels split the batch into chunks until about this many invocations run. */
const WEIGHT_GRAD_INVOCATIONS = 4096;

export type Pair = number | readonly [number, number];
export type Padding = Pair | readonly [number, number, number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** One number for all sides, [h, w] (top = bottom, left = right), or [top, bottom, left, right]. */
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
}

/** Every size a conv kernel needs, resolved and checked once. */
export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  K: number; OH: number; OW: number;
  KH: number; KW: number; SH: number; SW: number; DH: number; DW: number;
  pt: number; pl: number;
  groups: number; cinG: number; coutG: number;
}

export function pair(name: string, v: Pair, min: number): [number, number] {
  const [a, b] = typeof v === 'number' ? [v, v] : v;
  if (![a, b].every((d) => Number.isInteger(d) && d >= min)) {
    throw new ShapeError(`conv2d: ${name} must be integers >= ${min}, got ${JSON.stringify(v)}`);
  }
  return [a, b];
}

export function geometry(x: Tensor, w: Tensor, bias: Tensor | null, o: Conv2dOptions): ConvGeometry {
  if (x.rank !== 4) throw new ShapeError(`conv2d: input must be 4-D NCHW, got [${x.shape.join(', ')}]`);
  if (w.rank !== 4) throw new ShapeError(`conv2d: weight must be 4-D [K, C/groups, KH, KW], got [${w.shape.join(', ')}]`);
  const [N, C, H, W] = x.shape;
  const [K, cinG, KH, KW] = w.shape;
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(`conv2d: groups must be a positive integer, got ${groups}`);
  if (C % groups !== 0 || K % groups !== 0) {
    throw new ShapeError(`conv2d: input channels (${C}) and output channels (${K}) must both be divisible by groups (${groups})`);
  }
  if (cinG !== C / groups) {
    throw new ShapeError(`conv2d: weight [${w.shape.join(', ')}] expects ${cinG * groups} input channels with groups=${groups}, input has ${C}`);
  }
  if (KH < 1 || KW < 1 || K < 1) throw new ShapeError(`conv2d: empty weight [${w.shape.join(', ')}]`);
  // An empty batch or image is not supported (PyTorch allows an empty batch; no caller needs it).
  if (x.size === 0) throw new ShapeError(`conv2d: empty input [${x.shape.join(', ')}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== K)) {
    throw new ShapeError(`conv2d: bias must have shape [${K}], got [${bias.shape.join(', ')}]`);
  }
  const [SH, SW] = pair('stride', o.stride ?? 1, 1);
  const [DH, DW] = pair('dilation', o.dilation ?? 1, 1);
  const pad = o.padding ?? 0;
  const [pt, pb, pl, pr] =
    typeof pad !== 'number' && pad.length === 4 ? pad : (([h, v]) => [h, h, v, v])(pair('padding', pad as Pair, 0));
  if (![pt, pb, pl, pr].every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`conv2d: padding must be integers >= 0, got ${JSON.stringify(pad)}`);
  }
  const OH = Math.floor((H + pt + pb - DH * (KH - 1) - 1) / SH) + 1;
  const OW = Math.floor((W + pl + pr - DW * (KW - 1) - 1) / SW) + 1;
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `conv2d: output would be ${OH}x${OW}: input ${H}x${W} with padding [${pt}, ${pb}, ${pl}, ${pr}] is smaller than the ` +
        `dilated kernel ${DH * (KH - 1) + 1}x${DW * (KW - 1) + 1}`,
    );
  }
  const span = 3 * SW + DW * (KW - 1) + 1;
  if (span > MAX_SPAN) {
    throw new ShapeError(`conv2d: 3 * stride_w + dilation_w * (kernel_w - 1) + 1 = ${span} exceeds the kernels' limit of ${MAX_SPAN}`);
  }
  return { N, C, H, W, K, OH, OW, KH, KW, SH, SW, DH, DW, pt, pl, groups, cinG, coutG: K / groups };
}

/** The uniform of every conv2d_*.wgsl kernel but the column walk (struct Params there). */
export const CONV_PARAMS = [
  'N', 'C', 'H', 'W', 'K', 'OH', 'OW', 'cin_g',
  'cout_g', 'pt:i32', 'pl:i32', 'blocks', 'count', 'per_chunk', '_a', '_b',
] as const;
/** The geometry fields of CONV_PARAMS, as every conv2d uniform starts. */
export const convSizes = (g: ConvGeometry) => ({
  N: g.N, C: g.C, H: g.H, W: g.W, K: g.K, OH: g.OH, OW: g.OW, cin_g: g.cinG, cout_g: g.coutG, pt: g.pt, pl: g.pl,
});

/** CONV_PARAMS for a launch: `blocks` of channels per invocation, `count` invocations, batch chunks of `perChunk`. */
export function params(g: ConvGeometry, blocks: number, count: number, perChunk = 0): number[] {
  return packUniform(CONV_PARAMS, { ...convSizes(g), blocks, count, per_chunk: perChunk });
}

/** Override constants: the tap geometry, so the kernels' tap loops unroll. */
export function taps(g: ConvGeometry, wg = GROUP): Record<string, number> {
  return { WG: wg, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, DH: g.DH, DW: g.DW };
}

/** 1x1 over the whole image, unpadded (OH = H also rules out bottom/right padding): a matrix product. */
export const isPointwise = (g: ConvGeometry): boolean =>
  g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.pt === 0 && g.pl === 0 && g.groups === 1 &&
  g.OH === g.H && g.OW === g.W;
/** The depthwise kernels hold the filter in registers (MAX_TAPS there); larger ones take the general path. */
export const isDepthwise = (g: ConvGeometry): boolean => g.groups === g.C && g.K === g.C && g.KH * g.KW <= MAX_TAPS;

/**
 * Workgroup size for per-plane kernels: a multiple of llvmpipe's 8 lanes up to 64 that wastes the
 * fewest lanes on `count` invocations (196 = 7 x 28: 56 lanes, 4 groups, rather than 64 lanes and a
 * last group of 4).
 */
export function planeGroup(count: number): number {
  let best = 8;
  for (let wg = 8; wg <= GROUP; wg += 8) {
    const waste = Math.ceil(count / wg) * wg - count;
    const bestWaste = Math.ceil(count / best) * best - count;
    if (waste < bestWaste || (waste === bestWaste && wg > best)) best = wg;
  }
  return best;
}

/** Batch chunks for a weight gradient so that about WEIGHT_GRAD_INVOCATIONS invocations run. */
export function chunking(N: number, invocations: number): { chunks: number; perChunk: number } {
  const wanted = Math.min(N, Math.max(1, Math.ceil(WEIGHT_GRAD_INVOCATIONS / invocations)));
  const perChunk = Math.ceil(N / wanted);
  return { chunks: Math.ceil(N / perChunk), perChunk };
}

/** Sums partial results over their first axis into `shape` (no copy when there is one chunk). */
export function sumChunks(part: Tensor, shape: readonly number[]): Tensor {
  if (part.shape[0] === 1) {
    const out = part.alias(shape);
    part.dispose();
    return out;
  }
  const summed = sumToShape(part, part.shape.slice(1));
  part.dispose();
  const out = summed.alias(shape);
  summed.dispose();
  return out;
}
