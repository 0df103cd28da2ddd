// Choosing the one architecture a search hands to training, from its final population, with every
// value normalised over that population. 'score' (the public reproduction's rule): the largest
// P1_n + P2_n. 'knee': the member of the front farthest from the line through the front's two
// extremes in objective space (with fewer than 3 members on the front, 'score' decides).
import type { ArchitectureRecord } from './archive.ts';
import type { PickRule } from './config.ts';
import { frontOf } from './history.ts';
import { mstfObjectives, normalisedColumns, type ObjectiveDefinition } from './objectives.ts';

export interface PopulationMember {
  readonly record: ArchitectureRecord;
  /** [f1, f2] normalised over the final population. */
  readonly objectives: readonly [number, number];
  /** P1_n, P2_n and cost_n over the final population. */
  readonly normalised: { readonly p1: number; readonly p2: number; readonly cost: number };
}

export interface FinalPopulation {
  readonly members: readonly PopulationMember[];
  /** Indices of the non-dominated members. */
  readonly front: readonly number[];
}

export function finalPopulation(records: readonly ArchitectureRecord[], def: ObjectiveDefinition): FinalPopulation {
  const F = mstfObjectives(records, def);
  const cols = normalisedColumns(records, def);
  const members = records.map((record, i) => ({
    record,
    objectives: [F[i][0], F[i][1]] as [number, number],
    normalised: { p1: cols.p1[i], p2: cols.p2[i], cost: cols.cost[i] },
  }));
  return { members, front: frontOf(F) };
}

/** The index of the chosen member (ties: the earlier one in population order). */
export function pickIndex(pop: FinalPopulation, rule: PickRule): number {
  const byScore = (candidates: readonly number[]): number => {
    let best = candidates[0];
    const s = (i: number) => pop.members[i].normalised.p1 + pop.members[i].normalised.p2;
    for (const i of candidates) if (s(i) > s(best)) best = i;
    return best;
  };
  if (rule === 'score' || pop.front.length < 3) return byScore(rule === 'score' ? pop.members.map((_, i) => i) : pop.front);
  const pts = pop.front.map((i) => pop.members[i].objectives);
  // The extremes: the smallest f1 and the smallest f2.
  const a = pts.reduce((p, q) => (q[0] < p[0] || (q[0] === p[0] && q[1] < p[1]) ? q : p));
  const b = pts.reduce((p, q) => (q[1] < p[1] || (q[1] === p[1] && q[0] < p[0]) ? q : p));
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  if (len === 0) return byScore(pop.front);
  let best = pop.front[0];
  let far = -Infinity;
  pop.front.forEach((i, t) => {
    const d = Math.abs(dy * (pts[t][0] - a[0]) - dx * (pts[t][1] - a[1])) / len;
    if (d > far) {
      far = d;
      best = i;
    }
  });
  return best;
}
