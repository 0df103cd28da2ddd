// snip (Lee et al. 2019; foresight/pruners/measures/snip.py): the gradient of the loss with respect to
// a mask of ones multiplying each weight is dL/dw * w, so snip = sum over conv and linear weights of
// |w * dL/dw|, with the loss of the batch and BatchNorm in train mode.
import { abs, mul } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { layerValues, withLossGradients } from './gradients.ts';
import { finiteSum } from './outcome.ts';
import type { ProxyDefinition } from './types.ts';

export const snip: ProxyDefinition = {
  name: 'snip',
  summary: 'connection sensitivity (Lee et al.): sum |w * dL/dw|, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'labels',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: 0, reason: 'dead genotype: every weight gradient is 0 at the initial BatchNorm parameters' }),
  run: (ctx) => withLossGradients(ctx, 'snip', async ({ layers }) => finiteSum(await layerValues(ctx, layers, (w, g) => sum(abs(mul(w, g)))), 'snip')),
};
