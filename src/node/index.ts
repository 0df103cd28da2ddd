// Node-only entry: Dawn device set-up and file-system helpers. The core library is in ../index.ts.
export * from './device.ts';
export * from './data/index.ts';
export * from './files.ts';
export * from './state-file.ts';
export * from './genotype-file.ts';
export * from './model-file.ts';
export * from './search-run.ts';
export * from './search-report.ts';
export * from './truth-file.ts';
export * from './reproduce-file.ts';
export * from './run-lock.ts';
export * from './queue/index.ts';
