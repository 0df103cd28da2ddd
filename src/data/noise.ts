// Tissue-like texture for the built-in generated datasets (synthetic.ts, lesions.ts): value noise.
// Internal to the data layer (not exported from its index).
import type { Rng } from '../util/rng.ts';

/** Value noise: a g x g grid of random values, bilinearly upsampled and added into `field` (S x S). */
export function addValueNoise(field: Float32Array, S: number, g: number, amplitude: number, rng: Rng): void {
  const grid = new Float32Array((g + 1) * (g + 1));
  for (let i = 0; i < grid.length; i++) grid[i] = rng.uniform() * 2 - 1;
  const cell = S / g;
  for (let y = 0; y < S; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < S; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const v00 = grid[y0 * (g + 1) + x0];
      const v01 = grid[y0 * (g + 1) + x0 + 1];
      const v10 = grid[(y0 + 1) * (g + 1) + x0];
      const v11 = grid[(y0 + 1) * (g + 1) + x0 + 1];
      field[y * S + x] += amplitude * ((1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11));
    }
  }
}
