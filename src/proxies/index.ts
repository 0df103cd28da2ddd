// Training-free proxies: one file per proxy, a registry by name, scoring with a cache.
export * from './errors.ts';
export * from './types.ts';
export * from './batch.ts';
export * from './registry.ts';
export * from './score.ts';
export * from './cache.ts';
export { ScoringContext, type ContextOptions } from './context.ts';
export { PhaseClock, PHASES, type Phase } from './phases.ts';
export { symmetricEigenvalues } from './eigen.ts';
export { rowCorrelation, type RowCorrelation } from './correlation.ts';
export { batchJacobian, jacobCovFromEigenvalues, jacobCovScore, jacobCovWorst, JACOB_COV_K } from './jacob-cov.ts';
export { type BatchNormMode } from './bn-modes.ts';
export { GRASP_STEP } from './grasp.ts';
export { DEFAULT_MEMORY_BUDGET_BYTES, imagesPerPass, tapeBytesPerImage } from './memory.ts';
