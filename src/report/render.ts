// The search report: one self-contained HTML file (uPlot, its CSS, the page's script, the data and
// the picture all inlined; a Content-Security-Policy that lets the page load nothing from
// anywhere). Static parts (tables, settings) are rendered here with every text escaped; the
// plots are drawn in the browser by page-script.ts from the embedded JSON of data.ts.
import type { SearchCheckpoint } from '../search/checkpoint.ts';
import { reportedValue } from '../search/history.ts';
import type { SynflowScale } from '../search/objectives.ts';
import type { PopulationMember } from '../search/pick.ts';
import { searchResult, type SearchResult } from '../search/result.ts';
import { formatGenotype } from '../space/text.ts';
import { proxyLabel, reportData, type ReportData } from './data.ts';
import { duration, flops, int, num } from './format.ts';
import { escapeHtml as esc, jsonForScript, svgDataUrl } from './html.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';
import { UPLOT_CSS, UPLOT_JS, UPLOT_LICENSE, UPLOT_VERSION } from './vendor/uplot.ts';

export interface SearchReportOptions {
  /** The chosen architecture's picture (genotypeToSvg's SVG text); omitted: a note says how to make it. */
  readonly pictureSvg?: string;
  /** The page's title (default: "mednas search: DATASET, ALGORITHM"). */
  readonly title?: string;
}

/** The id of the <script type="application/json"> element that holds ReportData. */
export const REPORT_DATA_ELEMENT = 'mednas-data';

// Where nothing may come from: the page runs only its inline script and style, and shows only
// data: images, so it opens the same offline, from a mail attachment, or years later.
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

