// `mednas search`: MSTF-NAS on a dataset. Every argument is checked before the GPU is opened; the
// run directory gets checkpoint.mednas after every generation (atomically), then the chosen
// architecture's picture, the report page (unless --no-report) and summary.json, which names only
// files that were written. An existing checkpoint is never overwritten
// unless the run continues it (--resume) or the user asks (--force).
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { CAC } from 'cac';
import {
  ALGORITHMS, checkSearchConfig, datasetShape, formatGenotype, genotypeToSvg, GpuOutOfMemoryError, PICK_RULES, SEARCH_PRESETS, SYNFLOW_SCALES,
  search, searchConfigDifferences, searchPreset, searchSummaryJson, defaultScorer,
  type AlgorithmName, type ArchitectureScorer, type PickRule, type SearchCheckpoint, type SearchConfig, type SearchPresetName,
  type SearchResult, type SynflowScale,
} from '../src/index.ts';
import {
  initNode, loadDataset, readSearchCheckpoint, removeStaleTempFiles, SEARCH_CHECKPOINT_FILE, SEARCH_PICTURE_FILE, SEARCH_REPORT_FILE,
  SEARCH_SUMMARY_FILE, writeCheckpointReport, writeSearchCheckpoint, writeTextAtomic,
} from '../src/node/index.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { choiceValue, CliUsageError, intValue, listValue, optional, pathValue, stringValue } from './options.ts';
import { jsonReplacer, searchReporter, seconds, short, shownValue } from './search-progress.ts';

