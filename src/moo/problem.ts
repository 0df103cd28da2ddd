// What an optimiser needs to know about a problem, and the one place that calls `evaluate` and checks
// what came back. Everything is minimised; constraints are g(x) <= 0.

import { MooInputError, expectLength } from './errors.ts';

export type VarType = 'real' | 'int';

export interface Evaluation {
  /** One row of nObj objective values per candidate. Non-finite values count as the worst possible. */
  F: number[][];
  /** One row of nConstr constraint values per candidate; feasible when every value is <= 0. */
  G?: number[][];
}

export interface Problem {
  readonly nVar: number;
  readonly nObj: number;
  /** Number of inequality constraints g(x) <= 0; 0 when absent. */
  readonly nConstr?: number;
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** One type for all variables, or one per variable. Default 'real'. */
  readonly varType?: VarType | readonly VarType[];
  /** Scores a batch of candidates (one row of nVar values each). May be async (GPU scoring is). */
  evaluate(X: number[][]): Evaluation | Promise<Evaluation>;
  /**
   * For objectives that depend on the set they are compared in (MSTF-NAS min-max normalises its
   * raw proxy values over that set): the objectives of every row of X relative to X as a whole.
   * Every row has been evaluated before. Algorithms call it on each set they compare: NSGA-II on
   * parents + offspring before survival, MOEA/D on the population + its children before placing
   * them. Absent: objectives are absolute.
   */
  relativeTo?(X: number[][]): number[][];
}

/** A problem's bounds and types checked once and unpacked for the operators' inner loops. */
export interface Space {
  nVar: number;
  nObj: number;
  nConstr: number;
  lower: Float64Array;
  upper: Float64Array;
  isInt: Uint8Array;
}

export function describeSpace(problem: Problem): Space {
  const { nVar, nObj } = problem;
  const nConstr = problem.nConstr ?? 0;
  for (const [name, v] of [['nVar', nVar], ['nObj', nObj], ['nConstr', nConstr]] as const) {
    if (!Number.isInteger(v) || v < (name === 'nConstr' ? 0 : 1)) {
      throw new MooInputError(`Problem.${name} must be a ${name === 'nConstr' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
  }
  expectLength('Problem.lower', problem.lower, nVar);
  expectLength('Problem.upper', problem.upper, nVar);
  const types = problem.varType ?? 'real';
  if (typeof types !== 'string') expectLength('Problem.varType', types, nVar);
  const lower = new Float64Array(nVar);
  const upper = new Float64Array(nVar);
  const isInt = new Uint8Array(nVar);
  for (let j = 0; j < nVar; j++) {
    const t = typeof types === 'string' ? types : types[j];
    if (t !== 'real' && t !== 'int') throw new MooInputError(`Problem.varType[${j}] is '${t}', expected 'real' or 'int'`);
    lower[j] = problem.lower[j];
    upper[j] = problem.upper[j];
    if (!Number.isFinite(lower[j]) || !Number.isFinite(upper[j]) || lower[j] > upper[j]) {
      throw new MooInputError(`Problem bounds of variable ${j} must be finite with lower <= upper, got [${lower[j]}, ${upper[j]}]`);
    }
    if (t === 'int') {
      isInt[j] = 1;
      if (!Number.isInteger(lower[j]) || !Number.isInteger(upper[j])) {
        throw new MooInputError(`Problem bounds of integer variable ${j} must be integers, got [${lower[j]}, ${upper[j]}]`);
      }
    }
  }
  return { nVar, nObj, nConstr, lower, upper, isInt };
}

export interface Scored {
  F: number[][];
  /** Total constraint violation per candidate: sum of max(0, g); 0 is feasible, NaN counts as Infinity. */
  CV: number[];
}

function isThenable(v: unknown): v is PromiseLike<Evaluation> {
  return typeof (v as PromiseLike<Evaluation> | null)?.then === 'function';
}

/** Calls problem.evaluate once for the batch and checks every row's length. */
export async function evaluateBatch(problem: Problem, space: Space, X: number[][]): Promise<Scored> {
  const raw = problem.evaluate(X);
  // Awaiting only real promises keeps synchronous problems free of a microtask per call.
  const out = isThenable(raw) ? await raw : raw;
  if (out == null || !Array.isArray(out.F)) throw new MooInputError('Problem.evaluate must return { F: number[][] }');
  expectLength(`Problem.evaluate F (rows for ${X.length} candidates)`, out.F, X.length);
  for (let i = 0; i < X.length; i++) expectLength(`Problem.evaluate F row ${i} (nObj)`, out.F[i], space.nObj);
  const CV = new Array<number>(X.length).fill(0);
  if (space.nConstr > 0) {
    if (!Array.isArray(out.G)) throw new MooInputError(`Problem has nConstr ${space.nConstr} but evaluate returned no G`);
    expectLength(`Problem.evaluate G (rows for ${X.length} candidates)`, out.G, X.length);
    for (let i = 0; i < X.length; i++) {
      const g = out.G[i];
      expectLength(`Problem.evaluate G row ${i} (nConstr)`, g, space.nConstr);
      let cv = 0;
      for (let c = 0; c < g.length; c++) cv += Number.isNaN(g[c]) ? Infinity : Math.max(0, g[c]);
      CV[i] = cv;
    }
  }
  return { F: out.F.map((row) => Array.from(row)), CV };
}

/** Throws unless every row of X has nVar values. */
export function checkRows(what: string, X: readonly (readonly number[])[], width: number): void {
  for (let i = 0; i < X.length; i++) expectLength(`${what} row ${i}`, X[i], width);
}

/** problem.relativeTo(X), checked (one row of nObj per candidate); F itself when the problem has none. */
export function relativeObjectives(problem: Problem, space: Space, X: number[][], F: number[][]): number[][] {
  if (!problem.relativeTo) return F;
  const out = problem.relativeTo(X);
  if (!Array.isArray(out)) throw new MooInputError('Problem.relativeTo must return number[][]');
  expectLength(`Problem.relativeTo (rows for ${X.length} candidates)`, out, X.length);
  for (let i = 0; i < X.length; i++) expectLength(`Problem.relativeTo row ${i} (nObj)`, out[i], space.nObj);
  return out.map((row) => Array.from(row));
}
