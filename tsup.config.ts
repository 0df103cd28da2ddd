import { defineConfig } from 'tsup';

// One build, three entries: the core library (index: no Node-only imports, runs under Deno's
// navigator.gpu too), the Node edge (node) and the CLI. Code they share is split into chunks, so
// the package holds ONE copy of the core: the runtime that initNode() from 'mednas/node' makes the
// default is the one the ops imported from 'mednas' see, and instanceof works across both entries.
// (Two builds gave two copies: "No GPU runtime" on the first op of docs/engine.md's example.)
// test/package/pack.test.ts checks both by installing the packed package. Shaders are inlined as
// text, so dist/ is self-contained.
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'cli/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  splitting: true,
  removeNodeProtocol: false, // keep 'node:fs': Deno and bundlers resolve builtins by it
  loader: { '.wgsl': 'text' },
  sourcemap: true,
  clean: true,
});
