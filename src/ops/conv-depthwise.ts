// The depthwise path of conv2d (groups = C = K, up to MAX_TAPS taps): one filter per channel,
// forward, input gradient and weight gradient side by side, with the constants their shaders mirror.
// Two kernel families, chosen per adapter in kernel-choice.ts and handed in by conv.ts:
//   - the column walk (CPU adapters, row stride 1): each invocation walks a strip of SC columns down
//     the plane, loading each input row once (2-3x faster on lavapipe than row blocks; measured on
//     lavapipe only, so real GPUs keep the row blocks). The input gradient at stride 1 is the same
//     walk over dy with the filter rotated (FLIP); the weight gradient has its own walk. The ReLU of
//     reluConv2d rides along: applied as x is loaded (IN_RELU), its gradient as dx is stored (MASK).
//   - row blocks (conv2d_depthwise*.wgsl): DEPTHWISE_ROWS x 4 outputs per invocation, for the rest
//     (row strides, very large dilations, the 'gpu' profile). A subgroup variant that shared the
//     filter loads measured no faster once stride 1 took the column walk (stride 2: 3.1-3.4 vs
//     3.2-3.7 ms), so there is one kernel each.
import depthwiseWgsl from '../../shaders/conv2d_depthwise.wgsl';
import depthwiseColumnsWgsl from '../../shaders/conv2d_depthwise_columns.wgsl';
import depthwiseInputGradWgsl from '../../shaders/conv2d_depthwise_input_grad.wgsl';
import depthwiseWeightGradWgsl from '../../shaders/conv2d_depthwise_weight_grad.wgsl';
import depthwiseWeightGradColumnsWgsl from '../../shaders/conv2d_depthwise_weight_grad_columns.wgsl';
import type { KernelSource, OverrideConstants } from '../gpu/pipelines.ts';
import type { Runtime } from '../gpu/runtime.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';
import { packUniform } from '../gpu/uniforms.ts';
import { Tensor } from '../tensor/tensor.ts';
import {
  chunking, convSizes, MAX_SPAN, params, planeGroup, sumChunks, taps, type ConvGeometry,
} from './conv-geometry.ts';
import { binary } from './primitives/elementwise.ts';
import { sumAxes } from './primitives/reduce.ts';

const DEPTHWISE = { name: 'conv2d_depthwise', code: depthwiseWgsl };
const DEPTHWISE_COLUMNS = { name: 'conv2d_depthwise_columns', code: depthwiseColumnsWgsl };
const DEPTHWISE_INPUT_GRAD = { name: 'conv2d_depthwise_input_grad', code: depthwiseInputGradWgsl };
const DEPTHWISE_WEIGHT_GRAD = { name: 'conv2d_depthwise_weight_grad', code: depthwiseWeightGradWgsl };
const DEPTHWISE_WEIGHT_GRAD_COLUMNS = { name: 'conv2d_depthwise_weight_grad_columns', code: depthwiseWeightGradColumnsWgsl };

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

/** The uniform of the column walks (struct Params there): CONV_PARAMS's geometry, then the walk's split of the plane. */
export const COLUMN_WALK_PARAMS = [
  'N', 'C', 'H', 'W', 'K', 'OH', 'OW', 'cin_g',
  'cout_g', 'pt:i32', 'pl:i32', 'rows', 'count', '_a', 'strips', 'chunks',
] as const;

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

/** Launches a column-walk kernel (conv2d_depthwise_columns, conv2d_depthwise_weight_grad_columns) over `walk`. */
function runColumns(
  rt: Runtime, kernel: KernelSource, g: ConvGeometry, walk: ColumnWalk, buffers: readonly BufferBinding[],
  constants: OverrideConstants,
): void {
  rt.run(kernel, {
    constants: { WG: planeGroup(walk.count), KH: g.KH, KW: g.KW, SW: g.SW, DH: g.DH, DW: g.DW, SC: walk.SC, ...constants },
    buffers,
    params: packUniform(COLUMN_WALK_PARAMS, { ...convSizes(g), rows: walk.rows, count: walk.count, strips: walk.strips, chunks: walk.chunks }),
    invocations: walk.count,
  });
}

/**
 * The forward, by the column walk when `walk` is given (of relu(x) with `relu`: only then may it
 * be asked for), by row blocks otherwise.
 */
