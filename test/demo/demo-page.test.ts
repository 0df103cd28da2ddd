// The browser demo end to end, as a user runs it: `mednas demo --out` writes the page (run from the
// sources, the CLI bundles src/demo/app.ts with esbuild; no dist/ needed), headless Chromium opens
// it from file:// with WebGPU on SwiftShader (a CPU adapter), and `#autorun` runs a 2-generation
// search on the synthetic set. The page must request nothing but itself (every request is routed:
// any other fails the test), log no error, redraw the report after each generation and show the
// chosen architecture's picture. Its checkpoint, downloaded with the page's button, must be the
// file `mednas search` writes: `mednas replay --verify` (Node, lavapipe) recomputes every
// generation exactly and re-scores every architecture within the proxies' golden tolerances
// (test/proxies/tolerances.ts), and `mednas report` reads it. A screenshot after the search is left
// in the test's folder (MEDNAS_TEST_ARTIFACTS, else a temporary one; its path is printed).
// Chromium: MEDNAS_CHROMIUM, else Debian's /usr/bin/chromium; skipped, saying why, where there is none.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSearchCheckpoint } from '../../src/search/checkpoint.ts';
import { DEMO_CSP, DEMO_EVENT, DEMO_IDS } from '../../src/demo/page.ts';
import { cli, cliAll } from '../cli/helpers.ts';
import { GOLDEN_TOLERANCE, withinGoldenTolerance } from '../proxies/tolerances.ts';

const executablePath = process.env.MEDNAS_CHROMIUM ?? '/usr/bin/chromium';
/** WebGPU in headless Chromium on a machine with no GPU: SwiftShader's Vulkan. */
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];
/** The smallest search that exercises everything: NSGA-II's smallest population, C = 4, a proxy batch of 2. */
const HASH = '#autorun&pop=2&gens=2&init-channels=4&proxy-batch=2';
const NAME = 'demo page in Chromium (WebGPU on SwiftShader): a 2-generation search, no request, no console error; its checkpoint passes mednas replay --verify';

interface DemoState {
  status: string;
  error: string | null;
  adapter: string | null;
  generationsDone: number;
  reportUpdates: number;
  timings: { runtimeMs: number | null; datasetMs: number | null; searchMs: number | null };
  result: { key: string; generations: number; architecturesScored: number; elapsedMs: number; finished: boolean } | null;
  log: string[];
}

function artifactsDir(): string {
  const base = process.env.MEDNAS_TEST_ARTIFACTS;
  if (!base) return mkdtempSync(join(tmpdir(), 'mednas-demo-'));
  const dir = join(base, 'demo');
  mkdirSync(dir, { recursive: true });
  return dir;
}

