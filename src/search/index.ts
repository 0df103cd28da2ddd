// The MSTF-NAS search: objectives, the problem, the search loop, refinement, checkpoints, results and replay.
export * from './errors.ts';
export * from './objectives.ts';
export * from './config.ts';
export { Archive, architectureSize, type ArchitectureRecord } from './archive.ts';
export { MstfProblem, type ScoreMany, type ScoreNew } from './problem.ts';
export * from './history.ts';
export * from './pick.ts';
export * from './checkpoint.ts';
export * from './result.ts';
export * from './refine.ts';
export * from './refinement.ts';
export * from './search.ts';
export * from './replay.ts';
export * from './summary.ts';
