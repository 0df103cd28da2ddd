// The browser page's script: src/demo/app.ts and the core it imports, bundled into one IIFE for the
// browser. `npm run build` (tsup.config.ts) writes it to dist/demo.js with these settings, and
// `mednas demo` reads it from there; run from the sources (tsx, tests), where there is no built
// bundle beside this file, `mednas demo` bundles the sources itself with esbuild (tsup's own
// bundler, a development dependency). Either way the page carries the code in src/, no copy of it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundle's file name in dist/. */
export const DEMO_BUNDLE_FILE = 'demo.js';

/** The bundle's entry, from the package root. */
export const DEMO_ENTRY = 'src/demo/app.ts';

/**
 * How it is bundled (esbuild's options; tsup.config.ts sets the same): one self-running script
 * (IIFE, no imports left, dynamic imports inlined) for browsers of 2023 on, minified, shaders as
 * text, no source map or licence comments (the page credits uPlot and Graphviz; their licences are
 * in the package).
 */
export const DEMO_BUNDLE_SETTINGS = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  loader: { '.wgsl': 'text' },
  // @viz-js/viz asks for import.meta.url, which an IIFE has not; it needs it only to fetch a .wasm
  // file, and its WebAssembly is inlined.
  define: { 'import.meta.url': 'undefined' },
  logLevel: 'silent',
} as const;

export interface DemoBundle {
  readonly code: string;
  /** Where it came from: the built file, or 'sources' when bundled here. */
  readonly from: string;
}

/** The built bundle beside this module (dist/demo.js next to dist/cli.js), or null when there is none. */
function builtBundle(): DemoBundle | null {
  const url = new URL(`./${DEMO_BUNDLE_FILE}`, import.meta.url);
  if (url.protocol !== 'file:') return null;
  const path = fileURLToPath(url);
  return existsSync(path) ? { code: readFileSync(path, 'utf8'), from: path } : null;
}

/** Bundles DEMO_ENTRY from the sources under `root` with esbuild (a development dependency). */
export async function bundleDemoSources(root: string): Promise<DemoBundle> {
  // A name in a variable: tsup must not pull esbuild (a native tool) into dist/cli.js.
  const name = 'esbuild';
  let esbuild: { build(options: object): Promise<{ outputFiles: { text: string }[] }> };
  try {
    esbuild = (await import(name)) as typeof esbuild;
  } catch {
    throw new Error(`no built page script (${DEMO_BUNDLE_FILE}) beside the CLI, and esbuild is not installed to bundle the sources: run \`npm run build\`, or npm install in the mednas repository`);
  }
  const out = await esbuild.build({ ...DEMO_BUNDLE_SETTINGS, entryPoints: [join(root, DEMO_ENTRY)], write: false, absWorkingDir: root });
  return { code: out.outputFiles[0].text, from: 'sources' };
}

/** The page's script: the built one when the CLI runs from dist/, else the sources bundled now. */
export async function demoBundle(): Promise<DemoBundle> {
  const built = builtBundle();
  if (built) return built;
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(join(root, DEMO_ENTRY))) throw new Error(`no built page script (${DEMO_BUNDLE_FILE}) beside the CLI (${fileURLToPath(import.meta.url)}): reinstall mednas, or run \`npm run build\``);
  return bundleDemoSources(root);
}
