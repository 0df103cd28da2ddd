// `mednas search`: MSTF-NAS on a dataset. Every argument is checked before the GPU is opened; the
// run directory gets checkpoint.mednas after every generation (atomically), then the chosen
// architecture's picture, the report page (unless --no-report) and summary.json, which names only
// files that were written. With --refine K the K best members of the final front are then trained
// briefly and the best on validation is chosen (a checkpoint after every candidate). An existing
// checkpoint is never overwritten unless the run continues it (--resume, which may also extend it
// with more --gens) or the user asks (--force, which first removes the files derived from the old
// one). A generation in which every architecture fails ends the search with the cause (exit 1);
// Ctrl-C says what is saved and the command that continues it.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CAC } from 'cac';
import {
  ALGORITHMS, checkSearchConfig, DEFAULT_REFINE_EPOCHS, formatGenotype, genotypeToSvg, GpuLimitError, GpuOutOfMemoryError, OBJECTIVE_KINDS, PICK_RULES, SearchFailedError,
  defaultProxies, SEARCH_PRESETS, SYNFLOW_SCALES, resumeDifferences, search, searchPreset, searchSummaryJson, defaultScorer,
  type AlgorithmName, type ArchitectureScorer, type ObjectiveKind, type PickRule, type RefineProgress, type RefineSettings, type SearchCheckpoint,
  type SearchConfig, type SearchPresetName, type SearchResult, type SynflowScale,
} from '../src/index.ts';
import {
  initNode, loadDataset, lockRunDirectory, readSearchCheckpoint, removeStaleTempFiles, SEARCH_CHECKPOINT_FILE, SEARCH_DERIVED_FILES, SEARCH_PICTURE_FILE, SEARCH_REPORT_FILE,
  SEARCH_SUMMARY_FILE, searchCheckpointCrc32, writeCheckpointReport, writeSearchCheckpoint, writeTextAtomic,
} from '../src/node/index.ts';
import { addDatasetOptions, DATASET_HELP, datasetArgs, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { configFields, printConfig, printedDataset, SEARCH_CONFIG_ALIASES, SEARCH_CONFIG_SCHEMA, SEARCH_RUN_KEYS, withConfigFile, type ConfigFlags } from './config-file.ts';
import { choiceValue, CliUsageError, countOf, intValue, listValue, optional, pathValue, shellQuote, stringValue } from './options.ts';
import { jsonReplacer, searchReporter, seconds, short, shownValue } from './search-progress.ts';
import { openCoordinator, REDIS_HELP, redisValue } from './queue-options.ts';
import { continueCommand, onInterrupt } from './interrupt.ts';
import { datasetRef, queuedCandidateTrainer, queuedScorer } from '../src/node/queue/index.ts';

export interface SearchFlags extends ConfigFlags<SearchConfig> {
  /** --config FILE: settings over the preset's, under the flags' (cli/config-file.ts). */
  config?: unknown;
  printConfig?: boolean;
  dataset?: unknown;
  algo?: unknown;
  pop?: unknown;
  gens?: unknown;
  objectives?: unknown;
  proxies?: unknown;
  proxyBatch?: unknown;
  initChannels?: unknown;
  seed?: unknown;
  preset?: unknown;
  synflowScale?: unknown;
  pick?: unknown;
  refine?: unknown;
  refineEpochs?: unknown;
  refineMaxImages?: unknown;
  out?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  resume?: boolean;
  force?: boolean;
  /** false with --no-report. */
  report?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
  /** --redis URL: the architectures are scored by `mednas worker`s (docs/scale-out.md). */
  redis?: unknown;
}

/**
 * Test hooks: SIGKILL before renaming generation G's checkpoint; SIGKILL at the first training step
 * of the Nth refinement candidate (1-based); faults at the Nth architecture scored.
 */
const KILL_HOOK = 'MEDNAS_TEST_KILL_BEFORE_RENAME';
const REFINE_KILL_HOOK = 'MEDNAS_TEST_KILL_DURING_REFINE';
const FAULT_HOOK = 'MEDNAS_TEST_SCORE_FAULTS';

type Override = { flag: string; field: keyof SearchConfig; value: SearchConfig[keyof SearchConfig] };

function flagOverrides(f: SearchFlags): Override[] {
  const out: Override[] = [];
  const add = (flag: string, field: keyof SearchConfig, v: SearchConfig[keyof SearchConfig] | undefined) => v !== undefined && out.push({ flag, field, value: v });
  add('--algo', 'algorithm', optional(f.algo, (v) => choiceValue<AlgorithmName>(v, '--algo', ALGORITHMS)));
  add('--pop', 'popSize', optional(f.pop, (v) => intValue(v, '--pop', { min: 2, max: 10_000 })));
  add('--gens', 'generations', optional(f.gens, (v) => intValue(v, '--gens', { min: 1, max: 100_000 })));
  add('--objectives', 'objectives', optional(f.objectives, (v) => choiceValue<ObjectiveKind>(v, '--objectives', OBJECTIVE_KINDS)));
  add('--proxies', 'proxies', optional(f.proxies, (v) => listValue(v, '--proxies', stringValue, { min: 1 })));
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
  const refining = !c.finished && c.config.refine && c.history.length >= c.config.generations
    ? `, refinement ${c.refine?.candidates.length ?? 0} of ${c.refine?.planned.length ?? c.config.refine.candidates} candidates trained`
    : '';
  return `${c.config.dataset}, ${c.config.algorithm}, generation ${c.history.length} of ${c.config.generations}${refining}${c.finished ? ', finished' : ''}`;
}

/**
 * The faults of MEDNAS_TEST_SCORE_FAULTS ("2:nan,4:oom,6:build,7:limit": the Nth architecture this
 * process scores; "*:limit": every one).
 */
function faultScorer(spec: string | undefined): ArchitectureScorer {
  if (!spec) return defaultScorer;
  const faults = new Map(spec.split(',').map((s) => {
    const [n, kind] = s.split(':');
    return [n === '*' ? '*' : Number(n), kind] as const;
  }));
  let count = 0;
  return async (genotype, ctx) => {
    const kind = faults.get(++count) ?? faults.get('*');
    if (kind === 'oom') throw new GpuOutOfMemoryError('test fault', 'an injected allocation failure');
    // What the buffer pool says when a tensor exceeds the device's largest buffer (its hint included).
    if (kind === 'limit') throw new GpuLimitError("A tensor of 469762048 bytes exceeds this device's largest buffer (134217728 bytes).", 'Use a smaller batch size or image size.');
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

/** MEDNAS_TEST_KILL_DURING_REFINE=N: SIGKILL at the first training step of the Nth candidate. */
function refineKillHook(): (p: RefineProgress) => void {
  const at = process.env[REFINE_KILL_HOOK];
  return (p) => {
    if (at !== undefined && p.type === 'train' && p.index + 1 === Number(at) && p.event.type === 'step') process.kill(process.pid, 'SIGKILL');
  };
}

/** How the CLI shows refinement: a line at its start and one per candidate (JSON: one event each). */
function refineReporter(json: boolean): (p: RefineProgress) => void {
  const metric = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');
  return (p) => {
    if (p.type === 'train') {
      if (json && p.event.type === 'epoch') {
        const r = p.event.record;
        console.log(JSON.stringify({ event: 'refine-epoch', index: p.index, total: p.total, key: p.key, epoch: r.epoch, epochs: p.event.epochs, trainLoss: r.trainLoss, val: r.val, seconds: r.seconds }, jsonReplacer));
      }
      return;
    }
    if (json) {
      const body = p.type === 'start'
        ? { requested: p.requested, planned: p.planned, done: p.done, train: p.train }
        : p.type === 'candidate'
          ? { index: p.index, total: p.total, ...p.candidate }
          : { chosen: p.record.chosen, seconds: p.record.candidates.reduce((s, c) => s + c.seconds, 0) };
      console.log(JSON.stringify({ event: `refine-${p.type}`, ...body }, jsonReplacer));
      return;
    }
    if (p.type === 'start') {
      const t = p.train;
      const fewer = p.planned.length < p.requested ? ` (${p.requested} asked for; the final front holds ${p.planned.length} distinct architecture(s), so all of them)` : '';
      console.log(`refine: training the first ${p.planned.length} member(s) of the final front${fewer} for ${t.epochs} epoch(s) each (quick protocol: C = ${t.initChannels}, batch ${t.batchSize}, lr ${t.lr}, seed ${t.seed}${t.maxImages !== null ? `, the first ${t.maxImages} images of each split` : ''}); choosing by validation AUC${p.done ? `; ${p.done} already trained` : ''}`);
    } else if (p.type === 'candidate') {
      const c = p.candidate;
      console.log(`refine ${p.index + 1}/${p.total}: ${c.key}: ${c.failure ? `failed (${c.failure}); it counts as the worst` : `val AUC ${metric(c.valAuc)}, ACC ${metric(c.valAcc)} (epoch ${c.bestEpoch + 1} of ${c.epochs})`}; ${seconds(c.seconds * 1000)}`);
    }
  };
}

/** The refine settings the flags ask for (undefined: no refine flag), on top of `base` (a resumed search's). */
function refineFlags(f: SearchFlags, base: RefineSettings | null): RefineSettings | undefined {
  const candidates = optional(f.refine, (v) => intValue(v, '--refine', { min: 1, max: 10_000 }));
  const epochs = optional(f.refineEpochs, (v) => intValue(v, '--refine-epochs', { min: 1, max: 100_000 }));
  const maxImages = optional(f.refineMaxImages, (v) => intValue(v, '--refine-max-images', { min: 2 }));
  if (candidates === undefined && epochs === undefined && maxImages === undefined) return undefined;
  const k = candidates ?? base?.candidates;
  if (k === undefined) throw new CliUsageError(`${epochs !== undefined ? '--refine-epochs' : '--refine-max-images'} sets how --refine trains its candidates: add --refine K (how many members of the final front to train)`);
  return { candidates: k, epochs: epochs ?? base?.epochs ?? DEFAULT_REFINE_EPOCHS, maxImages: maxImages ?? base?.maxImages ?? null };
}

/**
 * The config of this run: the checkpoint's when resuming (flags and --config must agree; refine flags
 * may add refinement), else the preset's, then --config's, then the flags'.
 */
function runConfig(flags: SearchFlags, resume: SearchCheckpoint | null, out: string): SearchConfig {
  const { preset: filePreset, refine: fileRefine, ...fileFields } = configFields(flags);
  const preset = optional(flags.preset, (v) => choiceValue<SearchPresetName>(v, '--preset', SEARCH_PRESETS)) ?? filePreset ?? undefined;
  const overrides = flagOverrides(flags);
  const dataset = datasetFlag(flags)?.name;
  let config: SearchConfig;
  if (resume) {
    const refineBase = fileRefine !== undefined ? fileRefine : resume.config.refine;
    const refine = refineFlags(flags, refineBase);
    const asked: SearchConfig = {
      ...resume.config, ...(dataset ? { dataset } : {}), ...(preset ? searchPreset(preset, dataset ?? resume.config.dataset, resume.config.seed) : {}),
      ...fileFields, ...Object.fromEntries(overrides.map((o) => [o.field, o.value])), refine: refine ?? refineBase,
    };
    const diff = resumeDifferences(resume, asked);
    if (diff.length) {
      const refineNote = resume.refine !== null && diff.some((d) => d.startsWith('refine:')) ? ' (the refinement has begun, so its settings stay too)' : '';
      throw new CliUsageError(`--resume: the search in ${out} was started with other settings (${diff.join('; ')})${refineNote}; a resumed search keeps its settings (only --gens may grow, to extend it): drop those flags, or start a new search with another --out`);
    }
    config = asked;
  } else {
    const name = dataset ?? 'synthetic';
    const seed = (overrides.find((o) => o.field === 'seed')?.value as number | undefined) ?? fileFields.seed;
    const base = searchPreset(preset ?? 'quick', name, seed ?? 0);
    config = {
      ...base, ...fileFields, ...Object.fromEntries(overrides.map((o) => [o.field, o.value])), preset: preset ?? 'quick',
      refine: refineFlags(flags, fileRefine ?? null) ?? fileRefine ?? null,
    };
    const proxiesNamed = fileFields.proxies !== undefined || overrides.some((o) => o.field === 'proxies');
    if (!proxiesNamed) config = { ...config, proxies: defaultProxies(config.objectives, base) };
  }
  if (config.objectives === 'paper' && config.proxies.length !== 2) {
    throw new CliUsageError(`--proxies: got ${config.proxies.join(',')}; the paper's objectives take exactly two (P1,P2 of f1 = -P1 - flops, f2 = -P2 + flops): name two, or add --objectives rank to rank any number`);
  }
  return config;
}

/** What the pick rule picks, in words. */
function pickRuleText(config: SearchConfig): string {
  if (config.pick === 'knee') return 'knee of the front';
  return config.objectives === 'rank' ? 'largest S_n' : `largest ${config.proxies.join('_n + ')}_n`;
}

function frontTable(result: SearchResult): string[] {
  const proxies = result.config.proxies;
  const rank = result.config.objectives === 'rank';
  // Rank objectives: f1 = -S_n, f2 = FLOPs_n, shown as S_n and FLOPs_n.
  const head = ['', ...(rank ? ['S_n', 'FLOPs_n'] : ['f1', 'f2']), ...proxies.map((p) => (p === 'synflow' ? 'ln synflow' : p)), 'params', 'FLOPs', 'genotype'];
  const rows = result.front.map((m) => [
    m.record.key === result.chosen.record.key ? '*' : '',
    ...(rank ? [(m.normalised.s ?? NaN).toFixed(4), m.normalised.cost.toFixed(4)] : [m.objectives[0].toFixed(4), m.objectives[1].toFixed(4)]),
    ...proxies.map((p) => short(shownValue(m.record, p))),
    m.record.params.toLocaleString('en-US'), short(m.record.flops), m.record.key,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

async function run(typed: SearchFlags): Promise<number> {
  const flags = await withConfigFile(typed, SEARCH_CONFIG_SCHEMA, 'search', SEARCH_CONFIG_ALIASES, SEARCH_RUN_KEYS);
  const out = resolve(await pathValue(flags.out ?? defaultOut(flags), '--out', 'dir-or-missing'));
  // --print-config reads (a checkpoint with --resume) and writes nothing: no lock.
  if (flags.printConfig) return runLocked(flags, out, async () => undefined);
  // Before anything is read or decided there: a second search on this directory is refused.
  const unlock = await lockRunDirectory(out);
  // The Ctrl-C handler stays until the summary is written: an interrupt there still says how to resume.
  const cleanup: (() => void)[] = [];
  try {
    return await runLocked(flags, out, unlock, cleanup);
  } finally {
    for (const c of cleanup) c();
    await unlock();
  }
}

/** The command line that continues the search in `out` (cli/interrupt.ts: its data, device and queue flags again). */
export function resumeCommand(flags: SearchFlags, out: string, config: SearchConfig): string {
  return continueCommand(`mednas search --out ${shellQuote(out)} --resume`, flags, config.dataset);
}

/** The CLI's words for a search that scored nothing: the flags that are the levers. */
function failedSearchMessage(e: SearchFailedError, out: string, saved: number): string {
  const what = `every architecture scored in generation ${e.generation} failed (${e.failures} of ${e.failures}; the first: ${e.firstFailure}), so the search stopped with nothing to choose from`;
  const again = saved > 0 ? `; ${join(out, SEARCH_CHECKPOINT_FILE)} keeps the ${countOf(saved, 'generation')} before it (new settings start again there with --force, or use another --out)` : '';
  return e.resources
    ? `${what}: a network at C = ${e.initChannels} on ${e.proxyBatch} images does not fit this device. Lower --init-channels (now ${e.initChannels}) or --proxy-batch (now ${e.proxyBatch}); \`mednas arch score GENES --init-channels C --proxy-batch N\` tries one network${again}`
    : `${what}: fix the cause above and run the search again${again}`;
}

async function runLocked(flags: SearchFlags, out: string, unlock: () => Promise<void>, cleanup: (() => void)[] = []): Promise<number> {
  const checkpointPath = join(out, SEARCH_CHECKPOINT_FILE);
  const present = existsSync(checkpointPath);
  let resume: SearchCheckpoint | null = null;
  if (flags.resume && flags.force) throw new CliUsageError('--resume and --force contradict each other: --resume continues the search in --out, --force starts it again from scratch');
  if (flags.resume) {
    if (!present) throw new CliUsageError(`--resume: ${out} holds no ${SEARCH_CHECKPOINT_FILE} to continue; drop --resume to start a new search there`);
    resume = await readSearchCheckpoint(checkpointPath); // a damaged or foreign file is refused here, and left as it is
  } else if (present && !flags.force && !flags.printConfig) {
    const existing = await readSearchCheckpoint(checkpointPath).then(describeCheckpoint, (e: Error) => `unreadable: ${e.message}`);
    throw new CliUsageError(`${checkpointPath} already exists (${existing}): add --resume to continue that search, --force to start it again (its summary, picture and report are removed first; the checkpoint is replaced after the first new generation), or give another --out`);
  }
  const config = runConfig(flags, resume, out);
  checkSearchConfig(config); // unknown proxies, a bad population: before loading data or opening the GPU
  if (flags.printConfig) {
    printConfig(printedDataset(datasetFlag(flags), config.dataset), config);
    return 0;
  }
  const given = datasetFlag(flags);
  const redis = optional(flags.redis, (v) => redisValue(v));
  if (given === undefined) requireOwnDataPath(config.dataset, resume?.dataset.release ?? null, `the search in ${out}`);
  const dataset = await loadDataset(given?.path ?? config.dataset, await datasetLoadOptions(flags, { sizePx: resume?.dataset.sizePx, release: resume?.dataset.release }));
  await removeStaleTempFiles(checkpointPath);
  const rt = await initNode(gpuInitOptions(flags));
  const json = flags.json === true;
  const startLine = {
    event: 'start', out, config, resumedAt: resume ? resume.history.length : 0, adapter: rt.adapterInfo.description,
  };
  if (json) console.log(JSON.stringify(startLine));
  else {
    const objectives = config.objectives === 'rank' ? `rank objectives: S = ranks of ${config.proxies.join(', ')}; f1 = -S_n, f2 = flops_n` : `proxies ${config.proxies.join(' + ')} + flops`;
    const refine = config.refine ? `; then refine the ${config.refine.candidates} best of the front (${countOf(config.refine.epochs, 'epoch')} each)` : '';
    const extended = resume && config.generations > resume.config.generations ? ` (extended from ${resume.config.generations})` : '';
    console.log(`search: ${config.dataset}, ${config.algorithm} population ${config.popSize} for ${countOf(config.generations, 'generation')}${extended}; ${objectives} (synflow ${config.synflowScale}); C = ${config.initChannels}, proxy batch ${config.proxyBatch}, seed ${config.seed}${refine}`);
    console.log(`run directory: ${out}${resume ? ` (resuming after generation ${resume.history.length})` : ''}; ${rt.adapterInfo.description}`);
  }
  // --redis: the checkpoint is written here as always; the scoring (and refinement) runs on the workers.
  const coordinator = redis === undefined ? null : await openCoordinator(redis, json);
  const queued = coordinator && datasetRef(dataset, given, { skipBad: flags.skipBad });
  const reporter = searchReporter({ json, popSize: config.popSize, generations: config.generations });
  const kill = killHook();
  const refineKill = refineKillHook();
  const refineShow = refineReporter(json);
  // --force: the previous search's summary, picture and report go before anything new is written,
  // so they can never stand beside the new search's checkpoint (train --arch DIR reads the summary).
  if (flags.force) for (const name of SEARCH_DERIVED_FILES) await rm(join(out, name), { force: true });
  let saved = resume?.history.length ?? 0;
  let savedThisRun = 0;
  let trained = resume?.refine?.candidates.length ?? 0;
  cleanup.push(onInterrupt(() => {
    const cont = resumeCommand(flags, out, config);
    if (savedThisRun === 0 && !resume) return `No generation of this search was finished, so nothing was saved: run the same command again to start it.`;
    const refining = trained > 0 ? ` and ${countOf(trained, 'refinement candidate')}` : '';
    return `${checkpointPath} holds ${countOf(saved, 'finished generation')}${refining} of this search; continue it with:\n  ${cont}`;
  }, unlock));
  let result: SearchResult;
  try {
    result = await search({
      config, dataset, rt, resumeFrom: resume ?? undefined, scorer: faultScorer(process.env[FAULT_HOOK]),
      ...(coordinator && queued ? { scoreBatch: queuedScorer(coordinator, queued), trainer: queuedCandidateTrainer(coordinator, queued) } : {}),
      onArchitecture: reporter.onArchitecture, onGeneration: reporter.onGeneration,
      onRefine: (p) => {
        refineKill(p);
        refineShow(p);
      },
      // The generation hook fires on generation checkpoints only (refinement's have a refine record).
      saveCheckpoint: async (c, bytes) => {
        await writeSearchCheckpoint(checkpointPath, bytes, { beforeRename: c.refine === null ? kill(c.history.length) : undefined });
        saved = c.history.length;
        trained = c.refine?.candidates.length ?? 0;
        savedThisRun++;
      },
    });
  } catch (e) {
    if (e instanceof SearchFailedError) throw new CliUsageError(failedSearchMessage(e, out, saved));
    throw e;
  } finally {
    reporter.close();
    await coordinator?.close();
  }
  const trainCommand = `mednas train --arch ${shellQuote(out)} ${datasetArgs(given, config.dataset, flags)}`;
  const picture = await genotypeToSvg(result.chosen.record.genotype);
  await writeTextAtomic(join(out, SEARCH_PICTURE_FILE), picture);
  const report = flags.report === false ? null : await reportOrWarning(result, checkpointPath, out, picture, json);
  // The summary names the checkpoint it was written from (its CRC-32): train --arch DIR refuses a
  // summary that does not belong to the checkpoint beside it.
  await writeTextAtomic(join(out, SEARCH_SUMMARY_FILE), searchSummaryJson(result, { checkpoint: SEARCH_CHECKPOINT_FILE, picture: SEARCH_PICTURE_FILE, report: report && SEARCH_REPORT_FILE }, trainCommand, await searchCheckpointCrc32(checkpointPath)));
  const chosen = result.chosen.record;
  if (json) {
    console.log(JSON.stringify({
      event: 'done', out, chosen: { key: chosen.key, genotype: chosen.genotype, values: chosen.values, logValues: chosen.logValues, params: chosen.params, flops: chosen.flops, objectives: result.chosen.objectives, rule: result.refine?.chosen ? 'refine' : config.pick },
      zeroCost: { key: result.zeroCost.record.key, rule: config.pick },
      refine: result.refine,
      front: result.front.map((m) => ({ key: m.record.key, objectives: m.objectives, params: m.record.params, flops: m.record.flops })),
      architecturesScored: result.archive.length, elapsedMs: result.elapsedMs, summary: join(out, SEARCH_SUMMARY_FILE), picture: join(out, SEARCH_PICTURE_FILE), report, trainCommand,
    }, jsonReplacer));
    return 0;
  }
  console.log('');
  const refined = result.refine?.chosen ? result.refine : null;
  const best = refined?.candidates.find((c) => c.key === refined.chosen);
  console.log(refined && best
    ? `chosen (refined: the best validation AUC, ${Number.isFinite(best.valAuc) ? best.valAuc.toFixed(4) : 'n/a'}, of ${refined.candidates.length} candidate(s) trained ${refined.train.epochs} epoch(s) each): ${chosen.key}`
    : `chosen (${pickRuleText(config)}): ${chosen.key}`);
  console.log(formatGenotype(chosen.genotype).split('\n').map((l) => `  ${l}`).join('\n'));
  console.log(`  ${Object.entries(chosen.values).map(([p, v]) => `${p} ${short(v)}`).join(', ')}${chosen.logValues.synflow !== undefined ? ` (ln synflow ${short(chosen.logValues.synflow)})` : ''}; ${chosen.params.toLocaleString('en-US')} parameters at C = ${config.initChannels}`);
  if (refined) {
    const spent = refined.candidates.reduce((s, c) => s + c.seconds, 0);
    console.log(`  the ${pickRuleText(config)} alone gives ${result.zeroCost.record.key === chosen.key ? 'the same architecture' : result.zeroCost.record.key}; refinement cost ${seconds(spent * 1000)} (${seconds((spent * 1000) / Math.max(1, refined.candidates.length))} per candidate)`);
  }
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
    const message = `the report could not be written (${(e as Error).message}); \`mednas report ${shellQuote(out)}\` tries again`;
    if (json) console.log(JSON.stringify({ event: 'warning', message }));
    else console.error(`mednas: warning: ${message}`);
    return null;
  }
}

function defaultOut(flags: SearchFlags): string {
  const name = datasetFlag(flags)?.name ?? 'synthetic';
  return join('runs', `search-${name}`);
}

export function registerSearch(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('search', 'Search the MSTF-NAS space with training-free proxies; checkpoints after every generation'))
    .option('--dataset <name>', `${DATASET_HELP} (default: synthetic)`)
    .option('--preset <name>', 'quick (NSGA-II, population 16, 8 generations, C = 8, proxy batch 32; the default), paper (NSGA-II, 50, 20 generations, C = 128, 480) or reproduction (MOEA/D, 13 weight vectors, 10 generations, C = 128, 480)')
    .option('--algo <name>', 'nsga2 or moead')
    .option('--pop <P>', 'Population (MOEA/D: weight vectors)')
    .option('--gens <G>', 'Generations (the first is the initial population)')
    .option('--objectives <kind>', 'rank (f1 = -S_n, f2 = flops_n, S = AZ-NAS rank aggregate of --proxies; the quick preset\'s) or paper (eq. 1: f1 = -P1_n - flops_n, f2 = -P2_n + flops_n; the paper and reproduction presets\')')
    .option('--proxies <list>', 'rank: any registered proxies (the quick preset: ms_fisher; e.g. naswot,zico,meco); paper: P1,P2 (default jacob_cov,synflow; e.g. fisher,synflow)')
    .option('--proxy-batch <N>', 'Images in the proxy batch')
    .option('--init-channels <C>', 'Stem channels C of the networks scored, a multiple of 4')
    .option('--seed <S>', 'Seed of the optimiser, the proxy batch and the weights (default 0)')
    .option('--synflow-scale <s>', 'log (ln synflow enters the normalisation; the default) or raw (the reference code)')
    .option('--pick <rule>', 'score (largest P1_n + P2_n, or S_n for rank objectives; the default) or knee (of the final front)')
    .option('--refine <K>', 'Then train the K best members of the final front (pick rule order) briefly and choose the best validation AUC')
    .option('--refine-epochs <E>', `Epochs per refine candidate under the quick protocol (default ${DEFAULT_REFINE_EPOCHS})`)
    .option('--refine-max-images <N>', 'Refine on only the first N images of each split (quick checks)')
    .option('--out <dir>', 'Run directory (default: runs/search-DATASET)')
    .option('--resume', 'Continue the search in --out from its last checkpoint, with its settings; a larger --gens extends it (also a finished one)')
    .option('--force', 'Start again in an --out that holds a checkpoint (its summary, picture and report are removed first; the checkpoint is replaced after the first new generation)')
    .option('--no-report', 'Do not write report.html (`mednas report RUN_DIR` writes it later)')
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--redis <url>', REDIS_HELP)
    .option('--config <file>', 'JSON settings (the config\'s own keys, as --print-config prints them, any subset; "dataset", "out", "backend", "adapter" as the flags take them): over the preset, under the flags')
    .option('--print-config', 'Print the effective settings (preset, then --config, then flags) as JSON, usable as a --config file, and exit without searching')
    .option('--json', 'One JSON object per event on stdout (start, architecture, generation, done)'))
    .example('mednas search')
    .example('mednas search --dataset breastmnist --pop 20 --gens 10 --out runs/breast')
    .example('mednas search --out runs/breast --resume')
    .example('mednas search --out runs/breast --resume --gens 20')
    .example('mednas search --objectives rank --proxies naswot,zico,meco --dataset breastmnist')
    .example('mednas search --dataset breastmnist --refine 3 --refine-epochs 5')
    .example('mednas search --preset paper --print-config > paper.json && mednas search --config paper.json --gens 5')
    .action(async (flags: SearchFlags) => run(flags));
}
