// l2_norm (foresight/pruners/measures/l2_norm.py): the sum over conv and linear layers of the
// Frobenius norm of the weights. It reads the weights only (no batch, no copy, nothing runs).
import { square } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { noGrad, tidy } from '../tensor/scope.ts';
import { scoredLayers } from './layers.ts';
import { finiteSum } from './outcome.ts';
import { readScalars } from './scalars.ts';
import type { ProxyDefinition } from './types.ts';

export const l2Norm: ProxyDefinition = {
  name: 'l2_norm',
  summary: 'sum over layers of ||w|| (weights only)',
  higherIsBetter: true,
  input: 'none',
  splittable: true,
  minBatch: 1,
  async run(ctx) {
    const squares = noGrad(() => scoredLayers(ctx.net).map((l) => tidy(() => sum(square(l.weight)))));
    const values = await ctx.phases.time('readback', () => readScalars(squares));
    return finiteSum(values.map(Math.sqrt), 'l2_norm');
  },
};
