// PyTorch's default initialisations, drawn from a seeded Rng so that a network is reproducible.
import type { Runtime } from '../gpu/runtime.ts';
import { randUniform } from '../tensor/create.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';

/**
 * kaiming_uniform_(w, a=sqrt(5)), the default for Conv2d and Linear weights: U(-b, b) with
 * b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), which is b = 1 / sqrt(fan_in).
 */
export function kaimingUniform(shape: Shape, fanIn: number, rng: Rng, rt?: Runtime): Tensor {
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  return randUniform(shape, rng, -bound, bound, rt);
}

/** The default bias of Conv2d and Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function biasUniform(size: number, fanIn: number, rng: Rng, rt?: Runtime): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return randUniform([size], rng, -bound, bound, rt);
}
