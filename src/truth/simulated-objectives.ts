// The objectives a simulated search (src/truth/simulate.ts) and the choice rule (choose.ts) use:
// eq. 1 over a proxy pair (the paper's ablation, Table 8 / Fig 8) or the rank aggregate of k
// proxies, f2 = FLOPs either way; their labels ('jacob_cov+synflow', 'rank:naswot+zico+meco') and
// the checks that a label names registered proxies.
import { getProxy } from '../proxies/registry.ts';
import { COST_PROXY } from '../search/config.ts';
import type { ObjectiveKind } from '../search/objectives.ts';
import { TruthConfigError } from './errors.ts';

/** Objectives a simulated search uses: eq. 1 over a proxy pair, or the rank aggregate of k proxies (f2 = FLOPs either way). */
export interface SimulatedObjectives {
  readonly objectives: ObjectiveKind;
  readonly proxies: readonly string[];
}

/** The paper's ablation (Table 8 / Fig 8): every pair of fisher, grad_norm, jacob_cov and synflow as P1, P2 of eq. 1. */
export const PAPER_ABLATION_PAIRS: readonly SimulatedObjectives[] = [
  ['jacob_cov', 'synflow'], ['fisher', 'synflow'], ['grad_norm', 'synflow'],
  ['fisher', 'jacob_cov'], ['grad_norm', 'jacob_cov'], ['fisher', 'grad_norm'],
].map((proxies) => ({ objectives: 'paper' as const, proxies }));

/** Rank objectives (`--objectives rank`) simulated by default beside the pairs. */
export const RANK_OBJECTIVE_SETS: readonly SimulatedObjectives[] = [
  ['jacob_cov', 'synflow'], ['naswot', 'zico', 'meco'], ['az_expressivity', 'az_progressivity', 'az_trainability'], ['grasp'],
].map((proxies) => ({ objectives: 'rank' as const, proxies }));

export const DEFAULT_SIMULATED_OBJECTIVES: readonly SimulatedObjectives[] = [...PAPER_ABLATION_PAIRS, ...RANK_OBJECTIVE_SETS];

/** 'jacob_cov+synflow' (eq. 1) or 'rank:naswot+zico+meco'. */
export function objectivesLabel(o: SimulatedObjectives): string {
  return `${o.objectives === 'rank' ? 'rank:' : ''}${o.proxies.join('+')}`;
}

/** The inverse of objectivesLabel: 'P1+P2' is eq. 1's pair, 'rank:A+B+...' the rank aggregate. Checks the names. */
export function parseObjectivesLabel(text: string): SimulatedObjectives {
  const t = text.trim();
  const rank = t.startsWith('rank:');
  const proxies = (rank ? t.slice(5) : t).split('+').map((p) => p.trim()).filter((p) => p !== '');
  const out: SimulatedObjectives = { objectives: rank ? 'rank' : 'paper', proxies };
  checkObjectives(out);
  return out;
}

export function checkObjectives(o: SimulatedObjectives): void {
  const label = objectivesLabel(o);
  if (o.objectives === 'paper' && o.proxies.length !== 2) {
    throw new TruthConfigError(`'${label}': eq. 1 takes exactly two proxies, P1+P2 (e.g. jacob_cov+synflow); rank:A+B+C takes any number`);
  }
  if (o.proxies.length === 0) throw new TruthConfigError(`'${label}' names no proxy`);
  for (const p of o.proxies) {
    getProxy(p);
    if (p === COST_PROXY) throw new TruthConfigError(`'${label}': ${COST_PROXY} is already the cost term (f2); name other proxies`);
  }
  if (new Set(o.proxies).size !== o.proxies.length) throw new TruthConfigError(`'${label}' names a proxy twice`);
}
