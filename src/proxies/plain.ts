// plain (foresight/pruners/measures/plain.py): sum over conv and linear weights of dL/dw * w (signed),
// with the loss of the batch and BatchNorm in train mode.
import { mul } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { layerValues, withLossGradients } from './gradients.ts';
import { finiteSum } from './outcome.ts';
import type { ProxyDefinition } from './types.ts';

export const plain: ProxyDefinition = {
  name: 'plain',
  summary: 'sum of dL/dw * w (signed), train-mode BatchNorm',
  higherIsBetter: true,
  input: 'labels',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: 0, reason: 'dead genotype: every weight gradient is 0 at the initial BatchNorm parameters (plain is signed: 0 is not its lowest value)' }),
  run: (ctx) => withLossGradients(ctx, 'plain', async ({ layers }) => finiteSum(await layerValues(ctx, layers, (w, g) => sum(mul(w, g))), 'plain')),
};
