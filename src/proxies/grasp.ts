// grasp (Wang et al. 2020, as foresight/pruners/measures/grasp.py of SamsungLabs/zero-cost-nas): with
// g = dL/dw over the conv and linear weights and H the Hessian of L over them, the reference sums
// -w * (H g), where H g comes from differentiating g . dL/dw a second time. The engine's backward
// rules are not themselves differentiable, so this computes the same sum, -w^T H g = -g^T (H w)
// (H is symmetric), by a central finite difference of gradients along w:
//   H w ~ (dL/dw at (1 + h) w  -  dL/dw at (1 - h) w) / 2h,   grasp = -g . H w.
// Two choices make that accurate in f32 (measured against PyTorch's double backward in float64, see
// docs/proxies.md):
// - the direction w: scaling the weights moves a BatchNorm network only through BatchNorm's eps and
//   the classifier, so the loss is smooth and gently curved along it, and a large step (h = 1/32,
//   exact in binary: the scaled weights are the weights times an exact factor) keeps f32's rounding
//   small against the difference (along g instead, the curvature needs h ~ 1e-5, which f32 cannot
//   resolve). Measured on the golden cases: |error| <= 1.7e-3 on values of 1.7-17 at h = 1/32
//   (1/16: 3.6e-3, 1/64: 8.2e-3, where rounding takes over);
// - the activation pattern (ReLU masks, max-pool choices) of the unperturbed pass is held fixed in
//   the perturbed ones (frozen.ts), as the double backward holds it; otherwise the few units that
//   flip make the difference jump.
// Loss of the batch, BatchNorm in train mode; three passes (the base gradient and two perturbed).
import { mul, mulScalar } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { keep, noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { ActivationPattern } from './frozen.ts';
import { lossBackward, trainModeCopy } from './gradients.ts';
import { finiteSum } from './outcome.ts';
import { readScalars } from './scalars.ts';
import type { ProxyDefinition } from './types.ts';

/** The default finite-difference step: the weights are scaled by 1 +- 1/32 (see above). */
export const GRASP_STEP = 1 / 32;

export const grasp: ProxyDefinition = {
  name: 'grasp',
  summary: 'gradient signal preservation (Wang et al.): -w . (H g), H g by a finite difference (see docs/proxies.md), train-mode BatchNorm',
  higherIsBetter: true,
  input: 'labels',
  splittable: false,
  minBatch: 2,
  deadValue: () => ({ value: 0, reason: 'dead genotype: every weight gradient is 0 at the initial BatchNorm parameters (grasp is signed: 0 is not its lowest value)' }),
  async run(ctx) {
    ctx.requireWholeBatch('grasp');
    const h = ctx.graspStep;
    const pattern = new ActivationPattern();
    const pass = await trainModeCopy(ctx, (copy) => pattern.install(copy));
    const held: Tensor[] = [];
    try {
      await lossBackward(ctx, pass);
      const g = pass.layers.map((l) => {
        const t = l.weight.grad!;
        l.weight.grad = null;
        held.push(t);
        return t;
      });
      const base = pass.layers.map((l) => keep(l.weight.alias()));
      held.push(...base);
      pattern.mode = 'replay';
      const dots: Tensor[] = [];
      for (const s of [h, -h]) {
        await ctx.phases.time('setup', () =>
          noGrad(() => pass.layers.forEach((l, i) => l.weight.assign(mulScalar(base[i], 1 + s)))),
        );
        await lossBackward(ctx, pass);
        dots.push(...pass.layers.map((l, i) => noGrad(() => tidy(() => sum(mul(g[i], l.weight.grad!))))));
      }
      const d = await ctx.phases.time('readback', () => readScalars(dots));
      const n = pass.layers.length;
      return finiteSum(Array.from({ length: n }, (_, i) => -(d[i] - d[n + i]) / (2 * h)), 'grasp');
    } finally {
      for (const t of held) t.dispose();
      pattern.dispose();
      pass.copy.dispose();
    }
  },
};
