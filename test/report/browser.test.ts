// The report page in a real browser: Debian's Chromium (MEDNAS_CHROMIUM, else /usr/bin/chromium)
// driven by playwright-core, headless, as root in a container (--no-sandbox). The page is opened
// from file:// and must make no other request, log no error (a CSP violation would be one), draw
// the expected points, and follow the slider. A screenshot is left in the test's temporary folder.
// Skipped, saying why, where no Chromium is installed (.ci/run installs it where apt-get can).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSearchReport, type ReportData } from '../../src/report/index.ts';
import { searchResult } from '../../src/search/result.ts';
import { genotypeToSvg } from '../../src/space/svg.ts';
import { fakeSearch } from './helpers.ts';

const executablePath = process.env.MEDNAS_CHROMIUM ?? '/usr/bin/chromium';
const NAME = 'report page in Chromium: no request but the file, no console error, the points drawn, the slider moves the generation';

if (!existsSync(executablePath)) {
  console.log(`  (skipped the browser test: no Chromium at ${executablePath}; apt-get install -y chromium, or set MEDNAS_CHROMIUM)`);
  test.skip(NAME, () => undefined);
} else {
  test(NAME, async () => {
    const { chromium } = await import('playwright-core');
    const saved = await fakeSearch(8, 4);
    const c = saved[saved.length - 1];
    const html = renderSearchReport(c, { pictureSvg: await genotypeToSvg(searchResult(c).chosen.record.genotype) });
    const dir = mkdtempSync(join(tmpdir(), 'mednas-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const G = c.history.length;
    const pointsUpTo = (g: number) => c.archive.filter((a) => a.generation <= g).length;

    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      // Any http(s) request is recorded and refused; file: and data: ones are only recorded.
      await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      const page = await context.newPage();
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url, { waitUntil: 'load' });

      // uPlot draws on canvases: the plots' state is read from the page's window.mednasReport.
      const counts = (): Promise<{ generation: number; series: number[]; label: string }> => page.evaluate(`(() => {
        const r = window.mednasReport;
        return {
          generation: r.generation(),
          series: r.plots.objective.data.slice(1).map((s) => s.filter((v) => v !== null).length),
          label: document.getElementById('generation-label').textContent,
        };
      })()`);
      const drawn = (s: number[]) => s[0] + s[1] + s[2]; // scored, population, front: each point once
      const atLoad = await counts();
      assert.is(atLoad.generation, G, 'the last generation first');
      assert.is(drawn(atLoad.series), pointsUpTo(G));
      assert.is(atLoad.series[3], 1, 'the chosen architecture ringed');
      assert.match(atLoad.label, new RegExp(`^generation ${G} of ${G}: ${pointsUpTo(G)} architectures scored so far`));
      const data = (await page.evaluate('window.mednasReport.data')) as ReportData;
      assert.is(atLoad.series[2], data.generations[G - 1].front.length, 'the front highlighted');
      const lines = (await page.evaluate(`(() => {
        const p = window.mednasReport.plots;
        return [p.hypervolume.data, p.times.data].concat(p.best.map((b) => b.data)).map((d) => d[1]);
      })()`)) as (number | null)[][];
      assert.equal(lines[0], c.history.map((g) => g.hypervolume), 'hypervolume per generation');
      assert.is(lines.length, 5, 'hypervolume, times and three best-value charts');
      assert.ok(lines.every((l) => l.length === G));

      // The slider, as a user moves it: Home goes to generation 1, the arrow keys step.
      await page.focus('#generation');
      await page.keyboard.press('Home');
      let now = await counts();
      assert.is(now.generation, 1);
      assert.is(drawn(now.series), pointsUpTo(1));
      assert.match(now.label, new RegExp(`^generation 1 of ${G}: ${pointsUpTo(1)} architectures`));
      await page.keyboard.press('ArrowRight');
      now = await counts();
      assert.is(now.generation, 2);
      assert.is(drawn(now.series), pointsUpTo(2));
      assert.ok(pointsUpTo(2) > pointsUpTo(1), 'the fixture adds architectures in generation 2');

      // Hovering over a point names its genotype.
      const at = (await page.evaluate(`(() => {
        const u = window.mednasReport.plots.objective;
        const i = u.data[3].findIndex((v) => v !== null);
        const box = u.over.getBoundingClientRect();
        return [box.left + u.valToPos(u.data[0][i], 'x'), box.top + u.valToPos(u.data[3][i], 'y')];
      })()`)) as [number, number];
      await page.mouse.move(at[0], at[1]);
      assert.match((await page.textContent('#objective-hover')) ?? '', /params, .*FLOPs, scored in generation \d+.*  [\d,]+$/);

      const picture = (await page.evaluate(`(() => { const i = document.querySelector('img.picture'); return [i.complete, i.naturalWidth]; })()`)) as [boolean, number];
      assert.ok(picture[0] && picture[1] > 100, `the picture loaded: ${picture}`);

      await page.keyboard.press('End');
      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`  screenshot of the report page: ${screenshot}`);
      assert.equal(errors, [], 'console errors');
      assert.equal(requests.filter((r) => r !== url && !r.startsWith('data:')), [], 'requests other than the page itself');
    } finally {
      await browser.close();
    }
  });
}

test.run();