interface SearchFlags {
  dataset?: unknown;
  algo?: unknown;
  pop?: unknown;
  gens?: unknown;
  proxies?: unknown;
  proxyBatch?: unknown;
  initChannels?: unknown;
  seed?: unknown;
  preset?: unknown;
  synflowScale?: unknown;
  pick?: unknown;
  out?: unknown;
  dataDir?: unknown;
  resume?: boolean;
  force?: boolean;
  /** false with --no-report. */
  report?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

/** Test hooks: SIGKILL before renaming generation G's checkpoint; faults at the Nth architecture scored. */
const KILL_HOOK = 'MEDNAS_TEST_KILL_BEFORE_RENAME';
const FAULT_HOOK = 'MEDNAS_TEST_SCORE_FAULTS';

type Override = { flag: string; field: keyof SearchConfig; value: SearchConfig[keyof SearchConfig] };

function flagOverrides(f: SearchFlags): Override[] {
  const out: Override[] = [];
  const add = (flag: string, field: keyof SearchConfig, v: SearchConfig[keyof SearchConfig] | undefined) => v !== undefined && out.push({ flag, field, value: v });
  add('--algo', 'algorithm', optional(f.algo, (v) => choiceValue<AlgorithmName>(v, '--algo', ALGORITHMS)));
  add('--pop', 'popSize', optional(f.pop, (v) => intValue(v, '--pop', { min: 2, max: 10_000 })));
  add('--gens', 'generations', optional(f.gens, (v) => intValue(v, '--gens', { min: 1, max: 100_000 })));
  add('--proxies', 'proxies', optional(f.proxies, (v) => {
    const list = listValue(v, '--proxies', stringValue, { min: 2, max: 2 });
    return [list[0], list[1]] as [string, string];
  }));
  add('--proxy-batch', 'proxyBatch', optional(f.proxyBatch, (v) => intValue(v, '--proxy-batch', { min: 2, max: 100_000 })));
  add('--init-channels', 'initChannels', optional(f.initChannels, (v) => {
    const c = intValue(v, '--init-channels', { min: 4, max: 4096 });
    if (c % 4 !== 0) throw new CliUsageError(`--init-channels: got ${c}; allowed: a multiple of 4 (each reduction cell splits C into 4 branches), e.g. ${c - (c % 4) || 4}`);
    return c;
  }));
  add('--seed', 'seed', optional(f.seed, (v) => intValue(v, '--seed', { min: 0, max: 2 ** 32 - 1 })));
  add('--synflow-scale', 'synflowScale', optional(f.synflowScale, (v) => choiceValue<SynflowScale>(v, '--synflow-scale', SYNFLOW_SCALES)));
  add('--pick', 'pick', optional(f.pick, (v) => choiceValue<PickRule>(v, '--pick', PICK_RULES)));
  return out;
}

function describeCheckpoint(c: SearchCheckpoint): string {
  return `${c.config.dataset}, ${c.config.algorithm}, generation ${c.history.length} of ${c.config.generations}${c.finished ? ', finished' : ''}`;
}

/** The faults of MEDNAS_TEST_SCORE_FAULTS ("2:nan,4:oom,6:build": the Nth architecture this process scores). */
function faultScorer(spec: string | undefined): ArchitectureScorer {
  if (!spec) return defaultScorer;
  const faults = new Map(spec.split(',').map((s) => {
    const [n, kind] = s.split(':');
    return [Number(n), kind] as const;
  }));
  let count = 0;
  return async (genotype, ctx) => {
    const kind = faults.get(++count);
    if (kind === 'oom') throw new GpuOutOfMemoryError('test fault', 'an injected allocation failure');
    if (kind === 'build') throw new Error('the network failed to build (an injected fault)');
    const s = await defaultScorer(genotype, ctx);
    if (kind === 'nan') s.values[ctx.config.proxies[0]] = Number.NaN;
    return s;
  };
}

function killHook(): (generation: number) => (() => void) | undefined {
  const at = process.env[KILL_HOOK];
  return (g) => (at !== undefined && Number(at) === g ? () => process.kill(process.pid, 'SIGKILL') : undefined);
}

/** The config of this run: the checkpoint's when resuming (flags must agree), else preset + flags. */
function runConfig(flags: SearchFlags, resume: SearchCheckpoint | null, out: string): SearchConfig {
  const preset = optional(flags.preset, (v) => choiceValue<SearchPresetName>(v, '--preset', SEARCH_PRESETS));
  const overrides = flagOverrides(flags);
  const dataset = optional(flags.dataset, (v) => datasetShape(stringValue(v, '--dataset')).name);
  if (resume) {
    const asked: SearchConfig = {
      ...resume.config, ...(dataset ? { dataset } : {}), ...(preset ? searchPreset(preset, dataset ?? resume.config.dataset, resume.config.seed) : {}),
      ...Object.fromEntries(overrides.map((o) => [o.field, o.value])),
    };
    const diff = searchConfigDifferences(resume.config, asked);
    if (diff.length) {
      throw new CliUsageError(`--resume: the search in ${out} was started with other settings (${diff.join('; ')}); a resumed search keeps its settings: drop those flags, or start a new search with another --out`);
    }
    return resume.config;
  }
  const name = dataset ?? 'synthetic';
  const seed = overrides.find((o) => o.field === 'seed')?.value as number | undefined;
  return { ...searchPreset(preset ?? 'quick', name, seed ?? 0), ...Object.fromEntries(overrides.map((o) => [o.field, o.value])), preset: preset ?? 'quick' };
}

function frontTable(result: SearchResult): string[] {
  const [p1, p2] = result.config.proxies;
  const head = ['', 'f1', 'f2', p1, p2 === 'synflow' ? 'ln synflow' : p2, 'params', 'FLOPs', 'genotype'];
  const rows = result.front.map((m) => [
    m.record.key === result.chosen.record.key ? '*' : '',
    m.objectives[0].toFixed(4), m.objectives[1].toFixed(4),
    short(shownValue(m.record, p1)), short(shownValue(m.record, p2)),
    m.record.params.toLocaleString('en-US'), short(m.record.flops), m.record.key,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

async function run(flags: SearchFlags): Promise<number> {
  const out = resolve(await pathValue(flags.out ?? defaultOut(flags), '--out', 'dir-or-missing'));
  const checkpointPath = join(out, SEARCH_CHECKPOINT_FILE);
  const present = existsSync(checkpointPath);
  let resume: SearchCheckpoint | null = null;
  if (flags.resume && flags.force) throw new CliUsageError('--resume and --force contradict each other: --resume continues the search in --out, --force starts it again from scratch');
  if (flags.resume) {
    if (!present) throw new CliUsageError(`--resume: ${out} holds no ${SEARCH_CHECKPOINT_FILE} to continue; drop --resume to start a new search there`);
    resume = await readSearchCheckpoint(checkpointPath); // a damaged or foreign file is refused here, and left as it is
  } else if (present && !flags.force) {
    const existing = await readSearchCheckpoint(checkpointPath).then(describeCheckpoint, (e: Error) => `unreadable: ${e.message}`);
    throw new CliUsageError(`${checkpointPath} already exists (${existing}): add --resume to continue that search, --force to start it again (the checkpoint is replaced after the first new generation), or give another --out`);
  }
  const config = runConfig(flags, resume, out);
  checkSearchConfig(config); // unknown proxies, a bad population: before loading data or opening the GPU
  const dataDir = await optional(flags.dataDir, (v) => pathValue(v, '--data-dir', 'dir'));
  const dataset = await loadDataset(config.dataset, { dataDir });
  await removeStaleTempFiles(checkpointPath);
  const rt = await initNode(gpuInitOptions(flags));
  const json = flags.json === true;
  const startLine = {
    event: 'start', out, config, resumedAt: resume ? resume.history.length : 0, adapter: rt.adapterInfo.description,
  };
  if (json) console.log(JSON.stringify(startLine));
  else {
    console.log(`search: ${config.dataset}, ${config.algorithm} population ${config.popSize} for ${config.generations} generations; proxies ${config.proxies.join(' + ')} + flops (synflow ${config.synflowScale}); C = ${config.initChannels}, proxy batch ${config.proxyBatch}, seed ${config.seed}`);
    console.log(`run directory: ${out}${resume ? ` (resuming after generation ${resume.history.length})` : ''}; ${rt.adapterInfo.description}`);
  }
  const reporter = searchReporter({ json, popSize: config.popSize, generations: config.generations });
  const kill = killHook();
  let result: SearchResult;
  try {
    result = await search({
      config, dataset, rt, resumeFrom: resume ?? undefined, scorer: faultScorer(process.env[FAULT_HOOK]),
      onArchitecture: reporter.onArchitecture, onGeneration: reporter.onGeneration,
      saveCheckpoint: (c, bytes) => writeSearchCheckpoint(checkpointPath, bytes, { beforeRename: kill(c.history.length) }),
    });
  } finally {
    reporter.close();
  }
  const trainCommand = `mednas train --arch ${relativeOrAbsolute(out)} --dataset ${config.dataset}`;
  const picture = await genotypeToSvg(result.chosen.record.genotype);
  await writeTextAtomic(join(out, SEARCH_PICTURE_FILE), picture);
  const report = flags.report === false ? null : await reportOrWarning(result, checkpointPath, out, picture, json);
  await writeTextAtomic(join(out, SEARCH_SUMMARY_FILE), searchSummaryJson(result, { checkpoint: SEARCH_CHECKPOINT_FILE, picture: SEARCH_PICTURE_FILE, report: report && SEARCH_REPORT_FILE }, trainCommand));
  const chosen = result.chosen.record;
  if (json) {
    console.log(JSON.stringify({
      event: 'done', out, chosen: { key: chosen.key, genotype: chosen.genotype, values: chosen.values, logValues: chosen.logValues, params: chosen.params, flops: chosen.flops, objectives: result.chosen.objectives },
      front: result.front.map((m) => ({ key: m.record.key, objectives: m.objectives, params: m.record.params, flops: m.record.flops })),
      architecturesScored: result.archive.length, elapsedMs: result.elapsedMs, summary: join(out, SEARCH_SUMMARY_FILE), picture: join(out, SEARCH_PICTURE_FILE), report, trainCommand,
    }, jsonReplacer));
    return 0;
  }
  console.log('');
  console.log(`chosen (${config.pick === 'score' ? `largest ${config.proxies.join('_n + ')}_n` : 'knee of the front'}): ${chosen.key}`);
  console.log(formatGenotype(chosen.genotype).split('\n').map((l) => `  ${l}`).join('\n'));
  console.log(`  ${Object.entries(chosen.values).map(([p, v]) => `${p} ${short(v)}`).join(', ')}${chosen.logValues.synflow !== undefined ? ` (ln synflow ${short(chosen.logValues.synflow)})` : ''}; ${chosen.params.toLocaleString('en-US')} parameters at C = ${config.initChannels}`);
  console.log(`final front (${result.front.length} of ${result.population.length}; * = chosen):`);
  for (const line of frontTable(result)) console.log(`  ${line}`);
  console.log(`${result.archive.length} architectures scored in ${seconds(result.elapsedMs)}${result.checkpoint.sessions > 1 ? ` over ${result.checkpoint.sessions} runs` : ''}`);
  console.log(`picture: ${join(out, SEARCH_PICTURE_FILE)}; summary: ${join(out, SEARCH_SUMMARY_FILE)}; checkpoint: ${checkpointPath}`);
  if (report) console.log(`report: ${report}`);
  console.log(`train it: ${trainCommand}`);
  return 0;
}

/**
 * The report page's path, written from the search's final checkpoint. The report is derived: when it
 * cannot be written the search's own files still are (summary.json then names no report), with a
 * warning on how to make it later.
 */
async function reportOrWarning(result: SearchResult, checkpointPath: string, out: string, picture: string, json: boolean): Promise<string | null> {
  try {
    return (await writeCheckpointReport(result.checkpoint, checkpointPath, join(out, SEARCH_REPORT_FILE), picture)).path;
  } catch (e) {
    const message = `the report could not be written (${(e as Error).message}); \`mednas report ${out}\` tries again`;
    if (json) console.log(JSON.stringify({ event: 'warning', message }));
    else console.error(`mednas: warning: ${message}`);
    return null;
  }
}

function relativeOrAbsolute(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') ? r : path;
}

function defaultOut(flags: SearchFlags): string {
  const name = flags.dataset === undefined ? 'synthetic' : datasetShape(stringValue(flags.dataset, '--dataset')).name;
  return join('runs', `search-${name}`);
}

export function registerSearch(cli: CAC): void {
  addGpuOptions(cli.command('search', 'Search the MSTF-NAS space with training-free proxies; checkpoints after every generation'))
    .option('--dataset <name>', 'synthetic (built in; the default) or a MedMNIST subset, e.g. breastmnist')
    .option('--preset <name>', 'quick (NSGA-II, population 16, 8 generations, C = 8, proxy batch 32; the default), paper (NSGA-II, 50, 20 generations, C = 128, 480) or reproduction (MOEA/D, 13 weight vectors, 10 generations, C = 128, 480)')
    .option('--algo <name>', 'nsga2 or moead')
    .option('--pop <P>', 'Population (MOEA/D: weight vectors)')
    .option('--gens <G>', 'Generations (the first is the initial population)')
    .option('--proxies <list>', 'P1,P2 of f1 = -P1 - flops, f2 = -P2 + flops (default jacob_cov,synflow; e.g. fisher,synflow)')
    .option('--proxy-batch <N>', 'Images in the proxy batch')
    .option('--init-channels <C>', 'Stem channels C of the networks scored, a multiple of 4')
    .option('--seed <S>', 'Seed of the optimiser, the proxy batch and the weights (default 0)')
    .option('--synflow-scale <s>', 'log (ln synflow enters the normalisation; the default) or raw (the reference code)')
    .option('--pick <rule>', 'score (largest P1_n + P2_n; the default) or knee (of the final front)')
    .option('--out <dir>', 'Run directory (default: runs/search-DATASET)')
    .option('--resume', 'Continue the search in --out from its last checkpoint, with its settings')
    .option('--force', 'Start again in an --out that holds a checkpoint (replaced after the first new generation)')
    .option('--no-report', 'Do not write report.html (`mednas report RUN_DIR` writes it later)')
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--json', 'One JSON object per event on stdout (start, architecture, generation, done)')
    .example('mednas search')
    .example('mednas search --dataset breastmnist --pop 20 --gens 10 --out runs/breast')
    .example('mednas search --out runs/breast --resume')
    .action(async (flags: SearchFlags) => run(flags));
}
