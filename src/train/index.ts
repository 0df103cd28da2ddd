// Training and evaluation: SGD with schedules and clipping, losses per task, MedMNIST's metrics,
// the trainer, model files.
export * from './errors.ts';
export { decaysParameter, Sgd, type SgdOptions, type SgdUpdateOptions, type WeightDecayOn } from './sgd.ts';
export { sgdStep, type SgdStepOptions } from './step.ts';
export { clipGradNorm } from './clip.ts';
export * from './schedule.ts';
export * from './loss.ts';
export * from './metrics.ts';
export * from './config.ts';
export * from './dataset-id.ts';
export * from './evaluate.ts';
export * from './evaluate-model.ts';
export * from './architecture.ts';
export * from './build-architecture.ts';
export * from './model-file.ts';
export * from './trainer.ts';
export { profileTrainingStep, type StepProfile, type StepProfileOptions } from './profile.ts';
export * from './predict.ts';
