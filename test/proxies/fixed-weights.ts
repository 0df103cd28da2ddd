// Weights and images that test/proxies and scripts/golden/proxies_torch.py both generate from a 32-bit
// hash of (seed, tensor index, element index), so the golden fixture needs no stored weights. Conv
// and linear weights and biases are uniform in +-1/sqrt(fan_in) (PyTorch's default bounds), rounded
// to float32; BatchNorm keeps its initial values. Mirror of the Python, line for line.
import { Conv2d, Linear } from '../../src/nn/layers.ts';
import type { Module } from '../../src/nn/module.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { hashUniform } from '../../src/proxies/hash-random.ts';

/** n values in [0, 1) (24 bits each): the library's hash (src/proxies/hash-random.ts), as the golden's. */
export { hashUniform };

export const INPUT_STREAM = 1_000_000;

/** Sets conv and linear weights and biases of `net` (streams = positions in namedParameters). */
export function setFixedWeights(net: Module, seed: number): void {
  const owners = new Map<Tensor, Conv2d | Linear>();
  for (const m of net.modules()) {
    if (m instanceof Conv2d || m instanceof Linear) {
      owners.set(m.weight, m);
      if (m.bias) owners.set(m.bias, m);
    }
  }
  net.namedParameters().forEach(([, p], stream) => {
    const m = owners.get(p);
    if (!m) return;
    const fanIn = m instanceof Conv2d ? m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3] : m.inFeatures;
    const bound = 1 / Math.sqrt(fanIn);
    const u = hashUniform(seed, stream, p.size);
    const values = Float32Array.from(u, (v) => bound * (2 * v - 1));
    p.rt.scheduler.write(p.buffer, 0, values);
  });
}

/** Images uniform in [-1, 1), float32, NCHW. */
export function fixedImages(seed: number, n: number, channels: number, size = 28): Float32Array {
  return Float32Array.from(hashUniform(seed, INPUT_STREAM, n * channels * size * size), (v) => 2 * v - 1);
}

/** What every golden proxy case of scripts/golden/*_torch.py records about its network and batch. */
export interface GoldenNetworkCase {
  name: string;
  genotype: number[];
  inChannels: number;
  numClasses: number;
  initChannels: number;
  batch: number;
  seed: number;
}
