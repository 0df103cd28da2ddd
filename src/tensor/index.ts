export * from './tensor.ts';
export * from './scope.ts';
export * from './tape.ts';
export * from './create.ts';
