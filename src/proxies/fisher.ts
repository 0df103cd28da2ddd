// fisher (Turner et al. 2020, as foresight/pruners/measures/fisher.py of SamsungLabs/zero-cost-nas):
// at the output of every conv and linear layer, the activation a (N x C x H x W, or N x K) and the
// loss gradient dL/da; per channel k, g_nk = sum over H, W of a * dL/da, and
// fisher_k = 0.5 * mean over n of g_nk^2. The reference broadcasts fisher_k to every weight of output
// channel k (weight.shape[1:]) and sums, so a layer contributes sum_k fisher_k * (weight size / K).
// Loss of the batch, BatchNorm in train mode. The weights need no gradient here, only the
// activations: they are frozen and the images require grad instead, so that backward runs.
import { mul, mulScalar, square } from '../ops/elementwise.ts';
import { mean, sum } from '../ops/reduce.ts';
import { keep } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { lossBackward, trainModeCopy } from './gradients.ts';
import { scoredLayers } from './layers.ts';
import { finiteSum } from './outcome.ts';
import { probeGradient, wrapForward } from './patch.ts';
import { readScalars } from './scalars.ts';
import type { ProxyDefinition } from './types.ts';

export const fisher: ProxyDefinition = {
  name: 'fisher',
  summary: 'Fisher information per channel (Turner et al.), from activations and their gradients, train-mode BatchNorm',
  higherIsBetter: true,
  input: 'labels',
  splittable: false,
  minBatch: 2,
  // Run on a dead network, every term is 0 except the classifier's, whose output is then its bias:
  // 0, fisher's lowest value, ranks it last.
  deadValue: () => ({ value: 0, reason: "dead genotype: every conv's activation after the dead cell and every gradient before it is 0; scored 0, fisher's lowest value" }),
  async run(ctx) {
    ctx.requireWholeBatch('fisher');
    const contributions: Tensor[] = [];
    const pass = await trainModeCopy(ctx, (copy) => {
      copy.freeze();
      for (const l of scoredLayers(copy)) {
        const perChannelWeights = l.weight.size / l.weight.shape[0];
        wrapForward(l.module, (y) =>
          probeGradient(y, (a, g) => {
            const perChannel = a.rank === 4 ? sum(mul(a, g), [2, 3]) : mul(a, g);
            contributions.push(keep(mulScalar(sum(mean(square(perChannel), 0)), 0.5 * perChannelWeights)));
          }),
        );
      }
    });
    try {
      await lossBackward(ctx, pass, true);
      const values = await ctx.phases.time('readback', () => readScalars(contributions));
      return finiteSum(values, 'fisher');
    } finally {
      for (const c of contributions) c.dispose();
      pass.copy.dispose();
    }
  },
};