if (!existsSync(executablePath)) {
  console.log(`  (skipped the demo page test: no Chromium at ${executablePath}; apt-get install -y chromium, or set MEDNAS_CHROMIUM)`);
  test.skip(NAME, () => undefined);
} else {
  test(NAME, async () => {
    const started = performance.now();
    const dir = artifactsDir();
    const file = join(dir, 'demo.html');
    const { chromium } = await import('playwright-core');
    // Writing the page (a child process that bundles the sources) and starting Chromium, side by side.
    const [made, browser] = await Promise.all([
      cli(['demo', '--out', file, '--json']),
      chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage', ...WEBGPU_ARGS] }),
    ]);
    try {
      assert.is(made.status, 0, `mednas demo: ${made.stderr}`);
      const html = readFileSync(file, 'utf8');
      assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${DEMO_CSP}">`), 'the page carries its Content-Security-Policy');
      const markup = html.slice(0, html.indexOf('<script>'));
      assert.not.match(markup, /<script|<link|\ssrc=|\shref=/i, 'the markup loads nothing (one inline script, at the end)');
      const url = pathToFileURL(file).href;

      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
      const requests: string[] = [];
      const errors: string[] = [];
      const isPage = (u: string) => u === url || u === url + HASH;
      // Every request goes through here: the page itself is let through, anything else is refused and fails the test.
      await context.route('**/*', (route) => {
        const u = route.request().url();
        if (isPage(u)) return route.continue();
        requests.push(u);
        return route.abort();
      });
      // Stop the autorun search at the end of generation 1, through the page's own event (deterministic).
      await context.addInitScript(`window.addEventListener(${JSON.stringify(DEMO_EVENT)}, (e) => {
        if (e.detail.type === 'generation' && e.detail.generation === 1 && !window.__stopOnce) { window.__stopOnce = true; window.mednasDemo.stop(); }
      });`);
      const page = await context.newPage();
      page.on('request', (r) => {
        const u = r.url();
        if (!isPage(u) && !requests.includes(u)) requests.push(u);
      });
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      const demo = () => page.evaluate('(() => { const d = window.mednasDemo; return { status: d.status, error: d.error, adapter: d.adapter, generationsDone: d.generationsDone, reportUpdates: d.reportUpdates, timings: d.timings, result: d.result, log: d.log }; })()') as Promise<DemoState>;
      // Functions, not strings: the page's CSP forbids eval, which a string predicate needs.
      const settled = (statuses: string[]) => page.waitForFunction((s) => {
        const d = (globalThis as unknown as { mednasDemo?: { status: string } }).mednasDemo;
        return d !== undefined && s.includes(d.status);
      }, statuses, { timeout: 240_000, polling: 250 });
      const checkpointBytes = async () => Buffer.from((await page.evaluate('window.mednasDemo.checkpointBase64()')) as string, 'base64');

      await page.goto(url + HASH, { waitUntil: 'load' });
      const loadedAt = performance.now();
      await settled(['idle', 'done', 'error']);
      let state = await demo();
      assert.is(state.error, null, 'the search failed in the page');
      assert.is(state.status, 'idle', 'stopped');
      assert.is(state.generationsDone, 1, 'stopped at the end of generation 1');
      const afterOne = await checkpointBytes();

      // Resume from the checkpoint in memory, as the Resume button does.
      await page.click(`#${DEMO_IDS.resume}`);
      await settled(['done', 'error']);
      state = await demo();
      assert.is(state.error, null, 'the resumed search failed in the page');
      assert.is(state.status, 'done');
      assert.match(state.adapter ?? '', /swiftshader/i, 'the search ran on SwiftShader');
      assert.is(state.generationsDone, 2);
      assert.is(state.result?.generations, 2);
      assert.ok(state.result?.finished, 'finished');
      assert.is(state.reportUpdates, 2, 'the report redrawn after each generation');

      // The live report is the `mednas report` page, showing both generations; the picture is drawn.
      const shown = (await page.evaluate(`(() => {
        const report = document.getElementById(${JSON.stringify(DEMO_IDS.report)}).contentWindow.mednasReport;
        const img = document.getElementById(${JSON.stringify(DEMO_IDS.picture)});
        return { generations: report ? report.data.generations.length : -1, at: report ? report.generation() : -1, picture: [img.complete, img.naturalWidth] };
      })()`)) as { generations: number; at: number; picture: [boolean, number] };
      assert.is(shown.generations, 2, 'the report in the page holds both generations');
      assert.is(shown.at, 2);
      assert.ok(shown.picture[0] && shown.picture[1] > 100, `the chosen architecture's picture loaded: ${shown.picture}`);

      // The checkpoint, through the page's own button: the bytes the page holds.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${DEMO_IDS.download}`)]);
      assert.is(download.suggestedFilename(), 'checkpoint.mednas');
      const downloaded = readFileSync((await download.path())!);
      assert.ok(downloaded.equals(await checkpointBytes()), 'the download is the checkpoint the page holds');
      const screenshot = join(dir, 'demo.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`  screenshot of the demo page after the search: ${screenshot}`);
      const resumed = decodeSearchCheckpoint(new Uint8Array(downloaded));
      assert.is(resumed.sessions, 2, 'stopped once, resumed once');
      console.log(`  in the page: the search's generations ${(resumed.elapsedMs / 1000).toFixed(1)} s (${resumed.history.map((g) => `${(g.times.wallMs / 1000).toFixed(1)} s`).join(' + ')}), ${((loadedAt - started) / 1000).toFixed(1)} s to write and open the page`);

      // Resume again from the generation-1 checkpoint as a dropped file: the same search, the same values.
      const dropped = join(dir, 'after-generation-1.mednas');
      writeFileSync(dropped, afterOne);
      await page.setInputFiles(`#${DEMO_IDS.fileInput}`, dropped);
      await page.waitForFunction(() => (globalThis as unknown as { mednasDemo: { generationsDone: number } }).mednasDemo.generationsDone === 1, undefined, { timeout: 30_000 });
      await settled(['idle', 'error']);
      await page.click(`#${DEMO_IDS.resume}`);
      await settled(['done', 'error']);
      state = await demo();
      assert.is(state.error, null, 'the search resumed from a dropped file failed');
      const again = decodeSearchCheckpoint(new Uint8Array(await checkpointBytes()));
      assert.equal(again.archive.map((a) => [a.key, a.values]), resumed.archive.map((a) => [a.key, a.values]), 'resumed from the file = resumed in memory, bit for bit');
      assert.equal(again.history.map((g) => [g.population, g.hypervolume]), resumed.history.map((g) => [g.population, g.hypervolume]));

      assert.equal(errors, [], 'console errors');
      assert.equal(requests, [], 'requests other than the page itself');

      // A browser without WebGPU: the page says so and what to enable.
      const bare = await context.newPage();
      await bare.addInitScript('Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined, configurable: true });');
      await bare.goto(url, { waitUntil: 'load' });
      const missing = (await bare.evaluate(`({ status: window.mednasDemo.status, shown: !document.getElementById(${JSON.stringify(DEMO_IDS.noWebGpu)}).hidden, text: document.getElementById(${JSON.stringify(DEMO_IDS.noWebGpu)}).textContent, start: document.getElementById(${JSON.stringify(DEMO_IDS.start)}).disabled })`)) as { status: string; shown: boolean; text: string; start: boolean };
      assert.is(missing.status, 'error');
      assert.ok(missing.shown && missing.start, 'the message shown, Start disabled');
      assert.match(missing.text, /does not offer WebGPU/);
      assert.match(missing.text, /chrome:\/\/flags\/#enable-unsafe-webgpu/);
      assert.match(missing.text, /--enable-unsafe-webgpu --enable-features=Vulkan/);
      await browser.close(); // (the Node side below gets the CPU)

      // The Node side reads it as one of its own: replay recomputes, --verify re-scores on lavapipe.
      const runDir = join(dir, 'run');
      mkdirSync(runDir, { recursive: true });
      const ckpt = join(runDir, 'checkpoint.mednas');
      writeFileSync(ckpt, downloaded);
      const c = decodeSearchCheckpoint(new Uint8Array(downloaded), ckpt);
      assert.match(c.adapter.description, /swiftshader/i);
      // replay --verify and report read the file side by side.
      const [replay, report] = await cliAll([['replay', ckpt, '--verify', String(c.archive.length), '--json'], ['report', ckpt, '--out', join(runDir, 'report.html'), '--json']]);
      assert.is(replay.status, 0, `mednas replay --verify: ${replay.stderr}${replay.stdout}`);
      const events = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; differences?: unknown[]; keys?: string[]; sameAdapter?: boolean });
      const generations = events.filter((e) => e.event === 'generation');
      assert.is(generations.length, 2);
      assert.ok(generations.every((g) => g.differences?.length === 0), 'replay recomputes every generation as recorded');
      const verify = events.find((e) => e.event === 'verify') as { keys: string[]; sameAdapter: boolean; differences: { key: string; proxy: string; stored: number; rescored: number }[] };
      assert.is(verify.keys.length, c.archive.filter((a) => a.failure === null).length, 'every architecture re-scored');
      assert.is(verify.sameAdapter, false, 'lavapipe re-scored what SwiftShader scored');
      const outside = verify.differences.filter((d) => !withinGoldenTolerance(d.proxy, d.rescored, d.stored));
      const worst = verify.differences.map((d) => {
        const t = GOLDEN_TOLERANCE[d.proxy];
        return `${d.proxy} off by ${Math.abs(d.rescored - d.stored).toExponential(1)}, ${(Math.abs(d.rescored - d.stored) / Math.abs(d.stored)).toExponential(1)} relative (tolerance ${t.atol ? `${t.atol}` : ''}${t.atol && t.rtol ? ' + ' : ''}${t.rtol ? `${t.rtol} relative` : ''})`;
      });
      console.log(`  replay --verify on the Node side: ${verify.keys.length} architectures, ${verify.differences.length} value(s) not bit-equal${worst.length ? `: ${worst.join(', ')}` : ''}`);
      assert.equal(outside, [], 'every re-scored value within its golden tolerance');

      assert.is(report.status, 0, `mednas report: ${report.stderr}`);
      console.log(`  demo test: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
    } finally {
      await browser.close();
    }
  });
}

test.run();
