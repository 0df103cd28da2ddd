// Tape-free sums over axes (one reduce_sum.wgsl pass per run of adjacent axes), and sumToShape, the
// reduction that undoes broadcasting in gradients. The differentiable sum and mean (../reduce.ts)
// record these; backward rules of every op family call them directly.
import reduceSumWgsl from '../../../shaders/reduce_sum.wgsl';
import { packUniform } from '../../gpu/uniforms.ts';
import { ShapeError, Tensor, type Shape } from '../../tensor/tensor.ts';

const REDUCE_SUM = { name: 'reduce_sum', code: reduceSumWgsl };
/**
 * The uniform of reduce_sum.wgsl: sums [outer, reduced, inner] over the middle axis in `chunks`
 * chunks of `chunk` terms, times `scale`.
 */
export const REDUCE_SUM_PARAMS = ['outer', 'reduced', 'inner', 'chunk', 'chunks', 'scale:f32'] as const;
/** Reductions longer than this with little parallelism outside them run in two passes. */
const TWO_PASS_MIN_LENGTH = 2048;
const CHUNK_LENGTH = 512;

/** Axes as sorted, distinct, non-negative indices (all of them when none are given). */
export function normaliseAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  const list = axes === undefined ? [...Array(rank).keys()] : typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    const d = a < 0 ? a + rank : a;
    if (!Number.isInteger(d) || d < 0 || d >= rank) throw new ShapeError(`axis ${a} is out of range for rank ${rank}`);
    return d;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Sums [outer, reduced, inner] over the middle axis (two passes when that is long and lonely). */
function reduceMiddle(x: Tensor, outer: number, reduced: number, inner: number, scale: number): Tensor {
  const rt = x.rt;
  if (reduced > TWO_PASS_MIN_LENGTH && outer * inner < 4096) {
    const chunks = Math.ceil(reduced / CHUNK_LENGTH);
    const partial = Tensor.empty([outer * chunks * inner], rt);
    const params = packUniform(REDUCE_SUM_PARAMS, { outer, reduced, inner, chunk: CHUNK_LENGTH, chunks, scale: 1 });
    rt.run(REDUCE_SUM, { buffers: [x.binding(), partial.binding()], params, invocations: outer * chunks * inner });
    const out = reduceMiddle(partial, outer, chunks, inner, scale);
    partial.dispose();
    return out;
  }
  const out = Tensor.empty([outer * inner], rt);
  const params = packUniform(REDUCE_SUM_PARAMS, { outer, reduced, inner, chunk: reduced, chunks: 1, scale });
  rt.run(REDUCE_SUM, { buffers: [x.binding(), out.binding()], params, invocations: outer * inner });
  return out;
}

/**
 * The sum over `axes` (sorted and distinct, as normaliseAxes gives them) times `scale`; the reduced
 * axes kept as size 1 with `keepdim`.
 */
export function sumAxes(x: Tensor, axes: readonly number[], keepdim: boolean, scale = 1): Tensor {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const finalShape = keepdim ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  if (axes.length === 0) {
    // Nothing to reduce: a scaled copy (reducing runs of length 1).
    const copy = reduceMiddle(x, 1, 1, x.size, scale);
    const out = copy.alias(finalShape);
    copy.dispose();
    return out;
  }
  // Reduce runs of adjacent axes together, last run first, so each step is one [outer, R, inner] pass.
  let current = x;
  let shape = [...x.shape];
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === a) last[1] = a + 1;
    else runs.push([a, a + 1]);
  }
  for (let r = runs.length - 1; r >= 0; r--) {
    const [from, to] = runs[r];
    const outer = shape.slice(0, from).reduce((p, d) => p * d, 1);
    const reduced = shape.slice(from, to).reduce((p, d) => p * d, 1);
    const inner = shape.slice(to).reduce((p, d) => p * d, 1);
    const next = reduceMiddle(current, outer, reduced, inner, r === 0 ? scale : 1);
    if (current !== x) current.dispose();
    current = next;
    shape = [...shape.slice(0, from), ...shape.slice(to)];
  }
  const out = current.alias(finalShape);
  current.dispose();
  return out;
}

/** Sums `g` down to `shape` (the inverse of broadcasting). Returns `g` itself when shapes match. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const offset = g.rank - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.rank; d++) {
    if (d < offset || (shape[d - offset] === 1 && g.shape[d] !== 1)) axes.push(d);
  }
  const reduced = sumAxes(g, axes, true);
  const out = reduced.alias(shape);
  reduced.dispose();
  return out;
}
