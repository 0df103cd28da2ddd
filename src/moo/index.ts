// Public API of the multi-objective optimiser library.
export { MooInputError } from './errors.ts';
// The library-wide generator (the same class as the package root's Rng): algorithm states hold its state.
export { Rng, type RngState } from '../util/rng.ts';
export type { Evaluation, Problem, VarType } from './problem.ts';
export { crowdingDistance, dominates, nonDominated, nonDominatedSort } from './dominance.ts';
export {
  binaryTournament,
  defaultCrossover,
  defaultMutation,
  eliminateDuplicates,
  polynomialMutation,
  randomSample,
  repair,
  sbx,
} from './operators.ts';
export type { CrossoverOptions, MutationOptions } from './operators.ts';
export { describeSpace } from './problem.ts';
export type { Space } from './problem.ts';
export type { GenerationInfo, MooResult, RunOptions, Snapshot } from './algorithm.ts';
export { Nsga2 } from './nsga2.ts';
export type { Nsga2Options, Nsga2State } from './nsga2.ts';
export { Moead } from './moead.ts';
export type { MoeadOptions, MoeadState } from './moead.ts';
export type { OptimiserName, OptimiserState } from './optimiser-state.ts';
export { dasDennis, neighbourhoods, pbi, tchebycheff } from './decomposition.ts';
export type { Decomposition } from './decomposition.ts';
export { gd, hypervolume, igd } from './indicators.ts';
export { dtlz2, dtlz2Front, zdt1, zdt1Front, zdt2, zdt2Front, zdt3, zdt3Front, zdt3Regions } from './testProblems.ts';
export type { TestProblem } from './testProblems.ts';
