// Reading many one-element GPU tensors with one readback (each readback waits for the GPU), and
// summing per-layer values in f64 on the host.
import { Tensor } from '../tensor/tensor.ts';

/**
 * The values of one-element tensors, in order, read back at once. They are gathered into one buffer
 * by buffer-to-buffer copies (after the compute pass, not one dispatch each). The tensors are disposed.
 */
export async function readScalars(scalars: readonly Tensor[]): Promise<Float64Array> {
  if (scalars.length === 0) return new Float64Array(0);
  const rt = scalars[0].rt;
  const all = Tensor.empty([scalars.length], rt);
  scalars.forEach((s, i) => rt.scheduler.copy(s.buffer, 0, all.buffer, 4 * i, 4));
  for (const s of scalars) s.dispose();
  const values = await all.data();
  all.dispose();
  return Float64Array.from(values);
}

/** The f64 sum of `values`. */
export function sumOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
