// Matrix product (torch.matmul for 2-D and batched 3-D operands, batch broadcast when one side has
// no batch). Five kernels, chosen per adapter and operand layout (matmulKernel in kernel-choice.ts):
//  - `matmul_subgroup` on CPU adapters with subgroups when B is row-major with N % 4 == 0 (vec4 B
//    loads, A shared by subgroup shuffles; 23-25 GFLOP/s at 1024^3 on 2-core lavapipe);
//  - `matmul_bt_subgroup` on CPU adapters with subgroups when B is given transposed and contiguous
//    along k (the weight gradient of a 1x1 convolution, dY . X^T);
//  - `matmul_strided_subgroup` on CPU adapters with subgroups for any other layout (B gathered from
//    4 column addresses per lane, the layout of matmul_subgroup otherwise);
//  - `matmul_rows` on CPU adapters without subgroups (no barriers, 4x4 register blocks; ~9 GFLOP/s);
//  - `matmul_tiled` on real GPUs (workgroup-memory tiles; 3x slower than `rows` on llvmpipe).
// Transposed operands in backward are expressed with strides, not copies.
import matmulRowsWgsl from '../../shaders/matmul_rows.wgsl';
import matmulSubgroupWgsl from '../../shaders/matmul_subgroup.wgsl';
import matmulBtSubgroupWgsl from '../../shaders/matmul_bt_subgroup.wgsl';
import matmulStridedSubgroupWgsl from '../../shaders/matmul_strided_subgroup.wgsl';
import matmulTiledWgsl from '../../shaders/matmul_tiled.wgsl';
import type { MatmulKernel } from '../gpu/policy.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import { assertSameRuntime, ShapeError, Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { blockedMatmulKernel, matmulKernel } from './kernel-choice.ts';
import { sum } from './reduce.ts';
import { planeGroup } from './conv-geometry.ts';

const MATMUL_ROWS = { name: 'matmul_rows', code: matmulRowsWgsl };
const MATMUL_TILED = { name: 'matmul_tiled', code: matmulTiledWgsl };
const MATMUL_SUBGROUP = { name: 'matmul_subgroup', code: matmulSubgroupWgsl };
const MATMUL_BT_SUBGROUP = { name: 'matmul_bt_subgroup', code: matmulBtSubgroupWgsl };
const MATMUL_STRIDED_SUBGROUP = { name: 'matmul_strided_subgroup', code: matmulStridedSubgroupWgsl };
/**
 * The uniform of every matmul_*.wgsl kernel (struct Params there): sizes, operand strides, batch
 * strides, and column blocks (only the subgroup and strided-subgroup kernels read those: column j
 * of B and C lies in block j / n_block, b_block and c_block apart; C's rows are n_block apart).
 */
export const MATMUL_PARAMS = [
  'M', 'N', 'K', '_pad', 'a_sm', 'a_sk', 'b_sk', 'b_sn', 'a_batch', 'b_batch', 'c_batch', 'n_block',
  'b_block', 'c_block',
] as const;
const ROWS_GROUP = 64;
/** Rows of C per invocation in matmul_subgroup (ROWS there), at most. */
export const MAX_SUBGROUP_ROWS = 16;
/**
 * matmul_subgroup's rows per invocation: 8, 12 or 16, whichever leaves the fewest idle rows, ties
 * to more. 16 was fastest or level on every shape measured (pointwise C16-C128 over N = 64 images,
 * 1024^3; interleaved in one process on a loaded 2-core VM): C16 28x28 1.5-1.9 vs 1.9-3.5 ms at 12,
 * C128 28x28 73-98 vs 102-118 ms. 12 left a third of the rows idle on 16-channel products.
 */
function subgroupRows(M: number): number {
  let best = 16;
  for (const rows of [12, 8]) if (Math.ceil(M / rows) * rows < Math.ceil(M / best) * best) best = rows;
  return best;
}
/** Workgroups are whole subgroups of llvmpipe's 8 lanes; the kernels step k by as many (KSTEP in matmul_subgroup). */
export const SUBGROUP_LANES = 8;
/** Rows of C per invocation in matmul_bt_subgroup (ROWS there). */
export const BT_ROWS = 8;
/** Output tile edge of matmul_tiled (TILE there). */
export const MATMUL_TILE = 64;

/** Which kernel computes this product on `rt` (the choice is in kernel-choice.ts). */
export function chooseMatmulKernel(rt: Runtime, b: MatrixLayout, N: number): MatmulKernel {
  return matmulKernel(rt.policy, b, N);
}

/** Where element (m, k) of A or (k, n) of B lives: offset = batch * batchStride + i * s0 + j * s1. */
export interface MatrixLayout {
  buffer: Tensor;
  s0: number;
  s1: number;
  batchStride: number;
}

export const rowMajor = (t: Tensor, rows: number, cols: number, batched: boolean): MatrixLayout => ({
  buffer: t, s0: cols, s1: 1, batchStride: batched ? rows * cols : 0,
});
export const transposed = (t: Tensor, rows: number, cols: number, batched: boolean): MatrixLayout => ({
  // The logical (rows x cols) matrix is stored as (cols x rows).
  buffer: t, s0: 1, s1: rows, batchStride: batched ? rows * cols : 0,
});

/**
 * Column blocks: the N columns of B and of the product come in blocks of `columns`, `bStride` and
 * `cStride` elements apart (a pointwise convolution over a whole batch: column (image, pixel), so
 * one product covers every image). The product's rows are `columns` apart.
 */
export interface ColumnBlocks {
  columns: number;
  bStride: number;
  cStride: number;
}

