// The pass the ablation proxies share (snip, grad_norm, plain, fisher and grasp's first step): on a
// copy of the network with BatchNorm in train mode (batch statistics, gradients through them; the
// running statistics do not move), the loss of the whole batch (loss.ts), backward, and the scored
// layers' weights with their gradients. The batch cannot be split: its statistics couple the images.
import { zerosLike } from '../ops/elementwise.ts';
import { noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { setBatchNormMode } from './bn-modes.ts';
import { gradientsForScoredWeights, type ScoredLayer } from './layers.ts';
import { proxyLoss } from './loss.ts';
import { readScalars } from './scalars.ts';
import type { ProxyContext, ScorableNetwork } from './types.ts';

export interface GradientPass {
  readonly copy: ScorableNetwork;
  /** The scored layers; each weight's `grad` holds dL/dw. */
  readonly layers: readonly ScoredLayer[];
}

/** A train-mode copy whose scored weights (only) will get gradients; `prepare` may patch it further. */
export async function trainModeCopy(ctx: ProxyContext, prepare?: (copy: ScorableNetwork) => void): Promise<GradientPass> {
  return ctx.phases.time('setup', () => {
    const copy = ctx.copy();
    setBatchNormMode(copy, 'batch');
    const layers = gradientsForScoredWeights(copy);
    prepare?.(copy);
    return { copy, layers };
  });
}

/**
 * Forward, loss and backward of the whole batch on `pass.copy`: the weights' gradients are set
 * (replaced). `inputGradient` makes the images require grad too (for a copy whose weights are all
 * frozen, so that backward still runs through every layer).
 */
export async function lossBackward(ctx: ProxyContext, pass: GradientPass, inputGradient = false): Promise<void> {
  for (const l of pass.layers) {
    l.weight.grad?.dispose();
    l.weight.grad = null;
  }
  const x = ctx.images();
  if (inputGradient) x.setRequiresGrad();
  try {
    const loss = await ctx.phases.time('forward', () => tidy(() => proxyLoss(pass.copy.forward(x), ctx.batch)));
    await ctx.phases.time('backward', () => {
      loss.backward();
      loss.dispose();
    });
  } finally {
    x.grad?.dispose();
    x.dispose();
  }
}

/**
 * One value per scored layer from its weight and gradient (`term` returns a one-element tensor),
 * read back at once. A layer that got no gradient (none: every scored weight is on the output's path)
 * counts as a zero gradient, as the reference's zeros_like.
 */
export async function layerValues(ctx: ProxyContext, layers: readonly ScoredLayer[], term: (w: Tensor, g: Tensor) => Tensor): Promise<Float64Array> {
  const scalars = layers.map((l) => noGrad(() => tidy(() => term(l.weight, l.weight.grad ?? zerosLike(l.weight)))));
  return ctx.phases.time('readback', () => readScalars(scalars));
}

/**
 * Runs one proxy of the shared pass: a train-mode copy (patched by `prepare`), the whole batch's
 * loss gradient, then `use`. The copy is disposed afterwards.
 */
export async function withLossGradients<T>(
  ctx: ProxyContext, proxy: string, use: (pass: GradientPass) => Promise<T>, prepare?: (copy: ScorableNetwork) => void,
): Promise<T> {
  ctx.requireWholeBatch(proxy);
  const pass = await trainModeCopy(ctx, prepare);
  try {
    await lossBackward(ctx, pass);
    return await use(pass);
  } finally {
    pass.copy.dispose();
  }
}
