export * from './module.ts';
export * from './layers.ts';
export * from './init.ts';
export * from './state.ts';
export * from './macs.ts';
export * from './resnet-plan.ts';
export * from './resnet.ts';
