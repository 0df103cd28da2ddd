// MOEA/D (Zhang & Li 2007): one subproblem per reference direction, each solved by mating within
// its neighbourhood of nearby directions; a child replaces every neighbour whose scalarised value
// it improves. As in pymoo, the defaults are SBX (prob 1, eta 20) + polynomial mutation (eta 20),
// a neighbourhood of 20 and Tchebycheff for 2 objectives, PBI (theta 5) beyond.

import { Algorithm } from './algorithm.ts';
import type { BaseState } from './algorithm.ts';
import { dasDennis, neighbourhoods, pbi, tchebycheff } from './decomposition.ts';
import type { Decomposition } from './decomposition.ts';
import { MooInputError, expectLength } from './errors.ts';
import { defaultCrossover, defaultMutation, polynomialMutation, randomSample, repair, sbx } from './operators.ts';
import type { CrossoverOptions, MutationOptions } from './operators.ts';
import { checkRows, evaluateBatch, relativeObjectives } from './problem.ts';
import type { Problem } from './problem.ts';

export interface MoeadOptions {
  /** The directions (one subproblem each, popSize = their count); or give nPartitions for Das-Dennis. */
  directions?: number[][];
  nPartitions?: number;
  /** Neighbourhood size T. Default 20. */
  nNeighbours?: number;
  /** Probability of choosing parents from the neighbourhood rather than the whole population. 0.9. */
  probNeighbourMating?: number;
  decomposition?: Decomposition;
  pbiTheta?: number;
  seed?: number;
  crossover?: Partial<CrossoverOptions>;
  mutation?: Partial<MutationOptions>;
  /**
   * 'steady' (the original): each child is evaluated and placed before the next is bred, one
   * evaluate() call per child. 'batch': a generation's children are bred from the same population
   * and evaluated in one call (better for GPU scoring), then placed in the same random order.
   */
  schedule?: 'steady' | 'batch';
}

export interface MoeadState extends BaseState {
  algorithm: 'moead';
  directions: number[][];
  neighbours: number[][];
  ideal: number[];
}

export class Moead extends Algorithm<MoeadState> {
  private directions: number[][];
  private neighbours: number[][];
  private ideal: number[];
  private readonly probNeighbourMating: number;
  private readonly scalarise: (f: readonly number[], w: readonly number[], z: readonly number[]) => number;
  private readonly crossover: CrossoverOptions;
  private readonly mutation: MutationOptions;
  private readonly schedule: 'steady' | 'batch';

  constructor(problem: Problem, options: MoeadOptions = {}) {
    super(problem, options.seed ?? 0);
    const { nObj } = this.space;
    if (options.directions) {
      this.directions = options.directions.map((w) => w.slice());
    } else if (options.nPartitions !== undefined) {
      this.directions = dasDennis(nObj, options.nPartitions);
    } else {
      throw new MooInputError('Moead needs options.directions or options.nPartitions');
    }
    if (this.directions.length < 2) throw new MooInputError(`Moead needs at least 2 directions, got ${this.directions.length}`);
    checkRows('Moead directions', this.directions, nObj);
    const T = options.nNeighbours ?? 20;
    if (!Number.isInteger(T) || T < 2) throw new MooInputError(`Moead nNeighbours must be an integer >= 2, got ${T}`);
    this.neighbours = neighbourhoods(this.directions, T);
    this.ideal = new Array<number>(nObj).fill(Infinity);
    this.probNeighbourMating = options.probNeighbourMating ?? 0.9;
    const kind = options.decomposition ?? (nObj <= 2 ? 'tchebycheff' : 'pbi');
    const theta = options.pbiTheta ?? 5;
    if (kind === 'pbi') this.scalarise = (f, w, z) => pbi(f, w, z, theta);
    else if (kind === 'tchebycheff') this.scalarise = tchebycheff;
    else throw new MooInputError(`Moead decomposition '${kind}' is unknown; use 'tchebycheff' or 'pbi'`);
    this.crossover = { ...defaultCrossover, prob: 1, eta: 20, ...options.crossover };
    this.mutation = { ...defaultMutation, ...options.mutation };
    this.schedule = options.schedule ?? 'steady';
  }

  get popSize(): number {
    return this.directions.length;
  }

  protected async initialize(): Promise<void> {
    const X = randomSample(this.space, this.popSize, this.rng);
    const scored = await evaluateBatch(this.problem, this.space, X);
    this.evaluations += X.length;
    this.X = X;
    this.F = scored.F;
    this.CV = scored.CV;
    for (const f of this.F) this.lowerIdeal(f);
  }

