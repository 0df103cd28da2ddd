// conv2d's geometry: argument checks and resolved sizes, the uniform and override constants every
// conv2d_*.wgsl kernel shares, which path (pointwise, depthwise, general) a call takes, and the
// limits of the kernels' register arrays. Which kernel variant runs on an adapter is decided in
// kernel-choice.ts; the kernels and the forward/backward pair are in conv.ts.
import { packUniform } from '../gpu/uniforms.ts';
import { ShapeError, type Tensor } from '../tensor/tensor.ts';

export const GROUP = 64;
/** Output channels per invocation in conv2d_forward.wgsl (COB there). */
export const FORWARD_BLOCK = 8;
/**
 * ...and in conv2d_forward_subgroup.wgsl (COB there); input channels per invocation of
 * conv2d_input_grad_subgroup.wgsl (CIB there). Each of the 8 lanes loads the taps of two channels.
 */
export const SUBGROUP_FORWARD_BLOCK = 16;
export const SUBGROUP_INPUT_GRAD_BLOCK = 16;
/**
 * Output channels per invocation of conv2d_weight_grad_subgroup.wgsl (KB there): one per lane of
 * llvmpipe's 8 that loads dy.
 */
export const SUBGROUP_BLOCK = 8;
/** ...and of their plain kernels, whose 4 channels are unrolled by hand (acc0..acc3 there). */
export const PLAIN_BLOCK = 4;
/** Output channels per invocation of conv2d_weight_grad_runs.wgsl (KB there). */
export const RUNS_CHANNEL_BLOCK = 16;
/** ...and the filter taps per run there (TB): 4 adjacent ky, the sums of one vec4 per channel. */
export const RUN_TAPS = 4;
/** Widest filter the subgroup weight-gradient kernel holds in registers (MAX_KW there). */
export const MAX_WEIGHT_GRAD_KW = 7;
/** Output rows per invocation in conv2d_depthwise.wgsl (ROWS there). */
export const DEPTHWISE_ROWS = 4;
/** Output columns per invocation of conv2d_depthwise_columns.wgsl, at most (MAX_SC there). */
export const MAX_COLUMNS = 8;
/**
 * Output rows in flight there, (KH - 1) * DH + 1, at most (MAX_RING there): 7x7 at dilation 2.
 * Larger ones take conv2d_depthwise*.wgsl.
 */
export const MAX_RING = 13;
/**
 * Output rows one invocation of conv2d_depthwise_columns.wgsl walks, at most: a 28-row plane in one
 * walk (2 halo rows per 28); chunks of 10-14 rows measured slower. Taller planes go in chunks.
 */
const COLUMN_ROWS = 32;
/** ...but shorter chunks until about this many invocations run, so a small batch fills the threads. */
const COLUMN_MIN_INVOCATIONS = 512;
/**
 * Multiply-adds per input row there (KH * KW * SC), at most. Past some size the tap loops stop
 * unrolling and the arrays go to memory: 7x7 at 5 columns (245) ran 5.6 ms, at 6 columns (294)
 * 34 ms (N = 64, C = 32, 28x28; the row-block kernel conv2d_depthwise took 18.6 ms).
 */
const MAX_ROW_TERMS = 245;
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
/** Output tile edge of conv2d_tiled.wgsl (TILE there) and its reduction step (TK there). */
export const TILE = 64;
export const TILE_K = 16;
/**
 * The tiled weight gradient splits its reduction (N * OH * OW terms) into chunks until about this
 * many workgroups run: a few per multiprocessor of a large GPU. A guess, not measured.
 */
export const TILED_WEIGHT_GRAD_GROUPS = 512;
/** ...but keeps at least this many terms per chunk, so summing the chunks stays a small extra pass. */
export const TILED_MIN_CHUNK = 1024;

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
/** conv2d_depthwise_columns.wgsl's: the same geometry, then its split of the plane. */
export const COLUMN_WALK_PARAMS = [
  'N', 'C', 'H', 'W', 'K', 'OH', 'OW', 'cin_g',
  'cout_g', 'pt:i32', 'pl:i32', 'rows', 'count', '_a', 'strips', 'chunks',
] as const;

const sizes = (g: ConvGeometry) => ({
  N: g.N, C: g.C, H: g.H, W: g.W, K: g.K, OH: g.OH, OW: g.OW, cin_g: g.cinG, cout_g: g.coutG, pt: g.pt, pl: g.pl,
});

