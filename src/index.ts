// The public API of the core library. It imports no Node modules: it runs wherever a GPUDevice does.
export * from './gpu/index.ts';
export * from './tensor/index.ts';
export * as ops from './ops/index.ts';
export * from './ops/index.ts';
export { Rng, type RngState } from './util/rng.ts';
export { selfCheck, type SelfCheckResult } from './selfcheck.ts';
export * from './data/index.ts';
export * from './moo/index.ts';
export * from './nn/index.ts';
export * from './space/index.ts';
export { Sgd, type SgdOptions } from './train/sgd.ts';
export { profileTrainingStep, type StepProfile, type StepProfileOptions } from './train/profile.ts';
export { sgdStep } from './train/step.ts';
