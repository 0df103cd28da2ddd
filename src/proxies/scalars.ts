// Reading many one-element GPU tensors with one readback (each readback waits for the GPU), and
// summing per-layer values in f64 on the host.
import { concat, reshape } from '../ops/shape.ts';
import { noGrad } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** The values of one-element tensors, in order, read back at once. The tensors are disposed. */
export async function readScalars(scalars: readonly Tensor[]): Promise<Float64Array> {
  if (scalars.length === 0) return new Float64Array(0);
  const flat = noGrad(() => {
    const rows = scalars.map((s) => reshape(s, [1]));
    const all = concat(rows, 0);
    for (const r of rows) r.dispose();
    return all;
  });
  for (const s of scalars) s.dispose();
  const values = await flat.data();
  flat.dispose();
  return Float64Array.from(values);
}

/** The f64 sum of `values`. */
export function sumOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
