// NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002): binary tournament on dominance then crowding,
// SBX + polynomial mutation, and elitist survival of the best fronts of parents + offspring, the
// last front cut by crowding distance.

import { Algorithm } from './algorithm.ts';
import type { BaseState } from './algorithm.ts';
import { compareFlat, crowdingFlat, flattenObjectives, sortFlat } from './dominance.ts';
import { MooInputError } from './errors.ts';
import {
  binaryTournament,
  defaultCrossover,
  defaultMutation,
  eliminateDuplicates,
  polynomialMutation,
  randomSample,
  repair,
  sbx,
} from './operators.ts';
import type { CrossoverOptions, MutationOptions } from './operators.ts';
import { evaluateBatch, relativeObjectives } from './problem.ts';
import type { Problem } from './problem.ts';

export interface Nsga2Options {
  popSize?: number;
  /** Offspring per generation; default popSize. */
  nOffsprings?: number;
  seed?: number;
  crossover?: Partial<CrossoverOptions>;
  mutation?: Partial<MutationOptions>;
  /** Never evaluate a design that is already in the population or the offspring. Default true. */
  eliminateDuplicates?: boolean;
}

export interface Nsga2State extends BaseState {
  algorithm: 'nsga2';
  popSize: number;
}

// Re-mating rounds before accepting fewer offspring than asked (a small integer space can run dry).
const maxMatingRounds = 100;

export class Nsga2 extends Algorithm<Nsga2State> {
  readonly popSize: number;
  readonly nOffsprings: number;
  private readonly crossover: CrossoverOptions;
  private readonly mutation: MutationOptions;
  private readonly unique: boolean;
  // Crowding of the current population within its own fronts, for the tournament. It depends on
  // the survivors' F alone (not on the offspring they beat), so a restored run, which recomputes it,
  // sees exactly what an uninterrupted one saw.
  private flat: Float64Array = new Float64Array(0);
  private crowding: Float64Array = new Float64Array(0);

  constructor(problem: Problem, options: Nsga2Options = {}) {
    super(problem, options.seed ?? 0);
    this.popSize = options.popSize ?? 100;
    this.nOffsprings = options.nOffsprings ?? this.popSize;
    for (const [name, v] of [['popSize', this.popSize], ['nOffsprings', this.nOffsprings]] as const) {
      if (!Number.isInteger(v) || v < 2) throw new MooInputError(`Nsga2 ${name} must be an integer >= 2, got ${v}`);
    }
    this.crossover = { ...defaultCrossover, ...options.crossover };
    this.mutation = { ...defaultMutation, ...options.mutation };
    this.unique = options.eliminateDuplicates ?? true;
  }

  protected async initialize(): Promise<void> {
    let X: number[][] = [];
    for (let round = 0; round < maxMatingRounds && X.length < this.popSize; round++) {
      const fresh = randomSample(this.space, this.popSize - X.length, this.rng);
      X = X.concat(this.unique ? eliminateDuplicates(fresh, X) : fresh);
    }
    const scored = await evaluateBatch(this.problem, this.space, X);
    this.evaluations += X.length;
    this.X = X;
    this.F = scored.F;
    this.CV = scored.CV;
    this.rank();
  }

  protected async advance(): Promise<void> {
    const offspring = this.mate();
    if (offspring.length === 0) return; // nothing new to try; the population stands
    const scored = await evaluateBatch(this.problem, this.space, offspring);
    this.evaluations += offspring.length;
    const X = this.X.concat(offspring);
    this.survive(X, relativeObjectives(this.problem, this.space, X, this.F.concat(scored.F)), this.CV.concat(scored.CV));
  }

