// Pareto dominance, fast non-dominated sorting and crowding distance (Deb et al. 2002).
// Objectives are minimised. A NaN or infinite objective is read as +Infinity, the worst value, so a
// broken evaluation sinks to the last front instead of poisoning comparisons (NaN compares false
// both ways, which would make it look non-dominated).
// The inner loops work on one flat Float64Array (row-major, n x nObj) for speed.

import { MooInputError, expectLength } from './errors.ts';

/** Copies F into a flat row-major array, with every non-finite value replaced by +Infinity. */
export function flattenObjectives(F: readonly (readonly number[])[], nObj: number): Float64Array {
  const flat = new Float64Array(F.length * nObj);
  for (let i = 0; i < F.length; i++) {
    const row = F[i];
    expectLength(`objective row ${i}`, row, nObj);
    for (let k = 0; k < nObj; k++) {
      const v = row[k];
      flat[i * nObj + k] = Number.isFinite(v) ? v : Infinity;
    }
  }
  return flat;
}

/**
 * 1 when i dominates j, -1 when j dominates i, 0 otherwise. With violations `cv`, Deb's constrained
 * domination: a feasible point beats an infeasible one, and of two infeasible points the smaller
 * violation wins.
 */
export function compareFlat(flat: Float64Array, nObj: number, cv: ArrayLike<number> | null, i: number, j: number): number {
  if (cv !== null) {
    const ci = cv[i];
    const cj = cv[j];
    if (ci > 0 || cj > 0) return ci < cj ? 1 : ci > cj ? -1 : 0;
  }
  let better = false;
  let worse = false;
  const a = i * nObj;
  const b = j * nObj;
  for (let k = 0; k < nObj; k++) {
    const x = flat[a + k];
    const y = flat[b + k];
    if (x < y) better = true;
    else if (x > y) worse = true;
    if (better && worse) return 0;
  }
  return better ? 1 : worse ? -1 : 0;
}

export interface Fronts {
  /** Front 0 is non-dominated; indices within a front are ascending. */
  fronts: number[][];
  /** Front number of every point. */
  rank: Int32Array;
}

/**
 * Non-dominated sort of n points: Deb's fast sort, O(nObj n^2); for two objectives without
 * constraints, a sweep in lexicographic order, O(n log n + n * fronts). Both give the same fronts.
 */
export function sortFlat(flat: Float64Array, n: number, nObj: number, cv: ArrayLike<number> | null): Fronts {
  return nObj === 2 && cv === null ? sortSweep2d(flat, n) : sortDeb(flat, n, nObj, cv);
}

const ascending = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * In (f1, f2) lexicographic order, a point joins the first front whose latest member does not
 * dominate it. Checking the latest member suffices: it has the front's smallest f2 and an f1 no
 * larger than the point's.
 */
function sortSweep2d(flat: Float64Array, n: number): Fronts {
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => ascending(flat[2 * i], flat[2 * j]) || ascending(flat[2 * i + 1], flat[2 * j + 1]) || i - j);
  const fronts: number[][] = [];
  const lastF1: number[] = [];
  const lastF2: number[] = [];
  const rank = new Int32Array(n);
  for (const i of order) {
    const f1 = flat[2 * i];
    const f2 = flat[2 * i + 1];
    let k = 0;
    while (k < fronts.length && lastF2[k] <= f2 && !(lastF1[k] === f1 && lastF2[k] === f2)) k++;
    if (k === fronts.length) fronts.push([]);
    fronts[k].push(i);
    lastF1[k] = f1;
    lastF2[k] = f2;
    rank[i] = k;
  }
  for (const front of fronts) front.sort((a, b) => a - b);
  return { fronts, rank };
}

function sortDeb(flat: Float64Array, n: number, nObj: number, cv: ArrayLike<number> | null): Fronts {
  const dominatedCount = new Int32Array(n);
  const dominates: number[][] = new Array(n);
  for (let i = 0; i < n; i++) dominates[i] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const r = compareFlat(flat, nObj, cv, i, j);
      if (r === 1) {
        dominates[i].push(j);
        dominatedCount[j]++;
      } else if (r === -1) {
        dominates[j].push(i);
        dominatedCount[i]++;
      }
    }
  }
  const rank = new Int32Array(n);
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedCount[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      rank[i] = fronts.length - 1;
      for (const j of dominates[i]) if (--dominatedCount[j] === 0) next.push(j);
    }
    next.sort((a, b) => a - b);
    current = next;
  }
  return { fronts, rank };
}

