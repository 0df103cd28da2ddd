// flops and params: the space's exact analytic costs (src/space/costs.ts) for one image of the
// batch's size: FLOPs = 2 x conv and linear multiply-accumulates; params = every trainable scalar.
// Lower is cheaper; MSTF-NAS's objectives subtract normalised FLOPs (paper eq. 1).
import { architectureCost } from '../space/costs.ts';
import { MstfNetwork } from '../space/network.ts';
import { ProxyInputError } from './errors.ts';
import type { ProxyContext, ProxyDefinition, ProxyOutcome } from './types.ts';

function cost(ctx: ProxyContext, name: string): { flops: number; params: number } {
  const net = ctx.net;
  if (!(net instanceof MstfNetwork)) throw new ProxyInputError(`${name} is computed from a genotype: score a network of the search space`);
  const [, , h, w] = ctx.batch.shape;
  return architectureCost(net.genotype, { ...net.config, inputSize: [h, w] });
}

function analytic(name: 'flops' | 'params', summary: string): ProxyDefinition {
  return {
    name,
    summary,
    higherIsBetter: false,
    input: 'none',
    splittable: true,
    minBatch: 1,
    run: async (ctx): Promise<ProxyOutcome> => ({ value: cost(ctx, name)[name] }),
  };
}

export const flops = analytic('flops', 'FLOPs per image (2 x conv and linear multiply-accumulates), from the genotype');
export const params = analytic('params', 'trainable parameters, from the genotype');
