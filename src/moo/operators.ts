// Variation operators for real and integer variables: random sampling, binary tournament, simulated
// binary crossover (SBX) and polynomial mutation (both Deb's bounded forms, as in the NSGA-II
// reference code), rounding repair and duplicate elimination.
// Integer variables go through the real-valued operators on [lower - 0.5, upper + 0.5) and are then
// rounded, so each integer owns a cell of equal width and the end values are not half as likely.

import type { Rng } from '../util/rng.ts';
import type { Space } from './problem.ts';

export interface CrossoverOptions {
  /** Probability that a mating crosses at all (otherwise the children copy the parents). */
  prob: number;
  /** Distribution index: larger keeps children closer to their parents. */
  eta: number;
  /** Probability that one variable is crossed, given the mating crosses. */
  probVar: number;
  /** Probability that the two children's values of a crossed variable are swapped. */
  probSwap: number;
}

export interface MutationOptions {
  eta: number;
  /** Probability that one variable is mutated; null means min(0.5, 1 / nVar). */
  probVar: number | null;
}

export const defaultCrossover: CrossoverOptions = { prob: 0.9, eta: 15, probVar: 0.5, probSwap: 0.5 };
export const defaultMutation: MutationOptions = { eta: 20, probVar: null };

const intHalfWidth = 0.5 - 1e-9; // keeps round(upper + halfWidth) === upper

function opLower(space: Space, j: number): number {
  return space.isInt[j] ? space.lower[j] - intHalfWidth : space.lower[j];
}
function opUpper(space: Space, j: number): number {
  return space.isInt[j] ? space.upper[j] + intHalfWidth : space.upper[j];
}

/** n uniformly random candidates: reals in [lower, upper], integers in {lower..upper}. */
export function randomSample(space: Space, n: number, rng: Rng): number[][] {
  const X: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = new Array<number>(space.nVar);
    for (let j = 0; j < space.nVar; j++) {
      const lo = space.lower[j];
      const hi = space.upper[j];
      x[j] = space.isInt[j] ? rng.integer(lo, hi) : lo + rng.uniform() * (hi - lo);
    }
    X.push(x);
  }
  return X;
}

/**
 * Binary tournaments: `n` winners. Contestants come from concatenated random permutations, so every
 * member enters about equally often. `better(a, b)` returns the winner, or -1 for a tie (coin flip).
 */
export function binaryTournament(n: number, popSize: number, rng: Rng, better: (a: number, b: number) => number): number[] {
  const entrants: number[] = [];
  while (entrants.length < 2 * n) entrants.push(...rng.permutation(popSize));
  const winners = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    const a = entrants[2 * t];
    const b = entrants[2 * t + 1];
    const w = better(a, b);
    winners[t] = w >= 0 ? w : rng.uniform() < 0.5 ? a : b;
  }
  return winners;
}

function spreadFactor(beta: number, u: number, eta: number): number {
  const alpha = 2 - Math.pow(beta, -(eta + 1));
  return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
}

/** Bounded SBX of two parents into two new children (parents are not modified). */
export function sbx(p1: readonly number[], p2: readonly number[], space: Space, rng: Rng, o: CrossoverOptions): [number[], number[]] {
  const c1 = p1.slice();
  const c2 = p2.slice();
  if (rng.uniform() >= o.prob) return [c1, c2];
  for (let j = 0; j < space.nVar; j++) {
    if (rng.uniform() >= o.probVar) continue;
    const lo = opLower(space, j);
    const hi = opUpper(space, j);
    const y1 = Math.min(p1[j], p2[j]);
    const y2 = Math.max(p1[j], p2[j]);
    // Identical values would divide by zero; a fixed variable has nothing to cross.
    if (y2 - y1 <= 1e-14 || hi <= lo) continue;
    const delta = y2 - y1;
    const u = rng.uniform();
    // Each child's spread is shaped so that it cannot leave its side of the bounds.
    const b1 = spreadFactor(1 + (2 * (y1 - lo)) / delta, u, o.eta);
    const b2 = spreadFactor(1 + (2 * (hi - y2)) / delta, u, o.eta);
    let v1 = Math.min(Math.max(0.5 * (y1 + y2 - b1 * delta), lo), hi);
    let v2 = Math.min(Math.max(0.5 * (y1 + y2 + b2 * delta), lo), hi);
    if (rng.uniform() < o.probSwap) {
      const t = v1;
      v1 = v2;
      v2 = t;
    }
    c1[j] = v1;
    c2[j] = v2;
  }
  return [c1, c2];
}

/** Bounded polynomial mutation, in place. */
export function polynomialMutation(x: number[], space: Space, rng: Rng, o: MutationOptions): void {
  const probVar = o.probVar ?? Math.min(0.5, 1 / space.nVar);
  const power = 1 / (o.eta + 1);
  for (let j = 0; j < space.nVar; j++) {
    if (rng.uniform() >= probVar) continue;
    const lo = opLower(space, j);
    const hi = opUpper(space, j);
    const width = hi - lo;
    if (width <= 0) continue;
    const y = x[j];
    const u = rng.uniform();
    let dq: number;
    // The step's distribution is folded at the nearer bound, so it never asks to leave the range.
    if (u < 0.5) {
      const t = 1 - (y - lo) / width;
      dq = Math.pow(2 * u + (1 - 2 * u) * Math.pow(t, o.eta + 1), power) - 1;
    } else {
      const t = 1 - (hi - y) / width;
      dq = 1 - Math.pow(2 * (1 - u) + 2 * (u - 0.5) * Math.pow(t, o.eta + 1), power);
    }
    x[j] = Math.min(Math.max(y + dq * width, lo), hi);
  }
}

/** Rounds integer variables and clamps every variable into its bounds, in place. */
export function repair(x: number[], space: Space): void {
  for (let j = 0; j < space.nVar; j++) {
    let v = space.isInt[j] ? Math.round(x[j]) : x[j];
    if (v < space.lower[j]) v = space.lower[j];
    else if (v > space.upper[j]) v = space.upper[j];
    x[j] = v;
  }
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

/**
 * The candidates that equal nothing in `existing` nor an earlier kept candidate (exact equality:
 * what matters is not evaluating the same design twice). Pairwise with early exit, which for real
 * variables almost always stops at the first value.
 */
export function eliminateDuplicates(candidates: readonly number[][], existing: readonly (readonly number[])[]): number[][] {
  const kept: number[][] = [];
  outer: for (const c of candidates) {
    for (const e of existing) if (sameVector(c, e)) continue outer;
    for (const k of kept) if (sameVector(c, k)) continue outer;
    kept.push(c);
  }
  return kept;
}