/**
 * out[b] = A[b] (M x K) . B[b] (K x N), written contiguously into a new tensor of `outShape`; with
 * `blocks` (one batch entry only, and a kernel that reads them: see blockedMatmulKernel) the columns
 * are laid out in blocks.
 */
export function matmulInto(
  rt: Runtime,
  a: MatrixLayout,
  b: MatrixLayout,
  M: number,
  N: number,
  K: number,
  batch: number,
  outShape: readonly number[],
  blocks?: ColumnBlocks,
): Tensor {
  const out = Tensor.empty(outShape, rt);
  const params = packUniform(MATMUL_PARAMS, {
    M, N, K, a_sm: a.s0, a_sk: a.s1, b_sk: b.s0, b_sn: b.s1, a_batch: a.batchStride, b_batch: b.batchStride, c_batch: M * N,
    n_block: blocks?.columns ?? N, b_block: blocks?.bStride ?? 0, c_block: blocks?.cStride ?? 0,
  });
  const buffers = [a.buffer.binding(), b.buffer.binding(), out.binding()];
  const kernel = blocks ? blockedMatmulKernel(rt.policy, b, blocks) : chooseMatmulKernel(rt, b, N);
  if (blocks && (kernel === null || batch !== 1)) {
    throw new Error(`matmul: column blocks need one batch entry and a kernel that reads them (got ${kernel}, batch ${batch})`);
  }
  // Lanes own 4 columns each in `subgroup`, `strided-subgroup` and `rows`: the workgroup is the
  // multiple of 8 lanes up to 64 that leaves the fewest idle (planeGroup), so narrow products (N = 49
  // per image for 7x7 feature maps) get narrow workgroups instead of mostly idle 64-lane ones. Against
  // rounding up to 8 and capping at 64 (which left a 1-2 workgroup product up to 23% idle),
  // interleaved on 2-core lavapipe, pointwise 7x7 C512 forward + input gradient over 32 images: 62
  // vs 77 ms (medians), over 8: 20 vs 23; level where 64 lanes divide the columns.
  const vec4Group = planeGroup(Math.ceil(N / 4));
  if (kernel === 'subgroup' || kernel === 'strided-subgroup') {
    // The same layout of lanes and rows; the strided kernel gathers B from 4 column addresses.
    const rows = subgroupRows(M);
    rt.run(kernel === 'subgroup' ? MATMUL_SUBGROUP : MATMUL_STRIDED_SUBGROUP, {
      constants: { WG: vec4Group, ROWS: rows },
      buffers,
      params,
      workgroups: [Math.ceil(N / (4 * vec4Group)), Math.ceil(M / rows), batch],
    });
  } else if (kernel === 'bt-subgroup') {
    // One column per lane: narrow products (N = channels, often 16-64) get narrow workgroups.
    const wg = Math.min(ROWS_GROUP, Math.max(SUBGROUP_LANES, Math.ceil(N / SUBGROUP_LANES) * SUBGROUP_LANES));
    rt.run(MATMUL_BT_SUBGROUP, {
      constants: { WG: wg },
      buffers,
      params,
      workgroups: [Math.ceil(N / wg), Math.ceil(M / BT_ROWS), batch],
    });
  } else if (kernel === 'rows') {
    rt.run(MATMUL_ROWS, {
      constants: { WG: vec4Group },
      buffers,
      params,
      workgroups: [Math.ceil(N / (4 * vec4Group)), Math.ceil(M / 4), batch],
    });
  } else {
    rt.run(MATMUL_TILED, { buffers, params, workgroups: [Math.ceil(N / MATMUL_TILE), Math.ceil(M / MATMUL_TILE), batch] });
  }
  return out;
}

/** Matrix product of [M,K] x [K,N], [B,M,K] x [B,K,N], or a batch against a single matrix. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const rt = assertSameRuntime('matmul', a, b);
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
    throw new ShapeError(`matmul takes 2-D or 3-D tensors, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  const [M, K] = a.shape.slice(-2);
  const [K2, N] = b.shape.slice(-2);
  const batchA = a.rank === 3 ? a.shape[0] : 1;
  const batchB = b.rank === 3 ? b.shape[0] : 1;
  if (K !== K2 || (a.rank === 3 && b.rank === 3 && batchA !== batchB)) {
    throw new ShapeError(`matmul: [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not chain (inner sizes ${K} and ${K2})`);
  }
  const batch = Math.max(batchA, batchB);
  const batched = a.rank === 3 || b.rank === 3;
  const outShape = batched ? [batch, M, N] : [M, N];
  const out = matmulInto(rt, rowMajor(a, M, K, a.rank === 3), rowMajor(b, K, N, b.rank === 3), M, N, K, batch, outShape);

  return recordOp(out, 'matmul', [a, b], [a, b], (g, [as, bs]) => {
    // dA = dC . B^T  (M x N . N x K), dB = A^T . dC  (K x M . M x N)
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      const full = matmulInto(rt, rowMajor(g, M, N, batched), transposed(bs, N, K, b.rank === 3), M, K, N, batch, batched ? [batch, M, K] : [M, K]);
      // A single matrix broadcast over the batch collects the gradient of every batch entry.
      ga = a.rank === 3 || !batched ? full : sum(full, 0);
    }
    if (b.requiresGrad) {
      const full = matmulInto(rt, transposed(as, K, M, a.rank === 3), rowMajor(g, M, N, batched), K, N, M, batch, batched ? [batch, K, N] : [K, N]);
      gb = b.rank === 3 || !batched ? full : sum(full, 0);
    }
    return [ga, gb];
  });
}
