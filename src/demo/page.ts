// The browser demo page (`mednas demo`): one self-contained HTML file, the page's markup and style
// here, and the whole engine as one inlined script, the bundle of src/demo/app.ts (which imports the
// core through src/index.ts: the code the CLI runs, not a copy). The report shown live is the one
// `mednas report` writes (src/report, uPlot inlined), rendered in the page after every generation.
// No DOM here: this only assembles text (the CLI calls it; tests read it).
import { escapeHtml as esc } from '../report/html.ts';

/** The checkpoint's file name, as `mednas search` writes it in a run directory (SEARCH_CHECKPOINT_FILE). */
export const DEMO_CHECKPOINT_FILE = 'checkpoint.mednas';

/** The name of the CustomEvents the page sends on window (their detail: src/demo/app.ts's DemoEvent). */
export const DEMO_EVENT = 'mednas-demo';

/** Ids of the page's elements that the app drives (and tests look up). */
export const DEMO_IDS = {
  status: 'status',
  noWebGpu: 'no-webgpu',
  error: 'error',
  form: 'settings',
  drop: 'drop',
  fileInput: 'file-input',
  folderInput: 'folder-input',
  dataset: 'dataset',
  useSynthetic: 'use-synthetic',
  start: 'start',
  stop: 'stop',
  resume: 'resume',
  download: 'download',
  progress: 'progress',
  command: 'command',
  chosen: 'chosen',
  picture: 'picture',
  report: 'report',
} as const;

/**
 * What the page allows itself: its own inline script and style, data: and blob: images, and
 * compiling the WebAssembly its script carries ('wasm-unsafe-eval': Graphviz, which draws the
 * architecture's picture, is a WebAssembly module inlined in the script; it grants no eval of
 * JavaScript and loads nothing). No connect, frame, font, media or other source: the page can
 * request nothing but itself. (The live report is a srcdoc frame, made from the page's own text,
 * which fetches nothing, so frame-src 'none' does not stop it; the checkpoint downloads from a blob:
 * URL of bytes the page holds.)
 */
export const DEMO_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline' 'wasm-unsafe-eval'",
  "style-src 'unsafe-inline'",
  'img-src data: blob:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2125; margin: 0; background: #fff; }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 16px; }
