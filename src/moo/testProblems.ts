// Standard test problems with known Pareto fronts: ZDT1-3 (Zitzler, Deb & Thiele 2000) and DTLZ2
// (Deb, Thiele, Laumanns & Zitzler 2002). Used to check the optimisers, not by the search.

import { MooInputError } from './errors.ts';
import type { Evaluation, Problem } from './problem.ts';

export interface TestProblem extends Problem {
  readonly name: string;
}

function zdt(name: string, nVar: number, shape: (f1: number, g: number) => number): TestProblem {
  if (!Number.isInteger(nVar) || nVar < 2) throw new MooInputError(`${name} needs nVar >= 2, got ${nVar}`);
  return {
    name,
    nVar,
    nObj: 2,
    lower: new Array<number>(nVar).fill(0),
    upper: new Array<number>(nVar).fill(1),
    evaluate(X: number[][]): Evaluation {
      const F = X.map((x) => {
        let sum = 0;
        for (let j = 1; j < nVar; j++) sum += x[j];
        const g = 1 + (9 * sum) / (nVar - 1);
        return [x[0], g * shape(x[0], g)];
      });
      return { F };
    },
  };
}

export function zdt1(nVar = 30): TestProblem {
  return zdt('zdt1', nVar, (f1, g) => 1 - Math.sqrt(f1 / g));
}

export function zdt2(nVar = 30): TestProblem {
  return zdt('zdt2', nVar, (f1, g) => 1 - (f1 / g) ** 2);
}

export function zdt3(nVar = 30): TestProblem {
  return zdt('zdt3', nVar, (f1, g) => 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1));
}

function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** nPoints of ZDT1's front f2 = 1 - sqrt(f1), evenly spaced in f1. */
export function zdt1Front(nPoints = 100): number[][] {
  return linspace(0, 1, nPoints).map((f1) => [f1, 1 - Math.sqrt(f1)]);
}

/** nPoints of ZDT2's front f2 = 1 - f1^2, evenly spaced in f1. */
export function zdt2Front(nPoints = 100): number[][] {
  return linspace(0, 1, nPoints).map((f1) => [f1, 1 - f1 * f1]);
}

const zdt3Curve = (x: number): number => 1 - Math.sqrt(x) - x * Math.sin(10 * Math.PI * x);
let zdt3Cache: [number, number][] | null = null;

/**
 * The f1 intervals where ZDT3's curve h(f1) = 1 - sqrt(f1) - f1 sin(10 pi f1) is Pareto-optimal:
 * where h reaches a new running minimum. Each interval ends at a local minimum of h and the next
 * begins where h, falling again, first matches that minimum. Found on a grid, then refined by
 * bisection to machine precision, rather than copied as rounded constants.
 */
export function zdt3Regions(): [number, number][] {
  if (zdt3Cache) return zdt3Cache.map((r) => [r[0], r[1]]);
  const slope = (x: number): number =>
    -0.5 / Math.sqrt(x) - Math.sin(10 * Math.PI * x) - 10 * Math.PI * x * Math.cos(10 * Math.PI * x);
  // Returns the right end of the final bracket: a region's start then lies strictly below the
  // previous minimum, so it is not (weakly) dominated by the previous region's end.
  const bisect = (f: (x: number) => number, a: number, b: number): number => {
    const leftNegative = f(a) < 0;
    for (let i = 0; i < 200; i++) {
      const m = 0.5 * (a + b);
      if (m <= a || m >= b) break;
      if (f(m) < 0 === leftNegative) a = m;
      else b = m;
    }
    return b;
  };
  const n = 20000;
  const regions: [number, number][] = [];
  let start = 0;
  let best = Infinity; // running minimum of h over the regions found so far
  let inside = true;
  for (let i = 1; i <= n; i++) {
    const a = (i - 1) / n;
    const b = i / n;
    if (inside && slope(b) > 0) {
      // h turns upward inside (a, b]: the region ends at that local minimum.
      const end = bisect(slope, Math.max(a, 1e-12), b);
      regions.push([start, end]);
      best = zdt3Curve(end);
      inside = false;
    } else if (!inside && zdt3Curve(b) < best) {
      start = bisect((x) => zdt3Curve(x) - best, a, b);
      inside = true;
    }
  }
  if (inside) regions.push([start, 1]);
  zdt3Cache = regions;
  return regions.map((r) => [r[0], r[1]]);
}

/** nPoints of ZDT3's disconnected front: an equal share per region, evenly spaced in f1 within it. */
export function zdt3Front(nPoints = 100): number[][] {
  const regions = zdt3Regions();
  const front: number[][] = [];
  regions.forEach(([a, b], r) => {
    const share = Math.floor(nPoints / regions.length) + (r < nPoints % regions.length ? 1 : 0);
    for (const f1 of linspace(a, b, share)) front.push([f1, zdt3Curve(f1)]);
  });
  return front;
}

/** DTLZ2: the front is the part of the unit sphere in the positive orthant. Default nVar = nObj + 9. */
export function dtlz2(nVar = 12, nObj = 3): TestProblem {
  if (!Number.isInteger(nObj) || nObj < 2 || !Number.isInteger(nVar) || nVar < nObj) {
    throw new MooInputError(`dtlz2 needs nObj >= 2 and nVar >= nObj, got nVar ${nVar}, nObj ${nObj}`);
  }
  return {
    name: 'dtlz2',
    nVar,
    nObj,
    lower: new Array<number>(nVar).fill(0),
    upper: new Array<number>(nVar).fill(1),
    evaluate(X: number[][]): Evaluation {
      const F = X.map((x) => {
        let g = 0;
        for (let j = nObj - 1; j < nVar; j++) g += (x[j] - 0.5) ** 2;
        const f = new Array<number>(nObj);
        for (let m = 0; m < nObj; m++) {
          let v = 1 + g;
          for (let j = 0; j < nObj - 1 - m; j++) v *= Math.cos((x[j] * Math.PI) / 2);
          if (m > 0) v *= Math.sin((x[nObj - 1 - m] * Math.PI) / 2);
          f[m] = v;
        }
        return f;
      });
      return { F };
    },
  };
}

/** DTLZ2's front at the given directions: each scaled onto the unit sphere. */
export function dtlz2Front(directions: readonly (readonly number[])[]): number[][] {
  return directions.map((w) => {
    const norm = Math.hypot(...w);
    return w.map((v) => v / norm);
  });
}
