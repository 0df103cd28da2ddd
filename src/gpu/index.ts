export * from './errors.ts';
export * from './device.ts';
export * from './buffers.ts';
export * from './pipelines.ts';
export * from './scheduler.ts';
export * from './runtime.ts';
export * from './init.ts';
export * from './profiler.ts';
