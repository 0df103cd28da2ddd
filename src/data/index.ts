// Public API of the data layer (pure TypeScript: runs in Node, Deno and browsers).
export * from './errors.ts';
// The data layer's own seeded generator (it needs gamma/Beta/Dirichlet and per-sample streams);
// exported under a distinct name so that it does not shadow the library-wide Rng.
export { Rng as DataRng, type RngState as DataRngState } from './rng.ts';
export * from './npy.ts';
export * from './npz.ts';
export * from './registry.ts';
export * from './dataset.ts';
export * from './medmnist.ts';
// Image ops go out as a namespace: names like `rotate` or `equalize` are too generic for the root.
export * as imageOps from './ops.ts';
export type { U8Image } from './ops.ts';
export * from './augmix.ts';
export * from './flipcrop.ts';
export * from './loader.ts';
export * from './synthetic.ts';
