// The reproduction runner (issue 21): the paper's tables under one harness.
export * from './protocol.ts';
export * from './published.ts';
export * from './results.ts';
export * from './runner.ts';
export * from './unit.ts';
