// Pooling's geometry: argument checks and resolved sizes (PyTorch's rules), and the register
// budgets of the pool2d_*.wgsl kernels that decide which of them can take a window. The kernels and
// the forward/backward pair are in pool.ts.
import { packUniform } from '../gpu/uniforms.ts';
import { ShapeError, type Tensor } from '../tensor/tensor.ts';

export type Pair = number | readonly [number, number];

export interface Pool2dOptions {
  /** Step between windows; defaults to the window size (as PyTorch). */
  stride?: Pair;
  /** Implicit padding on each side; at most half the window (PyTorch's rule). Default 0. */
  padding?: Pair;
  /** avgPool2d only: count padded positions in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
}

/** The resolved geometry of one pooling call. */
export interface PoolGeometry {
  N: number; C: number; H: number; W: number; Ho: number; Wo: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number;
}

/** Output rows pending at once in the forward walk (MAX_ACC in pool2d.wgsl): its register budget. */
export const MAX_PENDING_ROWS = 8;
/** The register budget of the *_grad_rows kernels: output rows and columns held per strip (MAX_ROWS, MAX_COLS there). */
export const MAX_HELD_ROWS = 8;
export const MAX_HELD_COLS = 8;

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export function poolGeometry(op: string, x: Tensor, kernelSize: Pair, options: Pool2dOptions): PoolGeometry {
  if (x.rank !== 4) throw new ShapeError(`${op} takes an NCHW tensor (rank 4), got shape [${x.shape.join(', ')}]`);
  const [N, C, H, W] = x.shape;
  const [kh, kw] = pair(kernelSize);
  const [sh, sw] = pair(options.stride ?? kernelSize);
  const [ph, pw] = pair(options.padding ?? 0);
  const positive = [kh, kw, sh, sw].every((v) => Number.isInteger(v) && v >= 1);
  if (!positive || ![ph, pw].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new RangeError(`${op}: window ${kh}x${kw} and stride ${sh}x${sw} must be positive integers, padding ${ph}x${pw} non-negative`);
  }
  if (2 * ph > kh || 2 * pw > kw) {
    throw new RangeError(`${op}: padding ${ph}x${pw} is more than half the window ${kh}x${kw} (PyTorch's limit)`);
  }
  if (kh > H + 2 * ph || kw > W + 2 * pw) {
    throw new ShapeError(`${op}: window ${kh}x${kw} is larger than the padded input ${H + 2 * ph}x${W + 2 * pw}`);
  }
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  return { N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw };
}

/** The uniform of the pool2d*.wgsl kernels (struct Params there). */
export const POOL_PARAMS = ['H', 'W', 'Ho', 'Wo', 'ph', 'pw', 'strips', 'total'] as const;

/** The uniform of pool2d_max_at.wgsl: plane sizes in and out, and the output's element count. */
export const POOL_AT_PARAMS = ['plane_in', 'plane_out', 'total'] as const;

/** POOL_PARAMS for a launch over `total` invocations, `strips` per row of columns. */
export function poolParams(g: PoolGeometry, strips: number, total: number): number[] {
  return packUniform(POOL_PARAMS, { H: g.H, W: g.W, Ho: g.Ho, Wo: g.Wo, ph: g.ph, pw: g.pw, strips, total });
}

/** Output rows whose windows contain one input row: ceil(kh / sh). */
export const heldRows = (g: PoolGeometry): number => Math.ceil(g.kh / g.sh);
/** Output columns whose windows reach 4 consecutive input columns. */
export const heldCols = (g: PoolGeometry): number => Math.floor((g.kw + 2) / g.sw) + 1;