/**
 * Crowding distance of the points `members` (one front), aligned with `members`. Boundary points get
 * Infinity. Exact duplicates in objective space count once: the first (lowest index) is scored, the
 * others get 0, so survival keeps one copy before it keeps a second. Each objective's gaps are
 * normalised by its finite range; a gap next to an infinite value is infinite.
 */
export function crowdingFlat(flat: Float64Array, nObj: number, members: readonly number[]): Float64Array {
  const k = members.length;
  const out = new Float64Array(k);
  // Lexicographic order puts duplicates next to each other.
  const lex = Array.from({ length: k }, (_, t) => t);
  lex.sort((p, q) => {
    const a = members[p] * nObj;
    const b = members[q] * nObj;
    for (let m = 0; m < nObj; m++) {
      const d = flat[a + m] - flat[b + m];
      if (d !== 0 && !Number.isNaN(d)) return d;
    }
    return members[p] - members[q];
  });
  const unique: number[] = [];
  for (let t = 0; t < k; t++) {
    const p = lex[t];
    if (t > 0) {
      const a = members[p] * nObj;
      const b = members[lex[t - 1]] * nObj;
      let same = true;
      for (let m = 0; m < nObj && same; m++) same = flat[a + m] === flat[b + m];
      if (same) continue; // duplicate keeps 0
    }
    unique.push(p);
  }
  if (unique.length <= 2) {
    for (const p of unique) out[p] = Infinity;
    return out;
  }
  const u = unique.length;
  const values = new Float64Array(u);
  for (let m = 0; m < nObj; m++) {
    const order = unique.slice().sort((p, q) => {
      const d = flat[members[p] * nObj + m] - flat[members[q] * nObj + m];
      return d !== 0 && !Number.isNaN(d) ? d : members[p] - members[q];
    });
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < u; t++) {
      const v = flat[members[order[t]] * nObj + m];
      values[t] = v;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const range = hi > lo ? hi - lo : 1; // all-equal objective: every gap is 0 anyway
    out[order[0]] = Infinity;
    out[order[u - 1]] = Infinity;
    for (let t = 1; t < u - 1; t++) {
      const gap = values[t + 1] - values[t - 1];
      if (!Number.isNaN(gap)) out[order[t]] += gap / range; // Inf - Inf: two infinite neighbours, no gap
    }
  }
  return out;
}

function nObjOf(F: readonly (readonly number[])[]): number {
  const nObj = F.length > 0 ? F[0]?.length : 0;
  if (F.length > 0 && !(nObj >= 1)) throw new MooInputError('objective row 0 must have at least one value');
  return nObj;
}

/** Fronts of F (indices, front 0 non-dominated). CV, if given, applies constrained domination. */
export function nonDominatedSort(F: readonly (readonly number[])[], CV?: readonly number[]): number[][] {
  const nObj = nObjOf(F);
  if (CV !== undefined) expectLength('CV', CV, F.length);
  const cv = CV === undefined ? null : CV.map((v) => (Number.isNaN(v) ? Infinity : v));
  return sortFlat(flattenObjectives(F, nObj), F.length, nObj, cv).fronts;
}

/** Crowding distance of every point of F, all taken as one front. */
export function crowdingDistance(F: readonly (readonly number[])[]): number[] {
  const nObj = nObjOf(F);
  const flat = flattenObjectives(F, nObj);
  return Array.from(crowdingFlat(flat, nObj, Array.from({ length: F.length }, (_, i) => i)));
}

/** True when a is no worse than b everywhere and better somewhere (non-finite = worst). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  expectLength('dominates: second point', b, a.length);
  return compareFlat(flattenObjectives([a, b], a.length), a.length, null, 0, 1) === 1;
}

/** Indices of the non-dominated points of F (front 0), ascending. */
export function nonDominated(F: readonly (readonly number[])[], CV?: readonly number[]): number[] {
  return F.length === 0 ? [] : nonDominatedSort(F, CV)[0];
}