header { border-bottom: 1px solid #dde1e5; padding-top: 8px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 1px solid #eef0f2; }
.note { color: #5b646d; }
.box { border: 1px solid #dde1e5; border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
.warn { background: #fff4e6; border-color: #f0b35a; }
.fail { background: #fdecee; border-color: #e3a1a9; color: #7a1420; white-space: pre-wrap; }
[hidden] { display: none !important; }
form.settings { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 8px 16px; }
form.settings label { display: flex; flex-direction: column; font-size: 12px; color: #5b646d; }
form.settings input, form.settings select { font: inherit; color: #1d2125; padding: 3px 4px; }
.drop { border: 2px dashed #aab4bf; border-radius: 8px; padding: 14px; text-align: center; color: #5b646d; }
.drop.over { border-color: #2f74d0; background: #eef3fb; }
.buttons { display: flex; gap: 8px; flex-wrap: wrap; margin: 12px 0; }
button { font: inherit; padding: 5px 14px; border-radius: 4px; border: 1px solid #aab4bf; background: #f6f8fa; cursor: pointer; }
button.primary { background: #2f74d0; border-color: #2f74d0; color: #fff; }
button:disabled { opacity: 0.45; cursor: default; }
#status { display: inline-block; font-weight: 600; padding: 1px 8px; border-radius: 10px; background: #eef0f2; }
#status[data-status=running] { background: #dbe8fb; } #status[data-status=done] { background: #dff3e3; } #status[data-status=error] { background: #fdecee; }
#progress { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; min-height: 3em; }
code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; }
img.picture { display: block; margin: 8px auto; max-width: min(100%, 420px); height: auto; border: 1px solid #eef0f2; }
iframe.report { width: 100%; border: 1px solid #dde1e5; border-radius: 6px; height: 640px; }
footer { color: #5b646d; border-top: 1px solid #dde1e5; margin-top: 32px; padding-bottom: 16px; }
`;

export interface DemoPageOptions {
  /** The mednas version the bundle was built from (shown and recorded in the page). */
  readonly version: string;
}

/**
 * `code` made safe inside a <script> element: "</script" would end the element, and "<!--" (then a
 * "<script" further on) would keep the real end tag from ending it. A minifier never writes either
 * as code (in a script "<!--" opens a comment), so both are in strings or regular expressions
 * (Graphviz's strings hold "<!--"; the report's templates "</script>"), where "\x3C" is "<".
 */
export function scriptText(code: string): string {
  return code.replace(/<(\/script|!--)/gi, '\\x3C$1');
}

/** The page's HTML around `bundle`, the browser bundle of src/demo/app.ts (an IIFE). */
export function renderDemoPage(bundle: string, options: DemoPageOptions): string {
  const v = esc(options.version);
  const I = DEMO_IDS;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${DEMO_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mednas ${v}">
<title>mednas in the browser: training-free architecture search on WebGPU</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>mednas in the browser</h1>
<p>MSTF-NAS, a training-free multi-objective architecture search for medical images, on this
browser's WebGPU: the engine of the <code>mednas</code> command, nothing installed, nothing sent
anywhere. Status: <span id="${I.status}" data-status="idle">idle</span> <span id="adapter" class="note"></span></p>
</header>
<main>
<div id="${I.noWebGpu}" class="box warn" hidden></div>
<div id="${I.error}" class="box fail" hidden></div>

<h2>Data</h2>
<div id="${I.drop}" class="drop">
<p>Searching the built-in <b>synthetic</b> lesion set unless you drop data here: an <code>.npz</code>
in MedMNIST's layout (<code>breastmnist.npz</code> or your own), a folder of images (one subfolder per
class, optionally inside <code>train/</code>, <code>val/</code>, <code>test/</code>), or a checkpoint
(<code>${DEMO_CHECKPOINT_FILE}</code>) to look at or resume.</p>
<p><label>File: <input id="${I.fileInput}" type="file" accept=".npz,.mednas"></label>
<label>Folder of images: <input id="${I.folderInput}" type="file" webkitdirectory multiple></label>
<button id="${I.useSynthetic}" type="button">use the synthetic set</button></p>
<p id="${I.dataset}" class="note">dataset: synthetic (built in: 2000 / 500 / 1000 images, 28 x 28, 4 classes)</p>
</div>

<h2>Search</h2>
<form id="${I.form}" class="settings" autocomplete="off">
<label>algorithm (--algo)<select name="algo"><option>nsga2</option><option>moead</option></select></label>
<label>population (--pop)<input name="pop" inputmode="numeric"></label>
<label>generations (--gens)<input name="gens" inputmode="numeric"></label>
<label>objectives (--objectives)<select name="objectives"><option>paper</option><option>rank</option></select></label>
<label>proxies (--proxies)<input name="proxies"></label>
<label>proxy batch (--proxy-batch)<input name="proxy-batch" inputmode="numeric"></label>
<label>C, init channels (--init-channels)<input name="init-channels" inputmode="numeric"></label>
<label>seed (--seed)<input name="seed" inputmode="numeric"></label>
<label>synflow scale (--synflow-scale)<select name="synflow-scale"><option>log</option><option>raw</option></select></label>
<label>pick rule (--pick)<select name="pick"><option>score</option><option>knee</option></select></label>
</form>
<div class="buttons">
<button id="${I.start}" class="primary" type="button">Start</button>
<button id="${I.stop}" type="button" disabled>Stop</button>
<button id="${I.resume}" type="button" disabled>Resume</button>
<button id="${I.download}" type="button" disabled>Download checkpoint</button>
</div>
<p class="note">Stop ends the search after the architecture being scored; Resume continues from the last
generation's checkpoint, exactly as <code>mednas search --resume</code> does. The checkpoint downloads
as the file <code>mednas search</code> writes (<code>${DEMO_CHECKPOINT_FILE}</code>): <code>mednas replay</code>,
<code>mednas report</code> and <code>mednas train --arch</code> read it.</p>
<p class="note">The same search on the command line: <code id="${I.command}"></code></p>
<div id="${I.progress}"></div>

<h2>Chosen architecture</h2>
<div id="${I.chosen}"><p class="note">After the first generation: the architecture the pick rule chooses from the population.</p></div>
<img id="${I.picture}" class="picture" alt="the chosen architecture's cells" hidden>

<h2>Report</h2>
<p class="note">The page <code>mednas report</code> writes, redrawn after every generation.</p>
<iframe id="${I.report}" class="report" title="search report" hidden></iframe>
</main>
<footer>mednas ${v} in the browser (<code>mednas demo</code>). Plots by uPlot (MIT licence), pictures by Graphviz compiled to WebAssembly (@viz-js/viz), both inlined.</footer>
<script>${scriptText(bundle)}</script>
</body>
</html>
`;
}
