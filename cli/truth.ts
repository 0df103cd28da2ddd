// `mednas truth build|show|score`: ground-truth tables (docs/proxy-quality.md). `build` samples K
// architectures, computes every proxy at initialisation and trains each architecture once per seed
// under one protocol, writing the table atomically after every unit; `--resume` continues a table
// (a killed build loses at most the unit in progress), with flags checked against its protocol.
// `show` prints a table's protocol and rows; `score` adds proxies registered after it was built;
// `simulate` replays the search's pick against it (cli/truth-simulate.ts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CAC } from 'cac';
import {
  buildTruthTable, PRESET_NAMES, presetConfig, PROXY_NAMES, protocolField, truthResumeDifferences, truthProtocol, truthTableFinished, truthUnits,
  type PresetName, type ProtocolChoice, type TrainConfig, type TruthEvent, type TruthProtocol, type TruthTable,
} from '../src/index.ts';
import { initNode, loadDataset, lockTruthTable, readTruthTable, removeStaleTempFiles, writeTruthTable } from '../src/node/index.ts';
import { addDatasetOptions, DATASET_HELP, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { choiceValue, CliUsageError, hoursMinutes, intValue, listValue, optional, pathValue, shellQuote, stringValue } from './options.ts';
import { recipeFromFlags } from './recipe-flags.ts';
import { meanRunMetrics } from './truth-format.ts';
import { openCoordinator, REDIS_HELP, redisValue } from './queue-options.ts';
import { datasetRef, queuedTruthRunner } from '../src/node/queue/index.ts';
import { choose, simulate, SIMULATE_ONLY_FLAGS, type SimulateFlags } from './truth-simulate.ts';
import { continueCommand, onInterrupt } from './interrupt.ts';

interface TruthFlags extends SimulateFlags {
  dataset?: unknown;
  out?: unknown;
  count?: unknown;
  seeds?: unknown;
  preset?: unknown;
  epochs?: unknown;
  initChannels?: unknown;
  batch?: unknown;
  lr?: unknown;
  posterizeBits?: unknown;
  trainImages?: unknown;
  maxImages?: unknown;
  proxyBatch?: unknown;
  initSeeds?: unknown;
  sampleSeed?: unknown;
  proxies?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  resume?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
  /** --redis URL: the units are run by `mednas worker`s (docs/scale-out.md). */
  redis?: unknown;
}

/** Test hook: SIGKILL in the middle of this process's Nth training unit (1-based), after its first epoch. */
const KILL_HOOK = 'MEDNAS_TEST_KILL_IN_TRAINING';

/** The protocol the flags ask for, over `base` (a resumed table's) or over the defaults. */
export function protocolFromFlags(f: TruthFlags, dataset: string, base: TruthProtocol | null): TruthProtocol {
  const train: { -readonly [K in keyof Omit<TrainConfig, 'seed'>]?: TrainConfig[K] } = recipeFromFlags(f);
  const preset = optional(f.preset, (v) => choiceValue<PresetName>(v, '--preset', PRESET_NAMES));
  // AugMix's posterize depth: 4 bits in the presets (the reference's), 8 in tables begun before that fix.
  const posterizeBits = optional(f.posterizeBits, (v) => choiceValue(String(v), '--posterize-bits', ['4', '8']));
  if (posterizeBits !== undefined) {
    const augmix = (base?.train ?? presetConfig(dataset, preset ?? 'quick')).augmix;
    if (!augmix) throw new CliUsageError(`--posterize-bits: ${dataset}'s protocol trains without AugMix`);
    train.augmix = { ...augmix, posterizeBits: Number(posterizeBits) as 4 | 8 };
  }
  const seeds = optional(f.seeds, (v) => intValue(v, '--seeds', { min: 1, max: 100 }));
  const count = optional(f.count, (v) => intValue(v, '--count', { min: 1, max: 100_000 }));
  const trainImages = optional(f.trainImages, (v) => intValue(v, '--train-images', { min: 2 }));
  const proxyBatch = optional(f.proxyBatch, (v) => intValue(v, '--proxy-batch', { min: 2, max: 100_000 }));
  const initSeeds = optional(f.initSeeds, (v) => intValue(v, '--init-seeds', { min: 1, max: 100 }));
  const sampleSeed = optional(f.sampleSeed, (v) => intValue(v, '--sample-seed', { min: 0, max: 2 ** 32 - 1 }));
  if (base) {
    if (preset !== undefined && preset !== base.train.preset) throw new CliUsageError(`--preset ${preset}: the table uses ${base.train.preset ?? 'no preset'}; a resumed table keeps its protocol`);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const wanted: TruthProtocol = {
      ...base,
      train: { ...base.train, ...train },
      seeds: seeds === undefined ? base.seeds : range(seeds),
      count: count ?? base.count,
      sampleSeed: sampleSeed ?? base.sampleSeed,
      trainImages: trainImages ?? base.trainImages,
      proxyBatch: proxyBatch ?? base.proxyBatch,
      initSeeds: initSeeds === undefined ? base.initSeeds : range(initSeeds),
    };
    if (wanted.count < base.count) throw new CliUsageError(`--count ${wanted.count}: the table holds ${base.count} architectures and never shrinks (correlate can look at a part of it)`);
    if (wanted.seeds.length < base.seeds.length) throw new CliUsageError(`--seeds ${wanted.seeds.length}: the table trains ${base.seeds.length} seeds per architecture and never loses any`);
    const changed = truthResumeDifferences(base, wanted);
    if (changed.length > 0) {
      throw new CliUsageError(`the table was started with another protocol: ${changed.map((k) => `${k} ${protocolField(base, k)} (asked: ${protocolField(wanted, k)})`).join(', ')}. A resumed table keeps its protocol: drop those flags, or build a new table with another --out.`);
    }
    return { ...base, count: wanted.count, seeds: wanted.seeds };
  }
  const choice: ProtocolChoice = { dataset, preset, train, seeds, count, trainImages, proxyBatch, initSeeds, sampleSeed };
  return truthProtocol(choice);
}

function describeTable(t: TruthTable): string {
  const units = truthUnits(t.protocol);
  const done = t.proxies.length + t.runs.length;
  return `${t.protocol.dataset}, ${t.protocol.count} architectures x ${t.protocol.seeds.length} seeds, ${done} of ${units} units${truthTableFinished(t) ? ', finished' : ''}`;
}

function reporter(json: boolean, killAt: number | null): (e: TruthEvent) => void {
  let trainedHere = 0;
  return (e) => {
    if (e.type === 'train-progress') {
      if (killAt !== null && e.event.type === 'epoch' && trainedHere + 1 === killAt) process.kill(process.pid, 'SIGKILL');
      if (json && e.event.type === 'epoch') {
        const r = e.event.record;
        console.log(JSON.stringify({ event: 'epoch', arch: e.arch, seed: e.seed, epoch: r.epoch, trainLoss: r.trainLoss, val: r.val, seconds: r.seconds }));
      }
      return;
    }
    if (e.type === 'start') {
      if (json) console.log(JSON.stringify({ event: 'start', architectures: e.architectures, units: e.units, done: e.done }));
      else console.log(`${e.done} of ${e.units} units done; ${e.units - e.done} to go`);
      return;
    }
    if (e.kind === 'train') trainedHere++;
    if (json) {
      console.log(JSON.stringify({ event: 'unit', kind: e.kind, arch: e.arch, seed: e.seed, seconds: e.seconds, done: e.done, units: e.units, etaSeconds: e.etaSeconds, test: e.run?.test ?? null, failure: e.run?.failure ?? null }));
      return;
    }
    const eta = e.etaSeconds === null ? '' : `, about ${hoursMinutes(e.etaSeconds)} left`;
    if (e.kind === 'proxies') console.log(`[${e.done}/${e.units}] architecture ${e.arch + 1}: proxies at init seed ${e.seed} (${e.seconds.toFixed(1)} s)${eta}`);
    else {
      const r = e.run!;
      const what = r.test ? `test ACC ${r.test.acc.toFixed(3)} AUC ${r.test.auc.toFixed(3)} (best epoch ${r.bestEpoch + 1})` : `failed: ${r.failure}`;
      console.log(`[${e.done}/${e.units}] architecture ${e.arch + 1} seed ${e.seed}: ${what}, ${e.seconds.toFixed(0)} s${eta}`);
    }
  };
}

async function build(f: TruthFlags, proxiesOnlyFile?: string): Promise<number> {
  const named = optional(f.proxies, (v) => listValue(v, '--proxies', stringValue));
  const path = proxiesOnlyFile ?? resolve(await pathValue(f.out ?? defaultOut(f), '--out', 'file-or-missing'));
  const present = existsSync(path);
  let resume: TruthTable | null = null;
  if (proxiesOnlyFile || f.resume) {
    if (!present) throw new CliUsageError(`${path} holds no table to continue; ${proxiesOnlyFile ? 'build one with `mednas truth build`' : 'drop --resume to start a new one there'}`);
    resume = await readTruthTable(path);
  } else if (present) {
    const existing = await readTruthTable(path).then(describeTable, (e: Error) => `unreadable: ${e.message}`);
    throw new CliUsageError(`${path} already exists (${existing}): add --resume to continue it, or give another --out. It is never overwritten by a new build.`);
  }
  // A resumed build computes the proxies its table holds (a pilot built with two analytic ones stays
  // so); `truth score` adds every registered proxy a table lacks.
  const own = resume && !proxiesOnlyFile ? PROXY_NAMES.filter((n) => resume!.proxies.some((r) => n in r.values)) : [];
  const proxies = named ?? (own.length > 0 ? own : [...PROXY_NAMES]);
  const source = datasetFlag(f);
  const redis = optional(f.redis, (v) => redisValue(v));
  const given = source?.name;
  if (resume && given !== undefined && given !== resume.protocol.dataset) {
    throw new CliUsageError(`--dataset ${given}: the table in ${path} is built on ${resume.protocol.dataset}; continue it on ${resume.protocol.dataset}, or give another --out`);
  }
  const datasetName = given ?? resume?.protocol.dataset ?? 'synthetic';
  const protocol = proxiesOnlyFile ? resume!.protocol : protocolFromFlags(f, datasetName, resume?.protocol ?? null);
  if (source === undefined) requireOwnDataPath(datasetName, resume?.dataset.release ?? null, `the table ${path}`);
  const dataset = await loadDataset(source?.path ?? datasetName, await datasetLoadOptions(f, { sizePx: resume?.dataset.sizePx, release: resume?.dataset.release }));
  const unlock = await lockTruthTable(path);
  let stopInterrupt = () => {};
  try {
    await removeStaleTempFiles(path);
    const rt = await initNode(gpuInitOptions(f));
    if (!f.json) {
      const t = protocol.train;
      console.log(`table: ${path}`);
      const lacking = named === undefined && own.length > 0 ? PROXY_NAMES.length - own.length : 0;
      if (lacking > 0) console.log(`computing the table's own ${own.length} proxies; ${lacking} registered ones it lacks are added by \`mednas truth score ${shellQuote(path)}\``);
      console.log(`${protocol.dataset}${protocol.trainImages === null ? '' : ` (training on ${protocol.trainImages} images)`}: ${protocol.count} architectures x seeds ${protocol.seeds.join(', ')}; C = ${t.initChannels}, ${t.epochs} epochs, batch ${t.batchSize}, lr ${t.lr} (${t.schedule}), AugMix ${t.augmix ? `${t.augmix.severity}/${t.augmix.width}/${t.augmix.alpha}` : 'off'}; proxies on ${protocol.proxyBatch} images at init seeds ${protocol.initSeeds.join(', ')}`);
    }
    const killAt = process.env[KILL_HOOK] ? Number(process.env[KILL_HOOK]) : null;
    let saved: TruthTable | null = resume;
    stopInterrupt = onInterrupt(() => {
      // The proxies to compute are the command's, not the table's protocol: said again when given.
      const which = f.proxies === undefined ? '' : ` --proxies ${shellQuote(proxies.join(','))}`;
      const again = `${proxiesOnlyFile ? `mednas truth score ${shellQuote(path)}` : `mednas truth build --out ${shellQuote(path)} --resume`}${which}`;
      if (!saved) return 'No unit of this table was finished, so nothing was saved: run the same command again to start it.';
      const held = proxiesOnlyFile ? 'keeps the proxy values finished so far' : `holds ${saved.proxies.length + saved.runs.length} of ${truthUnits(protocol)} units`;
      return `${path} ${held}; continue with:\n  ${continueCommand(again, f, protocol.dataset)}`;
    }, unlock);
    // --redis: the table is written here after every unit as always; the units run on the workers.
    const coordinator = redis === undefined ? null : await openCoordinator(redis, f.json === true);
    const table = await buildTruthTable({
      rt, dataset, protocol, resumeFrom: resume, proxies, proxiesOnly: proxiesOnlyFile !== undefined,
      onProgress: reporter(f.json === true, killAt),
      saveTable: async (t, bytes) => {
        await writeTruthTable(path, bytes);
        saved = t;
      },
      ...(coordinator ? { runUnits: queuedTruthRunner(coordinator, datasetRef(dataset, source, { skipBad: f.skipBad })) } : {}),
    }).finally(() => coordinator?.close());
    if (f.json) console.log(JSON.stringify({ event: 'done', table: path, finished: truthTableFinished(table), elapsedSeconds: table.elapsedSeconds }));
    else console.log(`done: ${describeTable(table)}, ${hoursMinutes(table.elapsedSeconds)} of work in all. \`mednas correlate ${shellQuote(path)}\` ranks the proxies against it.`);
    return 0;
  } finally {
    stopInterrupt();
    await unlock();
  }
}

async function show(file: string, f: TruthFlags): Promise<number> {
  const t = await readTruthTable(resolve(file));
  const rows = t.architectures.map((a, i) => {
    const m = meanRunMetrics(t, i);
    return { arch: i, key: a.key, origin: a.origin, params: a.params, flops: a.flops, runs: m.runs, testAuc: m.auc, testAcc: m.acc, testAucSd: m.aucSd };
  });
  if (f.json) {
    console.log(JSON.stringify({ event: 'table', protocol: t.protocol, dataset: t.dataset, mednasVersion: t.mednasVersion, units: truthUnits(t.protocol), done: t.proxies.length + t.runs.length, elapsedSeconds: t.elapsedSeconds, sessions: t.sessions }));
    for (const r of rows) console.log(JSON.stringify({ event: 'architecture', ...r }));
    return 0;
  }
  console.log(`${file}: ${describeTable(t)}; ${hoursMinutes(t.elapsedSeconds)} of work over ${t.sessions} session(s); mednas ${t.mednasVersion}`);
  console.log('  #  origin   params     MFLOPs  runs  test AUC (sd)    test ACC  genotype');
  for (const r of rows) {
    const auc = Number.isNaN(r.testAuc) ? '      -        ' : `${r.testAuc.toFixed(3)} (${Number.isNaN(r.testAucSd) ? '  -  ' : r.testAucSd.toFixed(3)})`;
    const acc = Number.isNaN(r.testAcc) ? '  -  ' : r.testAcc.toFixed(3);
    console.log(`${String(r.arch + 1).padStart(3)}  ${r.origin.padEnd(7)} ${String(r.params).padStart(7)} ${(r.flops / 1e6).toFixed(2).padStart(10)} ${String(r.runs).padStart(5)}  ${auc}   ${acc}    ${r.key}`);
  }
  return 0;
}

function defaultOut(f: TruthFlags): string {
  const name = datasetFlag(f)?.name ?? 'synthetic';
  return `groundtruth/${name}.mednas`;
}

export function registerTruth(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('truth <action> [...tables]', 'Ground-truth tables: `truth build` trains sampled architectures under one protocol; `truth show TABLE`; `truth score TABLE` adds new proxies; `truth simulate TABLE` replays the search\'s pick against it; `truth choose TABLE...` applies the rule that chooses the quick objectives'))
    .option('--dataset <name>', `build: ${DATASET_HELP} (default: synthetic)`)
    .option('--out <file>', 'build: the table file (default: groundtruth/DATASET.mednas)')
    .option('--count <K>', 'build: architectures (default 60: the paper genotype, half uniform live, half spread over parameter count)')
    .option('--seeds <S>', 'build: training seeds per architecture (default 3)')
    .option('--preset <name>', 'build: training preset, quick (default) or paper')
    .option('--epochs <E>', "build: epochs (default: the preset's)")
    .option('--init-channels <C>', "build: C for training and proxies (default: the preset's)")
    .option('--batch <N>', "build: batch size (default: the preset's)")
    .option('--lr <rate>', "build: learning rate (default: the preset's)")
    .option('--posterize-bits <B>', "build: AugMix's posterize depth, 4 (the presets') or 8 (mednas before issue 21, as groundtruth/breastmnist.mednas)")
    .option('--train-images <N>', 'build: train on a seeded subset of N training images (val and test stay whole)')
    .option('--max-images <N>', 'build: only the first N images of each split (quick checks)')
    .option('--proxy-batch <N>', 'build: images in the proxy batch (default 64)')
    .option('--init-seeds <S>', 'build: init seeds each proxy is computed at (default 3)')
    .option('--sample-seed <S>', 'build: seed of the architecture sample (default 0)')
    .option('--proxies <list>', 'build, score: proxies to compute (default: every registered one; a resumed build, the table\'s own)')
    .option('--resume', 'build: continue the table in --out with its protocol (--count and --seeds may grow it)')
    .option('--redis <url>', `build, score: ${REDIS_HELP}`)
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--objectives <list>', "simulate: objectives, comma-separated: P1+P2 (eq. 1) or rank:A+B+... (default: the paper's ablation pairs of fisher, grad_norm, jacob_cov, synflow, and four rank sets)")
    .option('--runs <R>', 'simulate, choose: seeded runs, each a random subset of the table (default 200; choose 1000)')
    .option('--subset <N>', "simulate: architectures per run (default 16, the quick search's population)")
    .option('--population <P>', 'simulate: keep P of the subset by NSGA-II survival before the pick (default: the whole subset)')
    .option('--pick <rule>', 'simulate: the pick rule, score (default) or knee')
    .option('--target <name>', 'simulate: auc (default), acc, auc-last3 or valtest-last3 (as correlate)')
    .option('--seed <S>', 'simulate, choose: seed of the subsets and the random pick (default 0)')
    .option('--init-seed-mode <mode>', "simulate: mean (each proxy's mean over the init seeds; default) or cycle (run r at one init seed, as a search)")
    .option('--origin <list>', 'simulate: only architectures of these origins: paper, random, spread')
    .option('--first <K>', "simulate: only the table's first K architectures")
    .option('--refine <K>', "simulate: beside each pick, the validated pick of the search's --refine K, read from the table (trained at one seed, judged on the others)")
    .option('--bootstrap <B>', "simulate: 95% intervals of each row's percentile and lead over random, from B resamples of the table's architectures (B x the runs' time)")
    .option('--refine-epochs <E>', "simulate: with --refine, the best validation AUC within the table run's first E epochs (default: all)")
    .option('--json', 'One JSON object per event (build), per row (show) or per objective (simulate) on stdout'))
    .example('mednas truth build --dataset breastmnist --count 60 --seeds 3')
    .example('mednas truth build --out groundtruth/breastmnist.mednas --resume')
    .example('mednas truth show groundtruth/breastmnist.mednas')
    .example('mednas truth simulate groundtruth/breastmnist.mednas --runs 500')
    .example('mednas truth choose groundtruth/breastmnist.mednas groundtruth/retinamnist.mednas')
    .action(async (action: string, tables: string[], flags: TruthFlags) => {
      if (!['build', 'show', 'score', 'simulate', 'choose'].includes(action)) throw new CliUsageError(`unknown truth action '${action}': use build, show, score, simulate or choose`);
      const allowed: readonly (keyof SimulateFlags)[] = action === 'simulate' ? SIMULATE_ONLY_FLAGS : action === 'choose' ? ['runs', 'seed'] : [];
      const misplaced = SIMULATE_ONLY_FLAGS.find((k) => flags[k] !== undefined && !allowed.includes(k));
      if (misplaced !== undefined) {
        const owner = misplaced === 'runs' || misplaced === 'seed' ? '`truth simulate` and `truth choose`' : '`truth simulate`';
        throw new CliUsageError(`--${misplaced.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is an option of ${owner}, not of \`truth ${action}\``);
      }
      if (action === 'choose') {
        if (tables.length === 0) throw new CliUsageError('truth choose needs one or more table files, e.g. groundtruth/breastmnist.mednas groundtruth/retinamnist.mednas');
        return choose(await Promise.all(tables.map((t) => pathValue(t, 'a table', 'file'))), flags);
      }
      if (tables.length > 1) throw new CliUsageError(`truth ${action} takes one table (got ${tables.length}: ${tables.join(' ')})`);
      const table = tables[0] as string | undefined;
      if (action === 'build') {
        if (table !== undefined) throw new CliUsageError(`truth build takes its table as --out, not as an argument (got '${table}')`);
        return build(flags);
      }
      if (table === undefined) throw new CliUsageError(`truth ${action} needs a table file, e.g. groundtruth/breastmnist.mednas`);
      const path = await pathValue(table, 'the table', 'file');
      if (action === 'simulate') return simulate(path, flags);
      return action === 'show' ? show(path, flags) : build(flags, resolve(path));
    });
}
