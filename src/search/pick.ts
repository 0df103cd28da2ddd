// Choosing the one architecture a search hands to training, from its final population, with every
// value normalised over that population. 'score': the largest P1_n + P2_n (paper objectives, the
// public reproduction's rule) or the largest S_n (rank objectives; ties: the smaller FLOPs_n).
// 'knee': the member of the front farthest from the line through the front's two extremes in
// objective space (with fewer than 3 members on the front, 'score' decides). Ties go to the
// earlier member. pickOrder ranks the whole front by the same rule: refinement trains its first K.
// An architecture that could not be scored is never chosen while any member was scored: the rules
// see only the scored members (the front's scored members; when the front holds none, every scored
// member). The search stops before a population of failures alone (SearchFailedError).
import type { ArchitectureRecord } from './archive.ts';
import type { PickRule } from './config.ts';
import { frontOf } from './history.ts';
import { isRank, mstfObjectives, normalisedValues, type NormalisedValues, type ObjectiveKind, type SearchObjectives } from './objectives.ts';

export interface PopulationMember {
  readonly record: ArchitectureRecord;
  /** [f1, f2] normalised over the final population. */
  readonly objectives: readonly [number, number];
  /** P1_n, P2_n and cost_n (paper) or S_n and cost_n (rank) over the final population. */
  readonly normalised: NormalisedValues;
}

export interface FinalPopulation {
  readonly kind: ObjectiveKind;
  readonly members: readonly PopulationMember[];
  /** Indices of the non-dominated members. */
  readonly front: readonly number[];
}

export function finalPopulation(records: readonly ArchitectureRecord[], def: SearchObjectives): FinalPopulation {
  const F = mstfObjectives(records, def);
  const norm = normalisedValues(records, def);
  const members = records.map((record, i) => ({
    record,
    objectives: [F[i][0], F[i][1]] as [number, number],
    normalised: norm[i],
  }));
  return { kind: isRank(def) ? 'rank' : 'paper', members, front: frontOf(F) };
}

/** The 'score' rule's value of a member's normalised values: P1_n + P2_n (paper) or S_n (rank). */
export function pickScore(n: NormalisedValues, kind: ObjectiveKind): number {
  return kind === 'rank' ? n.s ?? 0 : (n.p1 ?? 0) + (n.p2 ?? 0);
}

/** Whether member i beats member j under the 'score' rule (strictly: ties keep the earlier). */
function scoreBeats(pop: FinalPopulation, i: number, j: number): boolean {
  const a = pickScore(pop.members[i].normalised, pop.kind);
  const b = pickScore(pop.members[j].normalised, pop.kind);
  if (a !== b) return a > b;
  // Rank objectives: equal S_n, the cheaper one (so the pick is on the front).
  return pop.kind === 'rank' && pop.members[i].normalised.cost < pop.members[j].normalised.cost;
}

/**
 * The members the rules choose from: `front` and every member (indices), the failures left out when
 * any member was scored; a front of failures alone gives way to every scored member.
 */
function choosable(pop: FinalPopulation): { front: number[]; all: number[] } {
  const all = pop.members.map((_, i) => i);
  const scored = (ix: readonly number[]) => ix.filter((i) => pop.members[i].record.failure === null);
  const live = scored(all);
  if (live.length === 0) return { front: [...pop.front], all };
  const front = scored(pop.front);
  return { front: front.length > 0 ? front : live, all: live };
}

/** Each front member's distance from the line through the front's two extremes (null: the knee is undefined). */
function kneeDistances(pop: FinalPopulation, front: readonly number[]): number[] | null {
  if (front.length < 3) return null;
  const pts = front.map((i) => pop.members[i].objectives);
  // The extremes: the smallest f1 and the smallest f2.
  const a = pts.reduce((p, q) => (q[0] < p[0] || (q[0] === p[0] && q[1] < p[1]) ? q : p));
  const b = pts.reduce((p, q) => (q[1] < p[1] || (q[1] === p[1] && q[0] < p[0]) ? q : p));
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  if (len === 0) return null;
  return pts.map((p) => Math.abs(dy * (p[0] - a[0]) - dx * (p[1] - a[1])) / len);
}

/** The index of the chosen member (ties: the earlier one in population order). */
export function pickIndex(pop: FinalPopulation, rule: PickRule): number {
  const byScore = (candidates: readonly number[]): number => {
    let best = candidates[0];
    for (const i of candidates) if (scoreBeats(pop, i, best)) best = i;
    return best;
  };
  const { front, all } = choosable(pop);
  const d = rule === 'knee' ? kneeDistances(pop, front) : null;
  if (d === null) return byScore(rule === 'score' ? all : front);
  let best = front[0];
  let far = -Infinity;
  front.forEach((i, t) => {
    if (d[t] > far) {
      far = d[t];
      best = i;
    }
  });
  return best;
}

/**
 * The final front's members in the pick rule's order, best first, each architecture once (the
 * population may hold a genotype twice): by score, or by distance from the extremes' line for the
 * knee (with fewer than 3 on the front, by score). Ties keep population order.
 */
export function pickOrder(pop: FinalPopulation, rule: PickRule): number[] {
  const { front } = choosable(pop);
  const d = rule === 'knee' ? kneeDistances(pop, front) : null;
  const at = new Map(front.map((i, t) => [i, t]));
  const order = [...front].sort((i, j) => {
    if (d !== null) return d[at.get(j)!] - d[at.get(i)!] || i - j;
    return scoreBeats(pop, i, j) ? -1 : scoreBeats(pop, j, i) ? 1 : i - j;
  });
  const seen = new Set<string>();
  return order.filter((i) => {
    const key = pop.members[i].record.key;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
