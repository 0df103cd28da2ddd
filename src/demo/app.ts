// The browser demo's script: the entry of the page's bundle (`mednas demo` inlines it into the page
// that src/demo/page.ts lays out). It runs the core library, imported through src/index.ts as any
// user of the package imports it, on navigator.gpu: the search, its checkpoints, the report page
// and the architecture's picture are the CLI's own code. The page's state is exposed as
// window.mednasDemo for scripts and tests (see DemoApi). Everything it writes into the page goes
// through textContent, attributes or the report's own escaping.
//
// Type-checked with the DOM's types by src/demo/tsconfig.json (the project's tsconfig has no DOM,
// so this one file is left out of it).
import {
  decodeSearchCheckpoint, formatGenotype, genotypeToSvg, imageFolderDataset, initWithGpu, MEDNAS_VERSION, renderSearchReport, search,
  searchResult, svgDataUrl, syntheticDataset, SYNTHETIC_NAME,
  type ArchitectureProgress, type GenerationProgress, type ImageDataset, type Runtime, type SearchCheckpoint, type SearchConfig,
} from '../index.ts';
import { droppedFileKind, folderListing, npzDataset } from './files.ts';
import { DEMO_CHECKPOINT_FILE, DEMO_EVENT, DEMO_IDS } from './page.ts';
import {
  DEMO_SETTING_KEYS, defaultDemoSettings, demoSearchCommand, demoSearchConfig, demoSettingText, parseDemoHash, parseDemoSetting, type DemoSettings,
} from './settings.ts';

export type DemoStatus = 'idle' | 'running' | 'done' | 'error';

/** The chosen architecture and its scores, as plain data. */
export interface DemoResult {
  readonly key: string;
  readonly genotype: readonly number[];
  /** Raw proxy values (synflow raw; logValues holds ln synflow). */
  readonly values: Readonly<Record<string, number>>;
  readonly logValues: Readonly<Record<string, number>>;
  readonly params: number;
  readonly flops: number;
  /** [f1, f2] in the final population. */
  readonly objectives: readonly [number, number];
  readonly front: readonly { readonly key: string; readonly objectives: readonly [number, number] }[];
  readonly architecturesScored: number;
  readonly generations: number;
  /** Wall time of the generations (all runs), as the checkpoint records it. */
  readonly elapsedMs: number;
  readonly finished: boolean;
}

export interface DemoTimings {
  /** Opening the GPU (adapter, device). */
  runtimeMs: number | null;
  /** Making or reading the dataset. */
  datasetMs: number | null;
  /** The last search() call, start to end (proxy batch, dataset hash and every generation). */
  searchMs: number | null;
}

/** window.mednasDemo. */
export interface DemoApi {
  readonly status: DemoStatus;
  /** What went wrong (status 'error'), as the page shows it. */
  readonly error: string | null;
  /** After a search (or a dropped finished checkpoint): the chosen architecture. */
  readonly result: DemoResult | null;
  readonly version: string;
  readonly adapter: string | null;
  readonly dataset: string;
  readonly generationsDone: number;
  /** Times the report was redrawn (once per generation, and for a dropped checkpoint). */
  readonly reportUpdates: number;
  readonly timings: DemoTimings;
  /** The progress lines shown. */
  readonly log: readonly string[];
  /** The latest checkpoint's bytes: the file `mednas search` writes (null before the first generation). */
  checkpoint(): Uint8Array | null;
  /** The same, base64 (for callers that move it as text, e.g. page.evaluate). */
  checkpointBase64(): string | null;
  /** Starts a search with the form's settings, changed by `settings`. */
  start(settings?: Partial<DemoSettings>): Promise<DemoStatus>;
  /** Stops a running search after the architecture being scored (the unfinished generation is dropped). */
  stop(): void;
  /** Continues from the latest checkpoint (the search's own, or a dropped one). */
  resume(): Promise<DemoStatus>;
  /** Downloads the latest checkpoint as checkpoint.mednas. */
  download(): void;
}

/**
 * What the page announces on window, as CustomEvents named DEMO_EVENT ('mednas-demo'): a status
 * change, and each generation done (its checkpoint saved and the report redrawn; a listener that
 * calls stop() then stops the search at this generation's end).
 */
export type DemoEvent =
  | { readonly type: 'status'; readonly status: DemoStatus }
  | { readonly type: 'generation'; readonly generation: number; readonly generations: number };

