// `mednas demo [--out FILE.html]`: writes the browser demo, one self-contained HTML page that runs
// the search on the browser's WebGPU (src/demo/: the page, its script; docs/demo.md). No GPU here:
// the page is assembled from the built script (dist/demo.js) or, run from the sources, from the
// sources bundled now (cli/demo-bundle.ts).
import { pathToFileURL } from 'node:url';
import type { CAC } from 'cac';
import { renderDemoPage } from '../src/demo/page.ts';
import { writeTextAtomic } from '../src/node/index.ts';
import { MEDNAS_VERSION } from '../src/version.ts';
import { demoBundle } from './demo-bundle.ts';
import { pathValue } from './options.ts';

interface DemoFlags {
  out?: unknown;
  json?: boolean;
}

export const DEMO_DEFAULT_OUT = 'mednas-demo.html';

async function run(flags: DemoFlags): Promise<number> {
  const out = await pathValue(flags.out ?? DEMO_DEFAULT_OUT, '--out', 'file-or-missing');
  const bundle = await demoBundle();
  const html = renderDemoPage(bundle.code, { version: MEDNAS_VERSION });
  await writeTextAtomic(out, html);
  const url = pathToFileURL(out).href;
  const bytes = Buffer.byteLength(html);
  if (flags.json) {
    console.log(JSON.stringify({ event: 'demo', path: out, url, bytes, script: bundle.from }));
    return 0;
  }
  console.log(out);
  console.log(`  ${(bytes / 1e6).toFixed(1)} MB, self-contained: open ${url} in a browser with WebGPU (Chrome or Edge 113+; on Linux start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan)`);
  console.log(`  ${url}#autorun&pop=4&gens=2 starts a small search at once`);
  return 0;
}

export function registerDemo(cli: CAC): void {
  cli.command('demo', 'Write the browser demo: one self-contained HTML page that runs the search on the browser\'s WebGPU, with the report live')
    .option('--out <file>', `Where to write it (default: ${DEMO_DEFAULT_OUT})`)
    .option('--json', 'One JSON object on stdout (path, url, bytes, and where the page script came from: dist/demo.js or the sources)')
    .example('mednas demo --out demo.html')
    .action(async (flags: DemoFlags) => run(flags));
}
