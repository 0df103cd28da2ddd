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
  const scale = r.config.synflowScale;
  const rank = r.config.objectives === 'rank';
  // Rank objectives: f1 = -S_n and f2 = FLOPs_n, shown as S_n and FLOPs_n, then each proxy's value.
  const head = row(['', ...(rank ? ['S_n', 'FLOPs_n'] : ['f1', 'f2']), ...r.config.proxies.map((p) => esc(proxyLabel(p, scale))), 'params', 'FLOPs', 'genotype'], 'th');
  const body = r.front.map((m) => {
    const chosen = m.record.key === r.chosen.record.key;
    return `<tr${chosen ? ' class="chosen"' : ''}>${[
      chosen ? '<span title="chosen">&#9733;</span>' : '',
      ...(rank ? [num(m.normalised.s ?? NaN), num(m.normalised.cost)] : [num(m.objectives[0]), num(m.objectives[1])]),
      ...r.config.proxies.map((p) => num(shownValue(m, p, scale))), int(m.record.params), flops(m.record.flops),
      genes(m) + (m.record.failure ? `<div class="failed">failed: ${esc(m.record.failure)}</div>` : ''),
    ].map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return `<table class="front"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

function chosenSection(r: SearchResult, pictureSvg: string | undefined): string {
  const m = r.chosen;
  const scale = r.config.synflowScale;
  const zeroCostRule = pickRuleText(r);
  const rule = r.refine?.chosen
    ? `the best validation AUC among the ${r.refine.candidates.length} members of the final front trained for ${r.refine.train.epochs} epoch(s) (the pick rule alone, ${zeroCostRule}, gives ${r.zeroCost.record.key === m.record.key ? 'the same one' : r.zeroCost.record.key})`
    : zeroCostRule;
  const values: [string, string][] = r.config.proxies.map((p) => [proxyLabel(p, scale), num(shownValue(m, p, scale))]);
  const normalised: [string, string] = r.config.objectives === 'rank'
    ? ['S_n, FLOPs_n', `${num(m.normalised.s ?? NaN)}, ${num(m.normalised.cost)}`]
    : ['P1_n, P2_n, FLOPs_n', `${num(m.normalised.p1 ?? NaN)}, ${num(m.normalised.p2 ?? NaN)}, ${num(m.normalised.cost)}`];
  const picture = pictureSvg
    ? `<img class="picture" alt="the chosen architecture's cells" src="${svgDataUrl(pictureSvg)}">`
    : `<p class="note">No picture was given: <code>mednas arch show ${esc(m.record.key)} --svg chosen.svg</code> draws it.</p>`;
  return `<h2>Chosen architecture</h2>
<p>Picked by ${esc(rule)}.</p>
${pairs([
    ['genotype', m.record.key], ...values, ['params', int(m.record.params)], ['FLOPs', flops(m.record.flops)],
    ['f1, f2 (final population)', `${num(m.objectives[0])}, ${num(m.objectives[1])}`],
    normalised,
  ])}
<pre>${esc(formatGenotype(m.record.genotype))}</pre>
${picture}`;
}

/** The pick rule in words. */
function pickRuleText(r: SearchResult): string {
  if (r.config.pick === 'knee') return 'the knee of the final front';
  return r.config.objectives === 'rank' ? 'the largest S_n in the final population' : `the largest ${r.config.proxies.join('_n + ')}_n in the final population`;
}

/** The refinement's candidates, their validation (and, for information, test) metrics, the chosen one marked. */
function refineSection(r: SearchResult): string {
  const f = r.refine;
  if (!f) return '';
  const t = f.train;
  const head = row(['', 'order', 'genotype', 'val AUC', 'val ACC', 'best epoch', 'test AUC', 'test ACC', 'seconds'], 'th');
  const body = f.planned.map((key, i) => {
    const c = f.candidates[i];
    const chosen = f.chosen === key;
    const cells = c
      ? [num(c.valAuc), num(c.valAcc), c.bestEpoch >= 0 ? String(c.bestEpoch + 1) : 'n/a', num(c.testAuc), num(c.testAcc), c.seconds.toFixed(1)]
      : ['not trained yet', '', '', '', '', ''];
    return `<tr${chosen ? ' class="chosen"' : ''}>${[
      chosen ? '<span title="chosen">&#9733;</span>' : '', String(i + 1),
      `<code>${esc(key)}</code>${c?.failure ? `<div class="failed">failed: ${esc(c.failure)}</div>` : ''}`, ...cells,
    ].map((x) => `<td>${x}</td>`).join('')}</tr>`;
  });
  const seconds = f.candidates.reduce((s, c) => s + c.seconds, 0);
  return `<h2>Refinement</h2>
<p class="note">The first ${f.planned.length} member(s) of the final front in the pick rule's order (${esc(pickRuleText(r))}${f.planned.length < (r.config.refine?.candidates ?? 0) ? `; ${r.config.refine!.candidates} were asked for, the front holds ${f.planned.length}` : ''}),
each trained for ${t.epochs} epoch(s) under the quick protocol (C = ${t.initChannels}, batch ${t.batchSize}, lr ${t.lr}, seed ${t.seed}${t.maxImages !== null ? `, the first ${t.maxImages} images of each split` : ''}):
the best validation AUC is chosen (ties: the earlier). Test metrics are shown for information; the choice never reads them.
${f.chosen ? '' : 'Unfinished: resume the search to train the rest. '}${seconds.toFixed(1)} s of training in all.</p>
<table class="front"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

function settingsSection(c: SearchCheckpoint): string {
  const k = c.config;
  const d = c.dataset;
  return `<h2>Settings</h2>
<div class="columns">
<div><h3>Search</h3>${pairs([
    ['preset', k.preset ?? 'none'], ['algorithm', k.algorithm], ['population', String(k.popSize)], ['generations', String(k.generations)],
    ['objectives', k.objectives === 'rank' ? 'rank (f1 = -S_n, f2 = FLOPs_n)' : 'paper (eq. 1)'],
    [k.objectives === 'rank' ? 'proxies (ranked)' : 'proxies (P1, P2)', k.proxies.join(', ')], ['cost', 'flops'], ['synflow scale', k.synflowScale], ['proxy batch', String(k.proxyBatch)],
    ['C (init channels)', String(k.initChannels)], ['seed', String(k.seed)], ['pick rule', k.pick],
    ['refine', k.refine ? `${k.refine.candidates} candidate(s), ${k.refine.epochs} epoch(s)${k.refine.maxImages !== null ? `, ${k.refine.maxImages} images per split` : ''}` : 'no'],
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
  const objectives = data.objectives === 'rank'
    ? 'f1 = -S_n, f2 = FLOPs_n, where S = sum over the proxies of ln(rank / m) (m = the best; AZ-NAS), both minimised'
    : 'f1 = -P1_n - FLOPs_n, f2 = -P2_n + FLOPs_n, both minimised';
  const G = data.generations.length;
  const best = data.proxies.map((_, i) => `<div class="plot" id="best-plot-${i}"></div>`).join('');
  return `<h2>Objective space</h2>
<p class="note">Every architecture scored up to the generation shown, its values min-max normalised over exactly that set
(as the recorded hypervolume is): ${objectives}. The front is the
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
  const status = c.finished
    ? 'finished'
    : c.history.length < c.config.generations
      ? `unfinished: ${c.history.length} of ${c.config.generations} generations`
      : `unfinished: ${c.refine?.candidates.length ?? 0} of the refinement's candidates trained`;
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
${refineSection(r)}
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
