import { defineConfig } from 'tsup';

// Two bundles: the core library (no Node-only imports, runs under Deno's navigator.gpu too) and the
// Node edge + CLI. Shaders are inlined as text, so dist/ is self-contained.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    platform: 'neutral',
    target: 'es2022',
    loader: { '.wgsl': 'text' },
    sourcemap: true,
    clean: false,
  },
  {
    entry: { node: 'src/node/index.ts', cli: 'cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    loader: { '.wgsl': 'text' },
    sourcemap: true,
    clean: false,
  },
]);
