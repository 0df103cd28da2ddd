// The correlate page: one self-contained HTML file (no script, nothing loaded: a
// Content-Security-Policy forbids it) with, per table, the correlation table and a scatter plot of
// every quantity against the trained target, drawn as inline SVG. Styled like the search report.
import type { QuantityCorrelation, TableCorrelation } from '../truth/correlate.ts';
import { escapeHtml as esc } from './html.ts';
import { PAGE_STYLE } from './page-style.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'";

const fmt = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
const interval = (lo: number, hi: number) => (Number.isFinite(lo) ? `[${fmt(lo, 2)}, ${fmt(hi, 2)}]` : '');

function row(c: QuantityCorrelation): string {
  return `<tr${c.kind === 'ceiling' ? ' class="chosen"' : ''}><td>${esc(c.proxy)}</td><td>${c.n}</td><td>${fmt(c.spearman)} ${interval(c.spearmanLow, c.spearmanHigh)}</td>`
    + `<td>${fmt(c.kendall)} ${interval(c.kendallLow, c.kendallHigh)}</td><td>${fmt(c.top10, 2)}</td><td>${fmt(c.stability, 2)}</td></tr>`;
}

/** A small scatter plot of x against y as SVG (finite points only), axes labelled with their ranges. */
export function scatterSvg(x: readonly number[], y: readonly number[], title: string, yLabel: string): string {
  const w = 300;
  const h = 220;
  const m = { l: 44, r: 10, t: 22, b: 30 };
  const pts = x.map((v, i) => [v, y[i]] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const range = (v: number[]) => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
  };
  const [x0, x1] = pts.length ? range(pts.map((p) => p[0])) : [0, 1];
  const [y0, y1] = pts.length ? range(pts.map((p) => p[1])) : [0, 1];
  const px = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const py = (v: number) => h - m.b - ((v - y0) / (y1 - y0)) * (h - m.t - m.b);
  const dots = pts.map(([a, b]) => `<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="3" fill="#1f77b4" fill-opacity="0.7"/>`).join('');
  const g = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : v.toPrecision(3));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${esc(title)}">`
    + `<text x="${w / 2}" y="14" text-anchor="middle" font-size="12" font-weight="600">${esc(title)}</text>`
    + `<rect x="${m.l}" y="${m.t}" width="${w - m.l - m.r}" height="${h - m.t - m.b}" fill="none" stroke="#dde1e5"/>`
    + `<text x="${m.l}" y="${h - 16}" font-size="10">${g(x0)}</text><text x="${w - m.r}" y="${h - 16}" font-size="10" text-anchor="end">${g(x1)}</text>`
    + `<text x="${m.l - 4}" y="${h - m.b}" font-size="10" text-anchor="end">${g(y0)}</text><text x="${m.l - 4}" y="${m.t + 8}" font-size="10" text-anchor="end">${g(y1)}</text>`
    + `<text x="${w / 2}" y="${h - 4}" font-size="10" text-anchor="middle">${esc(title)}</text>`
    + `<text x="10" y="${h / 2}" font-size="10" text-anchor="middle" transform="rotate(-90 10 ${h / 2})">${esc(yLabel)}</text>`
    + `${dots}</svg>`;
}

const TARGET_LABEL = { auc: 'test AUC', acc: 'test ACC', 'auc-last3': 'test AUC, last 3 epochs', 'valtest-last3': 'val + test AUC, last 3 epochs' } as const;

export interface CorrelatePageTable {
  /** The table's file name (shown as it is). */
  readonly name: string;
  readonly result: TableCorrelation;
}

export function renderCorrelatePage(tables: readonly CorrelatePageTable[], mednasVersion: string): string {
  const sections = tables.map(({ name, result: r }) => {
    const label = TARGET_LABEL[r.target];
    const targets = r.rows.map((x) => x.target);
    const plots = r.correlations.map((c) => `<div>${scatterSvg(r.values[c.proxy], targets, `${c.proxy} (rho ${fmt(c.spearman, 2)})`, label)}</div>`).join('');
    return `<h2>${esc(r.dataset)}: ${esc(name)}</h2>
<p class="note">${r.architectures} architectures with a trained result; target: the mean over training seeds of ${esc(label)}.
The noise ceiling (${r.ceiling.n} architectures with every seed): split-half Spearman ${fmt(r.ceiling.spearman)} ${interval(r.ceiling.spearmanLow, r.ceiling.spearmanHigh)},
against the mean of all seeds about ${fmt(r.ceiling.corrected)}.</p>
<table><tr><th>quantity</th><th>n</th><th>Spearman [95%]</th><th>Kendall [95%]</th><th>top 10%</th><th>init-seed stability</th></tr>
${[...r.correlations, r.ceiling].map(row).join('\n')}</table>
<div class="columns">${plots}</div>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mednas ${esc(mednasVersion)}">
<title>mednas correlate</title>
<style>${PAGE_STYLE}</style>
</head><body>
<header><h1>How well each proxy ranks trained architectures</h1>
<p class="note">Spearman and Kendall with 95% percentile-bootstrap intervals over architectures; top 10%: the share of a quantity's top tenth that is in the trained top tenth; init-seed stability: the mean Spearman of a quantity between pairs of init seeds. -f1, -f2 and paper are the search's eq. 1 objectives and pick score, normalised over the table.</p></header>
<main>${sections}</main>
<footer>mednas ${esc(mednasVersion)}</footer>
</body></html>
`;
}