export function depthwiseForward(
  rt: Runtime, g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | null, walk: ColumnWalk | null, relu = false,
): Tensor {
  const out = Tensor.empty([g.N, g.K, g.OH, g.OW], rt);
  // Without a bias the kernels never read binding 3, but the layout needs a buffer there.
  const buffers = [x.binding(), w.binding(), (bias ?? w).binding(), out.binding()];
  if (walk) {
    runColumns(rt, DEPTHWISE_COLUMNS, g, walk, buffers, relu ? { HAS_BIAS: bias !== null, IN_RELU: true } : { HAS_BIAS: bias !== null });
    return out;
  }
  if (relu) throw new Error('depthwiseForward: the ReLU rides only on the column walk');
  const count = Math.ceil(g.OH / DEPTHWISE_ROWS) * Math.ceil(g.OW / 4);
  const wg = planeGroup(count);
  // Stride-1 rows of a width divisible by 4 read the input as aligned vec4 blocks.
  const aligned = g.SW === 1 && g.W % 4 === 0;
  rt.run(DEPTHWISE, {
    constants: { ...taps(g, wg), HAS_BIAS: bias !== null, ALIGNED: aligned, PL: aligned ? g.pl : 0 },
    buffers: [...buffers, x.binding()],
    params: params(g, 1, count),
    workgroups: [Math.ceil(count / wg), g.C, g.N],
  });
  return out;
}

/** A depthwise input gradient that the column walk computes: the rotated filter's geometry and walk. */
export interface TransposedWalk {
  geometry: ConvGeometry;
  walk: ColumnWalk;
}

/**
 * The input gradient: the forward column walk over dy with the rotated filter when `transposed` is
 * given, row blocks otherwise. With `reluOf` (the x of reluConv2d) the gradient is masked where
 * x <= 0: by the walk as it stores, or after the row blocks.
 */
export function depthwiseInputGrad(
  rt: Runtime, g: ConvGeometry, dy: Tensor, w: Tensor, transposed: TransposedWalk | null, reluOf: Tensor | null = null,
): Tensor {
  const dx = Tensor.empty([g.N, g.C, g.H, g.W], rt);
  if (transposed) {
    const buffers = [dy.binding(), w.binding(), (reluOf ?? w).binding(), dx.binding()];
    runColumns(rt, DEPTHWISE_COLUMNS, transposed.geometry, transposed.walk, buffers, reluOf ? { FLIP: true, MASK: true } : { FLIP: true });
    return dx;
  }
  const count = Math.ceil(g.H / DEPTHWISE_ROWS) * Math.ceil(g.W / 4);
  const wg = planeGroup(count);
  rt.run(DEPTHWISE_INPUT_GRAD, {
    constants: taps(g, wg),
    buffers: [dy.binding(), w.binding(), dx.binding()],
    params: params(g, 1, count),
    workgroups: [Math.ceil(count / wg), g.C, g.N],
  });
  if (!reluOf) return dx;
  const masked = binary(dx, reluOf, 'maskPositive');
  dx.dispose();
  return masked;
}

/** The weight gradient (of conv2d(relu(x)) with `relu`, on the column walk only). */
export function depthwiseWeightGrad(rt: Runtime, g: ConvGeometry, dy: Tensor, x: Tensor, walk: ColumnWalk | null, relu = false): Tensor {
  const wShape = [g.K, g.cinG, g.KH, g.KW];
  if (walk) {
    // Partial sums [C, N * chunks * strips, taps], then one reduction over the middle axis.
    const part = Tensor.empty([g.C, walk.count / g.C, g.KH * g.KW], rt);
    runColumns(rt, DEPTHWISE_WEIGHT_GRAD_COLUMNS, g, walk, [x.binding(), dy.binding(), part.binding()], { IN_RELU: relu });
    const summed = sumAxes(part, [1], false);
    part.dispose();
    const out = summed.alias(wShape);
    summed.dispose();
    return out;
  }
  if (relu) throw new Error('depthwiseWeightGrad: the ReLU rides only on the column walk');
  // One partial sum per invocation (a block of DEPTHWISE_ROWS x 4 outputs over a batch chunk) and tap.
  const count = Math.ceil(g.OH / DEPTHWISE_ROWS) * Math.ceil(g.OW / 4);
  const { chunks, perChunk } = chunking(g.N, count * g.C);
  const wg = planeGroup(count);
  const part = Tensor.empty([chunks * count, g.C, g.KH, g.KW], rt);
  rt.run(DEPTHWISE_WEIGHT_GRAD, {
    constants: taps(g, wg),
    buffers: [x.binding(), dy.binding(), part.binding()],
    params: params(g, 1, count, perChunk),
    workgroups: [Math.ceil(count / wg), g.C, chunks],
  });
  return sumChunks(part, wShape);
}
