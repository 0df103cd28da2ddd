// Ground truth: tables of architectures of the space trained under one protocol, with every proxy
// at initialisation, and the statistics that judge proxies against them.
export * from './errors.ts';
export * from './protocol.ts';
export * from './sample.ts';
export * from './table.ts';
export * from './unit.ts';
export * from './build.ts';
export * from './correlate.ts';
export * from './simulate.ts';
export * from './simulated-objectives.ts';
export * from './choose.ts';
