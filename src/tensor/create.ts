// Tensors from host data and seeded random tensors. Random values are drawn on the host from an Rng
// whose state can be saved, so the same seed gives the same tensors on every adapter.
import { currentRuntime, type Runtime } from '../gpu/runtime.ts';
import { Rng } from '../util/rng.ts';
import { shapeSize, ShapeError, Tensor, type Shape } from './tensor.ts';

/** A tensor holding `values` (row-major) with the given shape. */
export function tensor(values: ArrayLike<number>, shape: Shape = [values.length], rt: Runtime = currentRuntime()): Tensor {
  const n = shapeSize(shape);
  if (values.length !== n) {
    throw new ShapeError(`${values.length} values do not fill shape [${shape.join(', ')}] (${n} elements)`);
  }
  const out = Tensor.empty(shape, rt);
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  if (n > 0) rt.scheduler.write(out.buffer, 0, data);
  return out;
}

/** Uniform in [low, high). */
export function randUniform(shape: Shape, rng: Rng, low = 0, high = 1, rt?: Runtime): Tensor {
  const values = new Float32Array(shapeSize(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.range(low, high);
  return tensor(values, shape, rt);
}

/** Normal with the given mean and standard deviation. */
export function randNormal(shape: Shape, rng: Rng, mean = 0, std = 1, rt?: Runtime): Tensor {
  const values = new Float32Array(shapeSize(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
  return tensor(values, shape, rt);
}
