// Quality indicators of an approximation set F against a reference: exact hypervolume (2 and 3
// objectives), IGD and GD. IGD and GD are plain means of Euclidean distances, as pymoo computes them.

import { MooInputError, expectLength } from './errors.ts';

function checkPoints(what: string, P: readonly (readonly number[])[], nObj: number): void {
  for (let i = 0; i < P.length; i++) expectLength(`${what} row ${i}`, P[i], nObj);
}

/** Area dominated by 2-D points (already strictly inside the reference) up to ref. */
function area2d(points: [number, number][], r0: number, r1: number): number {
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let total = 0;
  let ceiling = r1; // the lowest f2 so far: strips below it are new
  for (const [x, y] of points) {
    if (y < ceiling) {
      total += (r0 - x) * (ceiling - y);
      ceiling = y;
    }
  }
  return total;
}

/**
 * Exact hypervolume of F (minimised) up to the reference point `ref`, for 2 or 3 objectives.
 * Points not strictly better than ref in every objective, or with non-finite values, add nothing.
 * 3-D sweeps the points in f3 order and adds each slab's 2-D area: O(n^2), fine for populations.
 */
export function hypervolume(F: readonly (readonly number[])[], ref: readonly number[]): number {
  const nObj = ref.length;
  if (nObj !== 2 && nObj !== 3) throw new MooInputError(`hypervolume supports 2 or 3 objectives, got a ${nObj}-value reference`);
  if (!ref.every(Number.isFinite)) throw new MooInputError(`hypervolume reference must be finite, got [${ref.join(', ')}]`);
  checkPoints('hypervolume F', F, nObj);
  const inside = F.filter((p) => p.every((v, k) => Number.isFinite(v) && v < ref[k]));
  if (nObj === 2) return area2d(inside.map((p) => [p[0], p[1]]), ref[0], ref[1]);
  const byZ = inside.slice().sort((a, b) => a[2] - b[2]);
  const slice: [number, number][] = [];
  let volume = 0;
  for (let i = 0; i < byZ.length; i++) {
    slice.push([byZ[i][0], byZ[i][1]]);
    const top = i + 1 < byZ.length ? byZ[i + 1][2] : ref[2];
    if (top > byZ[i][2]) volume += area2d(slice, ref[0], ref[1]) * (top - byZ[i][2]);
  }
  return volume;
}

function meanNearest(from: readonly (readonly number[])[], to: readonly (readonly number[])[]): number {
  if (from.length === 0) return 0;
  if (to.length === 0) return Infinity;
  let total = 0;
  for (const p of from) {
    let best = Infinity;
    for (const q of to) {
      let d2 = 0;
      for (let k = 0; k < p.length; k++) d2 += (p[k] - q[k]) ** 2;
      if (d2 < best) best = d2;
    }
    total += Math.sqrt(best);
  }
  return total / from.length;
}

function checkPair(name: string, F: readonly (readonly number[])[], front: readonly (readonly number[])[]): void {
  if (front.length === 0) throw new MooInputError(`${name} needs a non-empty reference front`);
  const nObj = front[0].length;
  checkPoints(`${name} reference front`, front, nObj);
  checkPoints(`${name} F`, F, nObj);
}

/** Inverted generational distance: mean over the reference front of the distance to the nearest point of F. */
export function igd(F: readonly (readonly number[])[], referenceFront: readonly (readonly number[])[]): number {
  checkPair('igd', F, referenceFront);
  return meanNearest(referenceFront, F);
}

/** Generational distance: mean over F of the distance to the nearest reference point. */
export function gd(F: readonly (readonly number[])[], referenceFront: readonly (readonly number[])[]): number {
  checkPair('gd', F, referenceFront);
  return meanNearest(F, referenceFront);
}
