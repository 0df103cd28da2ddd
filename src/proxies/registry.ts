// Every proxy by name. MSTF-NAS's objectives use jacob_cov, synflow and flops (the default list); the
// paper's ablations (Table 8) pair fisher, grad_norm, jacob_cov and synflow.
import { azExpressivity, azProgressivity } from './az-nas.ts';
import { azTrainability } from './az-trainability.ts';
import { flops, params } from './costs.ts';
import { UnknownProxyError } from './errors.ts';
import { fisher } from './fisher.ts';
import { gradNorm } from './grad-norm.ts';
import { grasp } from './grasp.ts';
import { jacobCovBatchStats, jacobCovEval, jacobCovReference } from './jacob-cov.ts';
import { l2Norm } from './l2-norm.ts';
import { meco } from './meco.ts';
import { msConsistency, msFisher } from './multiscale.ts';
import { naswot } from './naswot.ts';
import { plain } from './plain.ts';
import { snip } from './snip.ts';
import { swap, swapPlain } from './swap.ts';
import { synflow } from './synflow.ts';
import type { ProxyDefinition } from './types.ts';
import { zen } from './zen.ts';
import { zico } from './zico.ts';

export const PROXIES: readonly ProxyDefinition[] = [
  jacobCovEval, jacobCovBatchStats, jacobCovReference, synflow, snip, gradNorm, plain, l2Norm, fisher, grasp, flops, params,
  naswot, zen,
  zico, meco,
  swap, swapPlain, azExpressivity, azProgressivity, azTrainability,
  msFisher, msConsistency,
];

export const PROXY_NAMES: readonly string[] = PROXIES.map((p) => p.name);

/** What a search scores by default: MSTF-NAS's f1 and f2 (paper eq. 1). */
export const DEFAULT_PROXIES: readonly string[] = ['jacob_cov', 'synflow', 'flops'];

const byName = new Map(PROXIES.map((p) => [p.name, p]));

/** The proxy called `name`; UnknownProxyError (listing the known ones) otherwise. */
export function getProxy(name: string): ProxyDefinition {
  const p = byName.get(name);
  if (!p) throw new UnknownProxyError(name, PROXY_NAMES);
  return p;
}

/** Proxy names from a list or a comma-separated string, checked, duplicates dropped, order kept. */
export function parseProxyNames(names: string | readonly string[]): string[] {
  const list = (typeof names === 'string' ? names.split(',') : names).map((n) => n.trim()).filter((n) => n !== '');
  if (list.length === 0) throw new UnknownProxyError('', PROXY_NAMES);
  for (const n of list) getProxy(n);
  return [...new Set(list)];
}
