// Tape-free copies through copy_strided.wgsl, the one kernel behind transpose, permute, slice,
// concat and broadcasting by copy: copyStrided, and broadcastTo (expand without a tape record).
import copyStridedWgsl from '../../../shaders/copy_strided.wgsl';
import { packUniform } from '../../gpu/uniforms.ts';
import { shapeSize, ShapeError, Tensor, type Shape } from '../../tensor/tensor.ts';
import { broadcastStrides, collapseDims, contiguousStrides } from './strides.ts';

const COPY_STRIDED = { name: 'copy_strided', code: copyStridedWgsl };
/** The uniform of copy_strided.wgsl: the collapsed dimensions (at most MAX_KERNEL_RANK) and both sides' offsets and strides. */
export const COPY_STRIDED_PARAMS = [
  'n', 'rank', 'src_offset', 'dst_offset', 'shape:u32[8]', 'src_strides:u32[8]', 'dst_strides:u32[8]',
] as const;

/** dst[dstOffset + c.dstStrides] = src[srcOffset + c.srcStrides] for every coordinate c of `shape`. */
export function copyStrided(
  src: Tensor,
  srcOffset: number,
  srcStrides: number[],
  dst: Tensor,
  dstOffset: number,
  dstStrides: number[],
  shape: Shape,
): void {
  const n = shapeSize(shape);
  if (n === 0) return;
  const dims = collapseDims(shape, [srcStrides, dstStrides]);
  const params = packUniform(COPY_STRIDED_PARAMS, {
    n, rank: dims.shape.length, src_offset: srcOffset, dst_offset: dstOffset,
    shape: dims.shape, src_strides: dims.strides[0], dst_strides: dims.strides[1],
  });
  src.rt.run(COPY_STRIDED, { buffers: [src.binding(), dst.binding()], params, invocations: n });
}

/** A copy of `x` broadcast to `shape` (size-1 or missing leading dimensions repeated). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const offset = shape.length - x.rank;
  if (offset < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[i + offset])) {
    throw new ShapeError(`cannot expand [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
  }
  const out = Tensor.empty(shape, x.rt);
  copyStrided(x, 0, broadcastStrides(x.shape, shape), out, 0, contiguousStrides(shape), shape);
  return out;
}