/** CONV_PARAMS for a launch: `blocks` of channels per invocation, `count` invocations, batch chunks of `perChunk`. */
export function params(g: ConvGeometry, blocks: number, count: number, perChunk = 0): number[] {
  return packUniform(CONV_PARAMS, { ...sizes(g), blocks, count, per_chunk: perChunk });
}

/** COLUMN_WALK_PARAMS for a launch of conv2d_depthwise_columns.wgsl. */
export function columnWalkParams(g: ConvGeometry, walk: ColumnWalk): number[] {
  return packUniform(COLUMN_WALK_PARAMS, { ...sizes(g), rows: walk.rows, count: walk.count, strips: walk.strips, chunks: walk.chunks });
}

/** Override constants: the tap geometry, so the kernels' tap loops unroll. */
export function taps(g: ConvGeometry, wg = GROUP): Record<string, number> {
  return { WG: wg, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, DH: g.DH, DW: g.DW };
}

/** Override constants of conv2d_tiled.wgsl: the tap geometry (its workgroup is fixed at 16x16). */
export function tileTaps(g: ConvGeometry): Record<string, number> {
  return { KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, DH: g.DH, DW: g.DW };
}

/** 1x1 over the whole image, unpadded (OH = H also rules out bottom/right padding): a matrix product. */
export const isPointwise = (g: ConvGeometry): boolean =>
  g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.pt === 0 && g.pl === 0 && g.groups === 1 &&
  g.OH === g.H && g.OW === g.W;
/** The depthwise kernels hold the filter in registers (MAX_TAPS there); larger ones take the general path. */
export const isDepthwise = (g: ConvGeometry): boolean => g.groups === g.C && g.K === g.C && g.KH * g.KW <= MAX_TAPS;

/**
 * The geometry whose forward is the input gradient of a stride-1 depthwise convolution g: dy
 * (OH x OW) correlated with the filter rotated by 180 degrees, padded so that the output is H x W:
 * dx[iy, ix] = sum of w[KH-1-a, KW-1-b] dy[iy - pt' + a DH, ix - pl' + b DW] with
 * pt' = (KH - 1) DH - pt (same for columns). Null for strides, and for paddings so wide that
 * pt' < 0 (a pad beyond the dilated filter).
 */
export function depthwiseInputGradGeometry(g: ConvGeometry): ConvGeometry | null {
  if (g.SH !== 1 || g.SW !== 1) return null;
  const pt = (g.KH - 1) * g.DH - g.pt;
  const pl = (g.KW - 1) * g.DW - g.pl;
  if (pt < 0 || pl < 0) return null;
  return { ...g, H: g.OH, W: g.OW, OH: g.H, OW: g.W, pt, pl };
}

/** How conv2d_depthwise_columns.wgsl splits the output: SC columns by `rows` rows per invocation. */
export interface ColumnWalk {
  SC: number;
  rows: number;
  strips: number;
  chunks: number;
  /** Invocations: N * C * chunks * strips. */
  count: number;
}

/**
 * conv2d_depthwise_columns.wgsl's split of a depthwise forward, or null where that kernel does not
 * apply: a row stride (it walks rows one by one) or more than MAX_RING rows in flight. The strip
 * width minimises the elements loaded and stored per output row, (span + SC) per strip, ties going
 * to the wider strip (3x3 at width 28 -> 7 columns, 13 -> 7, 3 -> 3), within MAX_ROW_TERMS (7x7: at
 * most 5 columns).
 */
export function columnWalk(g: ConvGeometry): ColumnWalk | null {
  if (g.SH !== 1 || (g.KH - 1) * g.DH + 1 > MAX_RING) return null;
  let SC = 1;
  let best = Infinity;
  for (let sc = 1; sc <= MAX_COLUMNS; sc++) {
    const span = (sc - 1) * g.SW + (g.KW - 1) * g.DW + 1;
    if (span > MAX_SPAN || g.KH * g.KW * sc > MAX_ROW_TERMS) break;
    const cost = Math.ceil(g.OW / sc) * (span + sc);
    if (cost <= best) [SC, best] = [sc, cost];
  }
  const strips = Math.ceil(g.OW / SC);
  const planes = g.N * g.C;
  let chunks = Math.ceil(g.OH / COLUMN_ROWS);
  while (chunks < g.OH && planes * strips * chunks < COLUMN_MIN_INVOCATIONS) chunks++;
  const rows = Math.ceil(g.OH / chunks);
  chunks = Math.ceil(g.OH / rows);
  return { SC, rows, strips, chunks, count: planes * strips * chunks };
}

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