  private mate(): number[][] {
    const offspring: number[][] = [];
    const better = (a: number, b: number): number => this.tournamentWinner(a, b);
    for (let round = 0; round < maxMatingRounds && offspring.length < this.nOffsprings; round++) {
      const need = this.nOffsprings - offspring.length;
      const nMatings = Math.ceil(need / 2);
      const parents = binaryTournament(2 * nMatings, this.X.length, this.rng, better);
      let children: number[][] = [];
      for (let m = 0; m < nMatings; m++) {
        for (const child of sbx(this.X[parents[2 * m]], this.X[parents[2 * m + 1]], this.space, this.rng, this.crossover)) {
          polynomialMutation(child, this.space, this.rng, this.mutation);
          repair(child, this.space);
          children.push(child);
        }
      }
      if (this.unique) children = eliminateDuplicates(children, this.X.concat(offspring));
      offspring.push(...children.slice(0, need));
    }
    return offspring;
  }

  /** Feasibility first, then Pareto dominance, then the larger crowding distance; -1 is a tie. */
  private tournamentWinner(a: number, b: number): number {
    if (this.space.nConstr > 0) {
      const ca = this.CV[a];
      const cb = this.CV[b];
      if (ca > 0 || cb > 0) return ca < cb ? a : cb < ca ? b : -1;
    }
    const r = compareFlat(this.flat, this.space.nObj, null, a, b);
    if (r !== 0) return r === 1 ? a : b;
    const da = this.crowding[a];
    const db = this.crowding[b];
    return da > db ? a : db > da ? b : -1;
  }

  private survive(X: number[][], F: number[][], CV: number[]): void {
    const { nObj, nConstr } = this.space;
    const flat = flattenObjectives(F, nObj);
    const { fronts } = sortFlat(flat, X.length, nObj, nConstr > 0 ? CV : null);
    const chosen: number[] = [];
    const survivingFronts: number[][] = [];
    for (const front of fronts) {
      const room = this.popSize - chosen.length;
      if (room <= 0) break;
      const start = chosen.length;
      if (front.length <= room) {
        chosen.push(...front);
      } else {
        const d = crowdingFlat(flat, nObj, front);
        // Most isolated first; equal distances keep the lower index, so the cut is deterministic.
        const order = front.map((_, t) => t).sort((p, q) => d[q] - d[p] || front[p] - front[q]);
        for (let t = 0; t < room; t++) chosen.push(front[order[t]]);
      }
      // The survivors' fronts are the merged fronts cut down to them (every front before the cut
      // survives whole), so they need no second sort; crowding does not depend on member order.
      survivingFronts.push(Array.from({ length: chosen.length - start }, (_, t) => start + t));
    }
    this.X = chosen.map((i) => X[i]);
    this.F = chosen.map((i) => F[i]);
    this.CV = chosen.map((i) => CV[i]);
    this.rank(survivingFronts);
  }

  /** Crowding of the current population within its fronts (sorted here unless given). */
  private rank(fronts?: number[][]): void {
    const { nObj, nConstr } = this.space;
    const n = this.X.length;
    this.flat = flattenObjectives(this.F, nObj);
    this.crowding = new Float64Array(n);
    for (const front of fronts ?? sortFlat(this.flat, n, nObj, nConstr > 0 ? this.CV : null).fronts) {
      const d = crowdingFlat(this.flat, nObj, front);
      for (let t = 0; t < front.length; t++) this.crowding[front[t]] = d[t];
    }
  }

  exportState(): Nsga2State {
    return { ...this.baseState('nsga2'), algorithm: 'nsga2', popSize: this.popSize };
  }

  importState(state: Nsga2State): void {
    if (state?.popSize !== this.popSize) {
      throw new MooInputError(`state has popSize ${state?.popSize}, this Nsga2 has ${this.popSize}`);
    }
    this.importBase(state, 'nsga2', this.popSize);
    this.rank();
  }

  /** A new Nsga2 continuing from `state` (options must match the run that saved it). */
  static restore(problem: Problem, state: Nsga2State, options: Nsga2Options = {}): Nsga2 {
    const algo = new Nsga2(problem, { ...options, popSize: options.popSize ?? state?.popSize });
    algo.importState(state);
    return algo;
  }
}
