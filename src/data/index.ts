// Public API of the data layer (pure TypeScript: runs in Node, Deno and browsers).
export * from './errors.ts';
// The library-wide generator (the same class as the package root's Rng): augmix and flip/crop take one.
export { Rng, type RngState } from '../util/rng.ts';
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
export * from './lesions.ts';
export * from './shape.ts';
export * from './decode.ts';
export * from './resize.ts';
export * from './image-folder.ts';