  protected async advance(): Promise<void> {
    const order = this.rng.permutation(this.popSize);
    if (this.schedule === 'batch') {
      const children = order.map((k) => this.breed(k));
      const scored = await evaluateBatch(this.problem, this.space, children);
      this.evaluations += children.length;
      const F = this.compareWith(children, scored.F);
      for (const f of F) this.lowerIdeal(f);
      order.forEach((k, t) => this.place(k, children[t], F[t], scored.CV[t]));
      return;
    }
    for (const k of order) {
      const child = this.breed(k);
      const scored = await evaluateBatch(this.problem, this.space, [child]);
      this.evaluations++;
      const [f] = this.compareWith([child], scored.F);
      this.lowerIdeal(f);
      this.place(k, child, f, scored.CV[0]);
    }
  }

  /**
   * The children's objectives ready to compare with the population's. For a problem with relative
   * objectives, the population's and the children's are recomputed over both together and the ideal
   * point restarts from them (an old ideal belongs to another normalisation).
   */
  private compareWith(children: number[][], F: number[][]): number[][] {
    if (!this.problem.relativeTo) return F;
    const all = relativeObjectives(this.problem, this.space, this.X.concat(children), this.F.concat(F));
    this.F = all.slice(0, this.X.length);
    this.ideal.fill(Infinity);
    for (const f of this.F) this.lowerIdeal(f);
    return all.slice(this.X.length);
  }

  /** One child for subproblem k: two distinct parents from its neighbourhood (or everyone). */
  private breed(k: number): number[] {
    const pool = this.rng.uniform() < this.probNeighbourMating ? this.neighbours[k] : null;
    const size = pool ? pool.length : this.popSize;
    const a = this.rng.integer(0, size - 1);
    let b = this.rng.integer(0, size - 2);
    if (b >= a) b++; // distinct from a, still uniform
    const pa = pool ? pool[a] : a;
    const pb = pool ? pool[b] : b;
    const pair = sbx(this.X[pa], this.X[pb], this.space, this.rng, this.crossover);
    const child = pair[this.rng.uniform() < 0.5 ? 0 : 1];
    polynomialMutation(child, this.space, this.rng, this.mutation);
    repair(child, this.space);
    return child;
  }

  private lowerIdeal(f: readonly number[]): void {
    // Only finite values: a diverged -Infinity must not drag every subproblem's reference away.
    for (let m = 0; m < f.length; m++) if (Number.isFinite(f[m]) && f[m] < this.ideal[m]) this.ideal[m] = f[m];
  }

  /** The child takes the place of each neighbour of k it beats: lower violation, then lower value. */
  private place(k: number, x: number[], f: number[], cv: number): void {
    for (const j of this.neighbours[k]) {
      const w = this.directions[j];
      const better =
        cv < this.CV[j] || (cv === this.CV[j] && this.scalarise(f, w, this.ideal) < this.scalarise(this.F[j], w, this.ideal));
      if (better) {
        this.X[j] = x;
        this.F[j] = f;
        this.CV[j] = cv;
      }
    }
  }

  exportState(): MoeadState {
    return {
      ...this.baseState('moead'),
      algorithm: 'moead',
      directions: this.directions.map((w) => w.slice()),
      neighbours: this.neighbours.map((n) => n.slice()),
      ideal: this.ideal.slice(),
    };
  }

  importState(state: MoeadState): void {
    const n = state?.directions?.length;
    if (!Array.isArray(state?.directions) || n < 2) throw new MooInputError('state.directions must hold at least 2 directions');
    checkRows('state.directions', state.directions, this.space.nObj);
    expectLength('state.neighbours (one per direction)', state.neighbours, n);
    for (const [i, nb] of state.neighbours.entries()) {
      if (!Array.isArray(nb) || nb.length < 2 || !nb.every((j) => Number.isInteger(j) && j >= 0 && j < n)) {
        throw new MooInputError(`state.neighbours[${i}] must list at least 2 direction indices in 0..${n - 1}`);
      }
    }
    expectLength('state.ideal (nObj)', state.ideal, this.space.nObj);
    if (state.generation > 0) expectLength('state.X (one per direction)', state.X, n);
    this.importBase(state, 'moead', n);
    this.directions = state.directions.map((w) => w.slice());
    this.neighbours = state.neighbours.map((nb) => nb.slice());
    this.ideal = state.ideal.slice();
  }

  /** A new Moead continuing from `state`; the directions and neighbourhoods come from the state. */
  static restore(problem: Problem, state: MoeadState, options: MoeadOptions = {}): Moead {
    const algo = new Moead(problem, { ...options, directions: state?.directions ?? options.directions });
    algo.importState(state);
    return algo;
  }
}
