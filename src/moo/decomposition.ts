// Scalarising functions for MOEA/D (Zhang & Li 2007) and Das-Dennis reference directions.

import { MooInputError } from './errors.ts';

export type Decomposition = 'tchebycheff' | 'pbi';

// A zero weight would let a subproblem ignore an objective entirely; the usual small floor.
const minWeight = 1e-6;

/** max_k w_k |f_k - z_k|. Non-finite f gives Infinity (worst). */
export function tchebycheff(f: readonly number[], w: readonly number[], ideal: readonly number[]): number {
  let worst = 0;
  for (let k = 0; k < f.length; k++) {
    if (!Number.isFinite(f[k])) return Infinity;
    const v = Math.max(w[k], minWeight) * Math.abs(f[k] - ideal[k]);
    if (v > worst) worst = v;
  }
  return worst;
}

/**
 * Penalty-based boundary intersection: d1 + theta d2, with d1 the distance from the ideal point
 * along the direction w and d2 the distance from that line. Non-finite f gives Infinity.
 */
export function pbi(f: readonly number[], w: readonly number[], ideal: readonly number[], theta = 5): number {
  let norm = 0;
  let d1 = 0;
  for (let k = 0; k < f.length; k++) {
    if (!Number.isFinite(f[k])) return Infinity;
    norm += w[k] * w[k];
    d1 += (f[k] - ideal[k]) * w[k];
  }
  norm = Math.sqrt(norm);
  d1 /= norm;
  let d2 = 0;
  for (let k = 0; k < f.length; k++) d2 += (f[k] - ideal[k] - (d1 * w[k]) / norm) ** 2;
  return d1 + theta * Math.sqrt(d2);
}

/**
 * Das & Dennis (1998) simplex-lattice directions: every w with w_k in {0, 1/p, ..., 1} and sum 1.
 * There are C(p + nObj - 1, nObj - 1) of them (91 for 3 objectives and p = 12).
 */
export function dasDennis(nObj: number, nPartitions: number): number[][] {
  if (!Number.isInteger(nObj) || nObj < 1 || !Number.isInteger(nPartitions) || nPartitions < 1) {
    throw new MooInputError(`dasDennis needs positive integers, got nObj ${nObj}, nPartitions ${nPartitions}`);
  }
  const out: number[][] = [];
  const parts = new Array<number>(nObj).fill(0);
  const fill = (k: number, left: number): void => {
    if (k === nObj - 1) {
      parts[k] = left;
      out.push(parts.map((v) => v / nPartitions));
      return;
    }
    for (let v = 0; v <= left; v++) {
      parts[k] = v;
      fill(k + 1, left - v);
    }
  };
  fill(0, nPartitions);
  return out;
}

/** For each direction, the indices of its T nearest directions (Euclidean, so itself first; ties by index). */
export function neighbourhoods(directions: readonly (readonly number[])[], T: number): number[][] {
  const n = directions.length;
  const size = Math.min(T, n);
  return directions.map((w) => {
    const d = directions.map((v) => v.reduce((s, x, k) => s + (x - w[k]) ** 2, 0));
    const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => d[a] - d[b] || a - b);
    return order.slice(0, size);
  });
}
