// Scale-out over BullMQ on Redis (docs/scale-out.md): the jobs (plain data), the coordinator that
// queues them and collects their results, the worker that runs them in sandboxed child processes,
// and the adapters that plug the coordinator into a search, a table build, refinement and a
// reproduction.
export * from './errors.ts';
export * from './jobs.ts';
export * from './redis.ts';
export * from './dataset.ts';
export * from './coordinator.ts';
export * from './worker.ts';
export * from './adapters.ts';
export { JobRunner, WORKER_DATA_ENV, type JobProgress, type JobRunnerOptions } from './run-job.ts';
export { toWire, fromWire } from './wire.ts';
