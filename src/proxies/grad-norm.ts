// grad_norm (foresight/pruners/measures/grad_norm.py): the sum over conv and linear layers of the
// Frobenius norm of dL/dw, with the loss of the batch and BatchNorm in train mode.
import { square } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { layerValues, withLossGradients } from './gradients.ts';
import { finiteSum } from './outcome.ts';
import type { ProxyDefinition } from './types.ts';

export const gradNorm: ProxyDefinition = {
  name: 'grad_norm',
  summary: 'gradient norm: sum over layers of ||dL/dw||, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'labels',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: 0, reason: 'dead genotype: every weight gradient is 0 at the initial BatchNorm parameters' }),
  run: (ctx) =>
    withLossGradients(ctx, 'grad_norm', async ({ layers }) => {
      // Squares summed on the GPU, square roots and the sum over layers in f64 on the host.
      const squares = await layerValues(ctx, layers, (_w, g) => sum(square(g)));
      return finiteSum(squares.map(Math.sqrt), 'grad_norm');
    }),
};
