import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { DEMO_BUNDLE_FILE, DEMO_BUNDLE_SETTINGS, DEMO_ENTRY } from './cli/demo-bundle.ts';

// package.json's version, as it is at build time: src/version.ts says why it is a define.
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// One build, three entries: the core library (index: no Node-only imports, runs under Deno's
// navigator.gpu too), the Node edge (node) and the CLI. Code they share is split into chunks, so
// the package holds ONE copy of the core: the runtime that initNode() from 'mednas/node' makes the
// default is the one the ops imported from 'mednas' see, and instanceof works across both entries.
// (Two builds gave two copies: "No GPU runtime" on the first op of docs/engine.md's example.)
// test/package/pack.test.ts checks both by installing the packed package. Shaders are inlined as
// text, so dist/ is self-contained. queue-processor is the file that BullMQ's sandboxed child
// processes of `mednas worker` import (src/node/queue/worker.ts finds it beside the bundle).
//
// A second build, run beside the first: the browser demo's page script (dist/demo.js, which `mednas
// demo` inlines into the page; cli/demo-bundle.ts has its settings and bundles the sources the same
// way when the CLI runs from them): src/demo/app.ts and the core it imports as one IIFE for
// browsers. The first build's clean spares that file, since both builds start at once.
export default defineConfig([{
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'cli/main.ts', 'queue-processor': 'src/node/queue/processor.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  splitting: true,
  removeNodeProtocol: false, // keep 'node:fs': Deno and bundlers resolve builtins by it
  loader: { '.wgsl': 'text' },
  define: { __MEDNAS_VERSION__: JSON.stringify(version) },
  sourcemap: true,
  clean: [`!${DEMO_BUNDLE_FILE}`],
}, {
  entry: { [DEMO_BUNDLE_FILE.replace(/\.js$/, '')]: DEMO_ENTRY },
  format: [DEMO_BUNDLE_SETTINGS.format],
  platform: DEMO_BUNDLE_SETTINGS.platform,
  target: DEMO_BUNDLE_SETTINGS.target,
  minify: DEMO_BUNDLE_SETTINGS.minify,
  loader: DEMO_BUNDLE_SETTINGS.loader,
  define: { ...DEMO_BUNDLE_SETTINGS.define, __MEDNAS_VERSION__: JSON.stringify(version) },
  outExtension: () => ({ js: '.js' }),
  esbuildOptions: (o) => {
    o.legalComments = DEMO_BUNDLE_SETTINGS.legalComments;
  },
  sourcemap: false,
  clean: false,
}]);
