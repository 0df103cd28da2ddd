export * from './tensor.ts';
export * from './scope.ts';
export * from './autograd.ts';
export * from './create.ts';
