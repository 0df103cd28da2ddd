// The search space: genotypes, the op table, the network builder, exact costs and pictures.
export * from './errors.ts';
export * from './genotype.ts';
export * from './dead.ts';
export * from './random.ts';
export * from './text.ts';
export * from './plan.ts';
export * from './ops.ts';
export { MainOp, Zero, HalvingPool, sepConvLayers, type SepConvOptions } from './op-modules.ts';
export * from './cells.ts';
export * from './network.ts';
export * from './costs.ts';
export * from './reference.ts';
export * from './picture.ts';
export * from './svg.ts';