declare global {
  interface Window {
    mednasDemo: DemoApi;
  }
}

class DemoStopped extends Error {
  constructor() {
    super('stopped');
    this.name = 'DemoStopped';
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}: it was not made by this version of mednas demo`);
  return el as T;
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

const seconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : ms < 600_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);
const short = (v: number): string => (!Number.isFinite(v) ? String(v) : Math.abs(v) !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Math.round(v * 1e4) / 1e4));

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function describeError(e: unknown): string {
  const err = e as Error;
  return err instanceof Error ? (err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message) : String(e);
}

/** The page's text where the browser has no WebGPU (or no adapter), with what to turn on. */
function noWebGpuText(reason: 'missing' | 'insecure' | 'no-adapter'): string[] {
  const lines = reason === 'insecure'
    ? ['This page is not in a secure context, so the browser hides WebGPU (navigator.gpu). Open the file directly (file://), or serve it over https or from localhost.']
    : reason === 'missing'
      ? ['This browser does not offer WebGPU (navigator.gpu is missing), so the search cannot run here.']
      : ['This browser has WebGPU but offers no adapter (the GPU is blocklisted, disabled, or there is none): chrome://gpu says why.'];
  return [
    ...lines,
    'Chrome and Edge 113 or later have WebGPU on by default on Windows, macOS and ChromeOS. On Linux, enable chrome://flags/#enable-unsafe-webgpu and chrome://flags/#enable-vulkan and restart the browser, or start it with --enable-unsafe-webgpu --enable-features=Vulkan.',
    'No GPU at all: Chromium runs WebGPU on the CPU with --enable-unsafe-webgpu --enable-features=Vulkan --use-webgpu-adapter=swiftshader (slow, but it works).',
    'Firefox: WebGPU is on in Firefox 141 and later on Windows; elsewhere set dom.webgpu.enabled in about:config. Safari: on by default from Safari 26; before that, Develop > Feature Flags > WebGPU.',
    'Without a browser GPU: `mednas search` runs the same search from the command line.',
  ];
}

class NoWebGpu extends Error {
  constructor(readonly reason: 'missing' | 'insecure' | 'no-adapter') {
    super(noWebGpuText(reason).join(' '));
    this.name = 'NoWebGpu';
  }
}

interface LoadedData {
  readonly dataset: ImageDataset;
  /** How `mednas search --dataset` names it (the file or folder the user has). */
  readonly arg: string;
  readonly description: string;
}

function main(): void {
  const I = DEMO_IDS;
  const statusEl = $(I.status);
  const errorEl = $(I.error);
  const noGpuEl = $(I.noWebGpu);
  const form = $<HTMLFormElement>(I.form);
  const startBtn = $<HTMLButtonElement>(I.start);
  const stopBtn = $<HTMLButtonElement>(I.stop);
  const resumeBtn = $<HTMLButtonElement>(I.resume);
  const downloadBtn = $<HTMLButtonElement>(I.download);
  const progressEl = $(I.progress);
  const commandEl = $(I.command);
  const chosenEl = $(I.chosen);
  const pictureEl = $<HTMLImageElement>(I.picture);
  const frame = $<HTMLIFrameElement>(I.report);
  const datasetEl = $(I.dataset);
  const adapterEl = $('adapter');

  let status: DemoStatus = 'idle';
  let error: string | null = null;
  let result: DemoResult | null = null;
  let adapter: string | null = null;
  let latest: { checkpoint: SearchCheckpoint; bytes: Uint8Array } | null = null;
  let own: LoadedData | null = null;
  let runtime: Promise<Runtime> | null = null;
  let stopRequested = false;
  let reportUpdates = 0;
  const log: string[] = [];
  const timings: DemoTimings = { runtimeMs: null, datasetMs: null, searchMs: null };
  const pictures = new Map<string, Promise<string>>();
  let synthetic: ImageDataset | null = null;

  // ---- status and messages
  const announce = (detail: DemoEvent): void => {
    window.dispatchEvent(new CustomEvent<DemoEvent>(DEMO_EVENT, { detail }));
  };
  const setStatus = (s: DemoStatus): void => {
    if (s !== status) announce({ type: 'status', status: s });
    status = s;
    statusEl.textContent = s;
    statusEl.dataset.status = s;
    startBtn.disabled = s === 'running';
    stopBtn.disabled = s !== 'running';
    resumeBtn.disabled = s === 'running' || !latest || latest.checkpoint.finished;
    downloadBtn.disabled = !latest;
    for (const el of Array.from(form.elements)) (el as HTMLInputElement).disabled = s === 'running';
  };
  const fail = (e: unknown): void => {
    error = describeError(e);
    errorEl.textContent = error;
    errorEl.hidden = false;
    console.error(`mednas demo: ${error}`);
    setStatus('error');
  };
  const clearError = (): void => {
    error = null;
    errorEl.hidden = true;
    errorEl.textContent = '';
  };
  const progress = (line: string, replaceLast = false): void => {
    if (replaceLast && log.length > 0) log[log.length - 1] = line;
    else log.push(line);
    progressEl.textContent = log.slice(-12).join('\n');
  };

  // ---- settings: the form, filled with the CLI's defaults, then the hash
  const fields = Object.keys(DEMO_SETTING_KEYS) as (keyof DemoSettings)[];
  const input = (f: keyof DemoSettings) => form.elements.namedItem(DEMO_SETTING_KEYS[f]) as HTMLInputElement | HTMLSelectElement;
  const fillForm = (s: DemoSettings): void => {
    for (const f of fields) input(f).value = demoSettingText(s, f);
  };
  const formSettings = (): DemoSettings => {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = parseDemoSetting(f, input(f).value);
    return out as unknown as DemoSettings;
  };
  const datasetArg = (): string => own?.arg ?? SYNTHETIC_NAME;
  const showCommand = (): void => {
    try {
      commandEl.textContent = demoSearchCommand(demoSearchConfig(formSettings(), own?.dataset.name ?? SYNTHETIC_NAME), datasetArg());
    } catch (e) {
      commandEl.textContent = `(${describeError(e)})`;
    }
  };
  fillForm(defaultDemoSettings());
  form.addEventListener('input', showCommand);
  form.addEventListener('change', showCommand);

  // ---- the GPU, opened once on first use
  const openRuntime = (): Promise<Runtime> => {
    runtime ??= (async () => {
      const t0 = performance.now();
      if (!window.isSecureContext) throw new NoWebGpu('insecure');
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) throw new NoWebGpu('missing');
      // Asked here first, so that "no adapter" gets the browser's advice, not the Node edge's.
      if (!(await gpu.requestAdapter({ powerPreference: 'high-performance' }))) throw new NoWebGpu('no-adapter');
      const rt = await initWithGpu(gpu);
      timings.runtimeMs = performance.now() - t0;
      const a = rt.adapterInfo;
      adapter = a.description || 'an unnamed adapter';
      adapterEl.textContent = `on ${adapter}${a.isCpu ? ' (a CPU adapter: slow)' : ''}`;
      rt.device.lost.then((info) => {
        if (info.reason !== 'destroyed') fail(new Error(`the GPU device was lost (${info.message || info.reason}); reload the page`));
      });
      return rt;
    })();
    runtime.catch(() => {
      runtime = null;
    });
    return runtime;
  };
  const showNoWebGpu = (reason: 'missing' | 'insecure' | 'no-adapter'): void => {
    noGpuEl.replaceChildren(...noWebGpuText(reason).map((l) => element('p', l)));
    noGpuEl.hidden = false;
  };

  // ---- data
  const syntheticData = (sizePx = 28): ImageDataset => {
    if (synthetic && synthetic.sizePx === sizePx) return synthetic;
    synthetic = syntheticDataset({ sizePx });
    return synthetic;
  };
  const describeData = (d: ImageDataset): string =>
    `${d.name} (${d.splits.train.count} / ${d.splits.val.count} / ${d.splits.test.count} images, ${d.sizePx} x ${d.sizePx}${d.channels === 3 ? ' RGB' : ''}, ${d.classNames.length} classes)`;
  const showDataset = (): void => {
    datasetEl.textContent = own ? `dataset: ${own.description}` : 'dataset: synthetic (built in: 2000 / 500 / 1000 images, 28 x 28, 4 classes)';
    showCommand();
  };
  /** The dataset a checkpoint was searched on: the synthetic set made again, or the data dropped. */
  const datasetOf = (c: SearchCheckpoint): ImageDataset => {
    if (c.dataset.name === SYNTHETIC_NAME) return syntheticData(c.dataset.sizePx);
    if (own && own.dataset.name === c.dataset.name) return own.dataset;
    throw new Error(`the checkpoint was searched on ${c.dataset.name}${own ? `, not on ${own.dataset.name}` : ''}: drop that dataset's .npz or folder of images here, then Resume`);
  };

  // ---- the chosen architecture and the report, from a checkpoint
  const pictureOf = (genotype: readonly number[], key: string): Promise<string> => {
    let p = pictures.get(key);
    if (!p) {
      p = genotypeToSvg([...genotype]);
      pictures.set(key, p);
    }
    return p;
  };
  let frameLoaded: (() => void) | null = null;
  frame.addEventListener('load', () => {
    try {
      const doc = frame.contentDocument;
      if (doc) frame.style.height = `${Math.max(400, doc.documentElement.scrollHeight + 4)}px`;
    } catch {
      // Another origin: the frame keeps its own scroll bar.
    }
    frameLoaded?.();
    frameLoaded = null;
  });
  const showCheckpoint = async (c: SearchCheckpoint): Promise<void> => {
    if (c.history.length === 0) return;
    const r = searchResult(c);
    const m = r.chosen;
    const svg = await pictureOf(m.record.genotype, m.record.key);
    result = {
      key: m.record.key, genotype: [...m.record.genotype], values: { ...m.record.values }, logValues: { ...m.record.logValues }, params: m.record.params, flops: m.record.flops,
      objectives: [m.objectives[0], m.objectives[1]], front: r.front.map((f) => ({ key: f.record.key, objectives: [f.objectives[0], f.objectives[1]] as const })),
      architecturesScored: r.archive.length, generations: r.generations, elapsedMs: r.elapsedMs, finished: r.finished,
    };
    const values = Object.entries(m.record.values).map(([p, v]) => `${p === 'synflow' && c.config.synflowScale === 'log' ? 'ln synflow' : p} ${short(p === 'synflow' && c.config.synflowScale === 'log' ? m.record.logValues.synflow ?? Math.log(v) : v)}`);
    chosenEl.replaceChildren(
      element('p', `${r.finished ? 'Chosen' : `After generation ${r.generations} of ${c.config.generations}, the pick rule chooses`}: ${m.record.key}`),
      element('p', `${values.join(', ')}; ${m.record.params.toLocaleString('en-US')} parameters at C = ${c.config.initChannels}; f = (${m.objectives[0].toFixed(4)}, ${m.objectives[1].toFixed(4)})`, 'note'),
      element('pre', formatGenotype([...m.record.genotype])),
    );
    pictureEl.src = svgDataUrl(svg);
    pictureEl.hidden = false;
    const html = renderSearchReport(c, { pictureSvg: svg, title: `mednas search in the browser: ${c.config.dataset}, ${c.config.algorithm}` });
    const loaded = new Promise<void>((resolve) => {
      frameLoaded = resolve;
      setTimeout(resolve, 10_000); // a frame that never loads must not hold the search up
    });
    frame.hidden = false;
    frame.srcdoc = html;
    await loaded;
    reportUpdates++;
  };

  // ---- the search
  const runSearch = async (config: SearchConfig, dataset: ImageDataset, resumeFrom: SearchCheckpoint | null): Promise<DemoStatus> => {
    if (status === 'running') throw new Error('a search is running: stop it first');
    clearError();
    stopRequested = false;
    setStatus('running');
    try {
      const rt = await openRuntime();
      progress(`search: ${config.dataset}, ${config.algorithm} population ${config.popSize} for ${config.generations} generations; C = ${config.initChannels}, proxy batch ${config.proxyBatch}, seed ${config.seed}${resumeFrom ? ` (resuming after generation ${resumeFrom.history.length})` : ''}`);
      const t0 = performance.now();
      const res = await search({
        config, dataset, rt, resumeFrom: resumeFrom ?? undefined,
        onArchitecture: (p: ArchitectureProgress) => {
          progress(`generation ${p.generation}: ${p.scoredInGeneration} new architecture(s) scored, the last in ${seconds(p.timeMs)}${p.failure ? ` (failed: ${p.failure})` : ''}`, p.scoredInGeneration > 1);
          if (stopRequested) throw new DemoStopped();
        },
        onGeneration: (p: GenerationProgress) => {
          const g = p.record;
          progress(`generation ${g.generation} of ${p.generations}: ${g.scored} new, ${g.archiveHits} from the archive, hypervolume ${short(g.hypervolume)}, ${seconds(g.times.wallMs)}${p.etaMs !== null && g.generation < p.generations ? `; about ${seconds(p.etaMs)} to go` : ''}`, true);
        },
        saveCheckpoint: async (c, bytes) => {
          latest = { checkpoint: c, bytes };
          downloadBtn.disabled = false;
          await showCheckpoint(c);
          announce({ type: 'generation', generation: c.history.length, generations: c.config.generations });
          if (stopRequested && !c.finished) throw new DemoStopped();
        },
      });
      timings.searchMs = performance.now() - t0;
      progress(`done: ${res.archive.length} architectures scored in ${seconds(res.elapsedMs)}${res.checkpoint.sessions > 1 ? ` over ${res.checkpoint.sessions} runs` : ''}; chosen ${res.chosen.record.key}`);
      setStatus('done');
    } catch (e) {
      if (e instanceof DemoStopped) {
        progress(`stopped after generation ${latest?.checkpoint.history.length ?? 0}: Resume continues from there`);
        setStatus('idle');
      } else {
        if (e instanceof NoWebGpu) showNoWebGpu(e.reason);
        fail(e);
      }
    }
    return status;
  };

  const start = async (settings: Partial<DemoSettings> = {}): Promise<DemoStatus> => {
    if (status === 'running') return status; // (the Start button is disabled then)
    try {
      fillForm({ ...formSettings(), ...settings });
      const t0 = performance.now();
      const dataset = own?.dataset ?? syntheticData();
      timings.datasetMs = performance.now() - t0;
      const config = demoSearchConfig(formSettings(), dataset.name);
      showCommand();
      latest = null;
      result = null;
      return await runSearch(config, dataset, null);
    } catch (e) {
      fail(e);
      return status;
    }
  };

  const resume = async (): Promise<DemoStatus> => {
    if (status === 'running') return status;
    try {
      if (!latest) throw new Error('there is no checkpoint to resume: start a search, or drop a checkpoint here');
      const c = latest.checkpoint;
      if (c.finished) throw new Error(`the search is finished (${c.history.length} of ${c.config.generations} generations): start a new one`);
      return await runSearch(c.config, datasetOf(c), c);
    } catch (e) {
      fail(e);
      return status;
    }
  };

  const download = (): void => {
    if (!latest) return;
    const url = URL.createObjectURL(new Blob([latest.bytes as BlobPart], { type: 'application/octet-stream' }));
    const a = element('a');
    a.href = url;
    a.download = DEMO_CHECKPOINT_FILE;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };

  // ---- dropped files
  const loadCheckpoint = async (bytes: Uint8Array, name: string): Promise<void> => {
    const c = decodeSearchCheckpoint(bytes, name);
    latest = { checkpoint: c, bytes };
    const settings: Record<string, unknown> = {};
    for (const f of fields) settings[f] = (c.config as unknown as Record<string, unknown>)[f];
    fillForm(settings as unknown as DemoSettings);
    showCommand();
    progress(`checkpoint ${name}: ${c.config.dataset}, ${c.history.length} of ${c.config.generations} generations${c.finished ? ' (finished)' : ': Resume continues it'}, ${c.archive.length} architectures, on ${c.adapter.description}`);
    await showCheckpoint(c);
    setStatus(c.finished ? 'done' : 'idle');
  };
  const loadFiles = async (files: readonly { path: string; file: File }[]): Promise<void> => {
    if (status === 'running') throw new Error('a search is running: stop it before dropping data');
    clearError();
    if (files.length === 1 && !files[0].path.includes('/')) {
      const { file } = files[0];
      const bytes = new Uint8Array(await file.arrayBuffer());
      const kind = droppedFileKind(file.name, bytes.subarray(0, 32));
      if (kind === 'checkpoint') return loadCheckpoint(bytes, file.name);
      if (kind === 'other') throw new Error(`${file.name} is neither an .npz nor a mednas checkpoint: drop an .npz in MedMNIST's layout, a folder of images, or ${DEMO_CHECKPOINT_FILE}`);
      const t0 = performance.now();
      const dataset = npzDataset(bytes, file.name);
      timings.datasetMs = performance.now() - t0;
      own = { dataset, arg: file.name, description: `${describeData(dataset)} from ${file.name}` };
    } else {
      const byPath = new Map(files.map((f) => [f.path, f.file]));
      const listing = folderListing(files.map((f) => f.path));
      const t0 = performance.now();
      const { dataset, summary } = await imageFolderDataset(listing, {
        read: async (f) => new Uint8Array(await byPath.get(f.path)!.arrayBuffer()),
        onProgress: (done, total) => done % 50 === 0 && progress(`reading ${listing.root}: ${done} of ${total} images`, done > 50),
      });
      timings.datasetMs = performance.now() - t0;
      const skipped = summary.ignored.length ? `; left out ${summary.ignored.length} file(s) not in a class folder or hidden` : '';
      own = { dataset, arg: `${listing.root}/`, description: `${describeData(dataset)} from the folder ${listing.root} (classes ${summary.classNames.join(', ')})${skipped}` };
    }
    showDataset();
    progress(`data: ${own.description}`);
    setStatus(status === 'error' ? 'idle' : status); // (a resume that wanted this data can go now)
  };
  const guarded = (f: () => Promise<unknown>) => () => {
    f().catch(fail);
  };

  /** Every file under a dropped entry, with its path from the dropped item's name. */
  async function walk(entry: FileSystemEntry, out: { path: string; file: File }[]): Promise<void> {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path: entry.fullPath.replace(/^\//, ''), file });
      return;
    }
    if (!entry.isDirectory) return;
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      // readEntries answers in batches (100 in Chromium) until it answers none.
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, out);
    }
  }

  const drop = $(I.drop);
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const items = Array.from(ev.dataTransfer?.items ?? []).map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
    guarded(async () => {
      if (items.length !== 1) throw new Error('drop one file or one folder');
      const files: { path: string; file: File }[] = [];
      await walk(items[0], files);
      await loadFiles(items[0].isDirectory ? files : files.map((f) => ({ path: f.file.name, file: f.file })));
    })();
  });
  // Dropping elsewhere on the page must not navigate away from it (and lose the search).
  window.addEventListener('dragover', (ev) => ev.preventDefault());
  window.addEventListener('drop', (ev) => ev.preventDefault());
  const fileInput = $<HTMLInputElement>(I.fileInput);
  fileInput.addEventListener('change', guarded(async () => {
    const f = fileInput.files?.[0];
    if (f) await loadFiles([{ path: f.name, file: f }]);
    fileInput.value = '';
  }));
  const folderInput = $<HTMLInputElement>(I.folderInput);
  folderInput.addEventListener('change', guarded(async () => {
    const list = Array.from(folderInput.files ?? []);
    if (list.length) await loadFiles(list.map((file) => ({ path: file.webkitRelativePath || file.name, file })));
    folderInput.value = '';
  }));
  $(I.useSynthetic).addEventListener('click', () => {
    own = null;
    showDataset();
  });

  startBtn.addEventListener('click', () => void start());
  stopBtn.addEventListener('click', () => {
    stopRequested = true;
    progress('stopping after the architecture being scored ...');
  });
  resumeBtn.addEventListener('click', () => void resume());
  downloadBtn.addEventListener('click', download);

  window.mednasDemo = {
    get status() { return status; },
    get error() { return error; },
    get result() { return result; },
    version: MEDNAS_VERSION,
    get adapter() { return adapter; },
    get dataset() { return own?.dataset.name ?? SYNTHETIC_NAME; },
    get generationsDone() { return latest?.checkpoint.history.length ?? 0; },
    get reportUpdates() { return reportUpdates; },
    get timings() { return { ...timings }; },
    get log() { return [...log]; },
    checkpoint: () => (latest ? latest.bytes.slice() : null),
    checkpointBase64: () => (latest ? base64(latest.bytes) : null),
    start,
    stop: () => {
      stopRequested = true;
    },
    resume,
    download,
  };

  setStatus('idle');
  showDataset();
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!window.isSecureContext || !gpu) {
    const reason = window.isSecureContext ? 'missing' : 'insecure';
    showNoWebGpu(reason);
    fail(new NoWebGpu(reason));
    startBtn.disabled = true;
    return;
  }
  let hash;
  try {
    hash = parseDemoHash(location.hash);
    fillForm({ ...formSettings(), ...hash.settings });
    showCommand();
  } catch (e) {
    fail(e);
    return;
  }
  if (hash.autorun) void start();
}

main();