type Cell = string | number;
const row = (cells: readonly Cell[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;

/** A two-column table of (name, value) pairs; values are escaped here. */
function pairs(entries: readonly (readonly [string, string])[]): string {
  return `<table class="pairs">${entries.map(([k, v]) => row([esc(k), esc(v)])).join('')}</table>`;
}

const shownValue = (m: PopulationMember, proxy: string, synflowScale: SynflowScale): number => reportedValue(m.record, proxy, { synflowScale });

function genes(m: PopulationMember): string {
  return `<code>${esc(m.record.key)}</code><details><summary>cells</summary><pre>${esc(formatGenotype(m.record.genotype))}</pre></details>`;
}

function frontTable(r: SearchResult): string {
  const [p1, p2] = r.config.proxies;
  const scale = r.config.synflowScale;
  const head = row(['', 'f1', 'f2', esc(proxyLabel(p1, scale)), esc(proxyLabel(p2, scale)), 'params', 'FLOPs', 'genotype'], 'th');
  const body = r.front.map((m) => {
    const chosen = m.record.key === r.chosen.record.key;
    return `<tr${chosen ? ' class="chosen"' : ''}>${[
      chosen ? '<span title="chosen">&#9733;</span>' : '', num(m.objectives[0]), num(m.objectives[1]),
      num(shownValue(m, p1, scale)), num(shownValue(m, p2, scale)), int(m.record.params), flops(m.record.flops),
      genes(m) + (m.record.failure ? `<div class="failed">failed: ${esc(m.record.failure)}</div>` : ''),
    ].map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return `<table class="front"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

function chosenSection(r: SearchResult, pictureSvg: string | undefined): string {
  const m = r.chosen;
  const scale = r.config.synflowScale;
  const rule = r.config.pick === 'score' ? `the largest ${r.config.proxies.join('_n + ')}_n in the final population` : 'the knee of the final front';
  const values: [string, string][] = r.config.proxies.map((p) => [proxyLabel(p, scale), num(shownValue(m, p, scale))]);
  const picture = pictureSvg
    ? `<img class="picture" alt="the chosen architecture's cells" src="${svgDataUrl(pictureSvg)}">`
    : `<p class="note">No picture was given: <code>mednas arch show ${esc(m.record.key)} --svg chosen.svg</code> draws it.</p>`;
  return `<h2>Chosen architecture</h2>
<p>Picked by ${esc(rule)}.</p>
${pairs([
    ['genotype', m.record.key], ...values, ['params', int(m.record.params)], ['FLOPs', flops(m.record.flops)],
    ['f1, f2 (final population)', `${num(m.objectives[0])}, ${num(m.objectives[1])}`],
    ['P1_n, P2_n, FLOPs_n', `${num(m.normalised.p1)}, ${num(m.normalised.p2)}, ${num(m.normalised.cost)}`],
  ])}
<pre>${esc(formatGenotype(m.record.genotype))}</pre>
${picture}`;
}

function settingsSection(c: SearchCheckpoint): string {
  const k = c.config;
  const d = c.dataset;
  return `<h2>Settings</h2>
<div class="columns">
<div><h3>Search</h3>${pairs([
    ['preset', k.preset ?? 'none'], ['algorithm', k.algorithm], ['population', String(k.popSize)], ['generations', String(k.generations)],
    ['proxies (P1, P2)', k.proxies.join(', ')], ['cost', 'flops'], ['synflow scale', k.synflowScale], ['proxy batch', String(k.proxyBatch)],
    ['C (init channels)', String(k.initChannels)], ['seed', String(k.seed)], ['pick rule', k.pick],
  ])}</div>
<div><h3>Data</h3>${pairs([
    ['dataset', d.name], ['task', d.task], ['images', `${d.channels} x ${d.sizePx} x ${d.sizePx}`], ['classes', String(d.classes)],
    ['train / val / test', `${int(d.counts.train)} / ${int(d.counts.val)} / ${int(d.counts.test)}`], ['release', d.release ?? 'unknown'],
    ['CRC-32', d.crc32.toString(16).padStart(8, '0')], ['proxy batch id', c.batchId],
  ])}</div>
<div><h3>Device and run</h3>${pairs([
    ['adapter', c.adapter.description], ['vendor', c.adapter.vendor || 'unknown'], ['architecture', c.adapter.architecture || 'unknown'],
    ['kind', c.adapter.isCpu ? 'CPU (software)' : 'GPU'], ['mednas', c.mednasVersion], ['runs (1 + resumes)', String(c.sessions)],
  ])}</div>
</div>`;
}

function timingsSection(c: SearchCheckpoint): string {
  const scored = c.archive.length;
  const scoringMs = c.history.reduce((s, g) => s + g.times.scoringMs, 0);
  const proxies = [...new Set(c.archive.flatMap((a) => Object.keys(a.timesMs)))];
  const perProxy: [string, string][] = proxies.map((p) => {
    const t = c.archive.map((a) => a.timesMs[p]).filter((v) => Number.isFinite(v));
    return [`mean ${p} time`, t.length ? duration(t.reduce((s, v) => s + v, 0) / t.length) : 'n/a'];
  });
  const head = row(['generation', 'evaluations', 'new', 'from archive', 'failed', 'hypervolume', 'wall', 'scoring'], 'th');
  const rows = c.history.map((g) => row([g.generation, g.evaluations, g.scored, g.archiveHits, g.failures, num(g.hypervolume), duration(g.times.wallMs), duration(g.times.scoringMs)]));
  return `<h2>Timings</h2>
${pairs([
    ['elapsed (all runs)', duration(c.elapsedMs)], ['generations done', `${c.history.length} of ${c.config.generations}`],
    ['architectures scored', int(scored)], ['failed', int(c.archive.filter((a) => a.failure !== null).length)],
    ['scoring', duration(scoringMs)], ['per architecture', scored ? duration(scoringMs / scored) : 'n/a'], ...perProxy,
  ])}
<details><summary>per generation</summary><table class="generations"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></details>`;
}

function plotsSection(data: ReportData): string {
  const G = data.generations.length;
  const best = data.proxies.map((_, i) => `<div class="plot" id="best-plot-${i}"></div>`).join('');
  return `<h2>Objective space</h2>
<p class="note">Every architecture scored up to the generation shown, its values min-max normalised over exactly that set
(as the recorded hypervolume is): f1 = -P1_n - FLOPs_n, f2 = -P2_n + FLOPs_n, both minimised. The front is the
non-dominated part of the population in these objectives. Hover over a point for its genotype.</p>
<div class="controls">
<button id="play" type="button">play</button>
<input id="generation" type="range" min="1" max="${G}" step="1" value="${G}" aria-label="generation">
<span id="generation-label"></span>
</div>
<div class="plot" id="objective-plot"></div>
<p class="hover" id="objective-hover">&#160;</p>
<h2>Over generations</h2>
<div class="plot" id="hypervolume-plot"></div>
<div class="columns">${best}</div>
<div class="plot" id="times-plot"></div>`;
}

/** The report page of a search (any checkpoint with at least one generation) as one HTML text. */
export function renderSearchReport(checkpoint: SearchCheckpoint, options: SearchReportOptions = {}): string {
  if (checkpoint.history.length === 0) throw new Error('renderSearchReport: the checkpoint holds no finished generation yet, so there is nothing to report');
  const r = searchResult(checkpoint);
  const data = reportData(checkpoint, r.chosen.record.key);
  const c = checkpoint;
  const title = options.title ?? `mednas search: ${c.config.dataset}, ${c.config.algorithm}`;
  const status = c.finished ? 'finished' : `unfinished: ${c.history.length} of ${c.config.generations} generations`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mednas ${esc(c.mednasVersion)}">
<title>${esc(title)}</title>
<style>${UPLOT_CSS}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p>${esc(`${c.config.dataset}, ${c.config.algorithm} population ${c.config.popSize}, ${c.history.length} generation(s) (${status}); ${int(c.archive.length)} architectures scored in ${duration(c.elapsedMs)} on ${c.adapter.description}`)}</p>
</header>
<main>
${plotsSection(data)}
${chosenSection(r, options.pictureSvg)}
<h2>Final front</h2>
<p class="note">The final population's non-dominated members, normalised over that population (as the pick rule sees them), by f1; &#9733; = chosen.</p>
${frontTable(r)}
${settingsSection(c)}
${timingsSection(c)}
</main>
<footer>Made by mednas ${esc(c.mednasVersion)} (<code>mednas report</code>). Plots by uPlot ${esc(UPLOT_VERSION)} (MIT licence), inlined.</footer>
<script type="application/json" id="${REPORT_DATA_ELEMENT}">${jsonForScript(data)}</script>
<script>/*! uPlot ${UPLOT_VERSION}\n${UPLOT_LICENSE.replace(/\*\//g, '* /')} */
${UPLOT_JS}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
