// What NSGA-II and MOEA/D share: the generation loop, the per-generation callback (where the search
// checkpoints and reports progress), history and the result. Generation 1 is the evaluated initial
// population, as in pymoo, so 200 generations of 100 cost 20,000 evaluations.

import { MooInputError, expectLength } from './errors.ts';
import { flattenObjectives, sortFlat } from './dominance.ts';
import { Rng } from '../util/rng.ts';
import type { RngState } from '../util/rng.ts';
import { checkRows, describeSpace } from './problem.ts';
import type { Problem, Space } from './problem.ts';

export interface GenerationInfo {
  generation: number;
  evaluations: number;
  /** The current population's objectives; a live view, copy it to keep it. */
  F: readonly (readonly number[])[];
}

export interface RunOptions {
  /** Run until this many generations are done in total (a restored run counts the ones before). */
  generations: number;
  /** Called after every generation, awaited before the next. exportState() here is a checkpoint. */
  onGeneration?: (info: GenerationInfo) => void | Promise<void>;
  /** Keep a copy of every generation's population in the result. */
  history?: boolean;
}

export interface Snapshot {
  generation: number;
  evaluations: number;
  X: number[][];
  F: number[][];
  CV: number[];
}

export interface MooResult extends Snapshot {
  /** The non-dominated members of the final population (constrained domination when infeasible). */
  front: { indices: number[]; X: number[][]; F: number[][] };
  history: Snapshot[];
}

/** The part of every algorithm's exported state; all plain numbers and arrays (msgpack-friendly). */
export interface BaseState {
  algorithm: string;
  generation: number;
  evaluations: number;
  rng: RngState;
  X: number[][];
  F: number[][];
  CV: number[];
}

/** Builds the generator, turning its RangeError (bad seed or state) into the optimiser's own error type. */
function makeRng(build: () => Rng): Rng {
  try {
    return build();
  } catch (e) {
    if (e instanceof RangeError) throw new MooInputError(e.message);
    throw e;
  }
}

function copyRows(rows: readonly (readonly number[])[]): number[][] {
  return rows.map((r) => r.slice());
}

export abstract class Algorithm<S extends BaseState> {
  readonly problem: Problem;
  protected readonly space: Space;
  protected rng: Rng;
  generation = 0;
  evaluations = 0;
  protected X: number[][] = [];
  protected F: number[][] = [];
  protected CV: number[] = [];

  protected constructor(problem: Problem, seed: number) {
    this.problem = problem;
    this.space = describeSpace(problem);
    this.rng = makeRng(() => new Rng(seed));
  }

  /** Samples and evaluates the first population (generation 1). */
  protected abstract initialize(): Promise<void>;
  /** One generation of mating, evaluation and replacement. */
  protected abstract advance(): Promise<void>;
  abstract exportState(): S;
  /** Replaces this algorithm's state; checked against the problem and options. */
  abstract importState(state: S): void;

  async step(): Promise<void> {
    if (this.generation === 0) await this.initialize();
    else await this.advance();
    this.generation++;
  }

  async run(options: RunOptions): Promise<MooResult> {
    if (!Number.isInteger(options.generations) || options.generations < 1) {
      throw new MooInputError(`RunOptions.generations must be a positive integer, got ${options.generations}`);
    }
    const history: Snapshot[] = [];
    while (this.generation < options.generations) {
      await this.step();
      if (options.history) history.push(this.snapshot());
      if (options.onGeneration) {
        await options.onGeneration({ generation: this.generation, evaluations: this.evaluations, F: this.F });
      }
    }
    return { ...this.snapshot(), front: this.front(), history };
  }

  snapshot(): Snapshot {
    return {
      generation: this.generation,
      evaluations: this.evaluations,
      X: copyRows(this.X),
      F: copyRows(this.F),
      CV: this.CV.slice(),
    };
  }

  protected front(): MooResult['front'] {
    if (this.X.length === 0) return { indices: [], X: [], F: [] };
    const { nObj, nConstr } = this.space;
    const flat = flattenObjectives(this.F, nObj);
    const indices = sortFlat(flat, this.X.length, nObj, nConstr > 0 ? this.CV : null).fronts[0];
    return { indices, X: indices.map((i) => this.X[i].slice()), F: indices.map((i) => this.F[i].slice()) };
  }

  protected baseState(algorithm: string): BaseState {
    return {
      algorithm,
      generation: this.generation,
      evaluations: this.evaluations,
      rng: this.rng.state(),
      X: copyRows(this.X),
      F: copyRows(this.F),
      CV: this.CV.slice(),
    };
  }

  protected importBase(state: BaseState, algorithm: string, popSize: number): void {
    if (state?.algorithm !== algorithm) {
      throw new MooInputError(`state is for '${state?.algorithm}', cannot restore it into ${algorithm}`);
    }
    const { generation, evaluations } = state;
    if (!Number.isInteger(generation) || generation < 0 || !Number.isInteger(evaluations) || evaluations < 0) {
      throw new MooInputError(`state.generation and state.evaluations must be non-negative integers`);
    }
    // A population can be smaller than popSize when a small integer space runs out of new designs.
    const n = state.X?.length;
    if (!Array.isArray(state.X) || (generation === 0 ? n !== 0 : n < 1 || n > popSize)) {
      throw new MooInputError(`state.X has ${n} rows, expected ${generation === 0 ? 0 : `1 to ${popSize}`}`);
    }
    expectLength('state.F (rows of X)', state.F, n);
    expectLength('state.CV (rows of X)', state.CV, n);
    checkRows('state.X', state.X, this.space.nVar);
    checkRows('state.F', state.F, this.space.nObj);
    this.rng = makeRng(() => Rng.fromState(state.rng));
    this.generation = generation;
    this.evaluations = evaluations;
    this.X = copyRows(state.X);
    this.F = copyRows(state.F);
    this.CV = state.CV.slice();
  }
}
