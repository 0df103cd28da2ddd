// The report page's HTML as text: self-contained, every text escaped, and the embedded data holding
// per generation exactly the architectures scored up to it, normalised over them (the recorded
// hypervolume comes back from the embedded points).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hypervolume } from '../../src/moo/indicators.ts';
import { REPORT_DATA_ELEMENT, renderSearchReport, type ReportData } from '../../src/report/index.ts';
import { jsonForScript } from '../../src/report/html.ts';
import type { SearchCheckpoint } from '../../src/search/checkpoint.ts';
import { frontOf } from '../../src/search/history.ts';
import { searchResult } from '../../src/search/result.ts';
import { fakeSearch } from './helpers.ts';

const saved = await fakeSearch(8, 4);
const last = saved[saved.length - 1];

/** The embedded ReportData of a page. */
export function embeddedData(html: string): ReportData {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ELEMENT}">([^<]*)</script>`).exec(html);
  assert.ok(m, 'the data element');
  return JSON.parse(m[1]) as ReportData;
}

test('the page is self-contained: no external src or href, no link element, no script with src, a CSP that forbids loading', () => {
  const html = renderSearchReport(last, { pictureSvg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>' });
  assert.not.match(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.not.match(html, /<link\b/i);
  assert.not.match(html, /<script\b[^>]*\bsrc\s*=/i);
  assert.not.match(html, /@import|url\(\s*["']?https?:/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">/);
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.ok(html.includes('uPlot'), 'uPlot is inlined');
  assert.ok(html.length < 200_000, `the page is ${html.length} characters`);
  // Only the three scripts of the page (data, uPlot, the page's own): nothing ends one early.
  assert.is(html.match(/<script\b/g)?.length, 3);
  assert.is(html.match(/<\/script>/g)?.length, 3);
});

test('every text is escaped: a title and an adapter name with markup stay text', () => {
  const evil = '</script><img src=x onerror="alert(1)"> & \'q\'';
  const c: SearchCheckpoint = { ...last, adapter: { ...last.adapter, description: evil } };
  const html = renderSearchReport(c, { title: `<b>${evil}</b>` });
  assert.not.ok(html.includes('<img src=x'), 'no injected element');
  assert.not.ok(html.includes('<b>'), 'no injected element');
  assert.ok(html.includes('<title>&lt;b&gt;&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;&lt;/b&gt;</title>'));
  assert.ok(html.includes('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;</td>'), 'the adapter in the settings');
  assert.is(html.match(/<\/script>/g)?.length, 3);
});

test('jsonForScript: no "<", ">", "&", U+2028 in the text, and JSON.parse gives the value back', () => {
  const value = { a: '</script><!-- & \u2028 \u2029 >', b: [1, 2.5, null] };
  const text = jsonForScript(value);
  assert.not.match(text, /[<>&\u2028\u2029]/);
  assert.equal(JSON.parse(text), value);
});

test('embedded data: per generation every architecture scored up to it, normalised over them; the recorded hypervolume from those points', () => {
  const data = embeddedData(renderSearchReport(last));
  assert.is(data.architectures.length, last.archive.length);
  assert.is(data.generations.length, last.history.length);
  assert.equal(data.proxies, ['jacob_cov', 'synflow', 'flops']);
  assert.is(data.labels.synflow, 'ln synflow');
  assert.ok(last.archive.some((a) => a.failure !== null), 'the fixture has failed architectures');
  let previous = 0;
  for (const [i, g] of data.generations.entries()) {
    const record = last.history[i];
    const expected = last.archive.filter((a) => a.generation <= record.generation);
    assert.is(g.points.length, expected.length, `generation ${g.generation}: points`);
    assert.ok(g.points.length > previous || i === 0, 'generations add architectures');
    previous = g.points.length;
    assert.equal(g.points.map((p) => data.architectures[p[0]].key).sort(), expected.map((a) => a.key).sort());
    for (const p of g.points) assert.ok(p[1] >= -2 && p[1] <= 0 && p[2] >= -1 && p[2] <= 1, `objectives in range: ${p}`);
    assert.equal(g.population.map((k) => data.architectures[k].key).sort(), [...new Set(record.population)].sort());
    // The front drawn is the population's non-dominated part in these objectives, and its
    // hypervolume is the recorded one (to the six decimals the page keeps).
    const byIndex = new Map(g.points.map((p) => [p[0], [p[1], p[2]]]));
    const own = g.population.map((k) => byIndex.get(k)!);
    assert.equal(frontOf(own).map((j) => g.population[j]).sort(), [...g.front].sort());
    const hv = hypervolume(g.front.map((k) => byIndex.get(k)!), data.reference as [number, number]);
    assert.ok(Math.abs(hv - record.hypervolume) < 1e-5, `generation ${g.generation}: hypervolume ${hv} vs recorded ${record.hypervolume}`);
    assert.is(g.hypervolume, record.hypervolume);
  }
  assert.is(data.architectures[data.chosen].key, searchResult(last).chosen.record.key);
});

test('the chosen picture is an <img> of the given SVG; the final front is a table row per member, the chosen marked', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><text>é node0</text></svg>';
  const html = renderSearchReport(last, { pictureSvg: svg });
  const src = /<img class="picture" alt="[^"]*" src="data:image\/svg\+xml;base64,([^"]+)">/.exec(html)?.[1];
  assert.ok(src, 'the picture');
  assert.is(Buffer.from(src, 'base64').toString('utf8'), svg);
  const r = searchResult(last);
  const table = /<table class="front">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.is(table.match(/<tr\b/g)?.length, r.front.length + 1, 'a header and a row per front member');
  assert.is(table.match(/<tr class="chosen">/g)?.length ?? 0, r.front.some((m) => m.record.key === r.chosen.record.key) ? 1 : 0);
  for (const m of r.front) assert.ok(table.includes(`<code>${m.record.key}</code>`), m.record.key);
  assert.ok(renderSearchReport(last).includes('No picture was given'), 'without a picture: a note');
});

test('an unfinished search (a checkpoint after generation 1) renders, saying so', () => {
  const html = renderSearchReport(saved[0]);
  assert.match(html, /unfinished: 1 of 4 generations/);
  assert.is(embeddedData(html).generations.length, 1);
  assert.match(html, /<input id="generation" type="range" min="1" max="1" step="1" value="1"/);
});

test('a checkpoint without a generation is refused with a clear message', () => {
  assert.throws(() => renderSearchReport({ ...last, history: [] }), /holds no finished generation yet/);
});

test('src/report imports nothing Node-only (it runs in Deno and browsers)', () => {
  const dir = join(import.meta.dirname, '..', '..', 'src', 'report');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    for (const i of imports) assert.ok(i.startsWith('./') || i.startsWith('../'), `${f} imports ${i}`);
    for (const i of imports) assert.not.match(i, /\/node\//, `${f} imports ${i}`);
  }
});

test.run();
