// `mednas arch score GENOTYPE|paper`: the training-free proxies of one architecture on a seeded proxy
// batch, each value with its time (`--json`: one object). It parses, calls the library, prints.
// `arch score RUN_DIR [GENES]` and `arch score GENES --like RUN_DIR` score with a search's settings
// (its dataset, C, proxy batch, seed and proxies), so the values are the ones the search recorded;
// flags given as well win over them.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { datasetSource, loadDataset, readGenotypeArgument, initNode, readSearchCheckpoint, SEARCH_CHECKPOINT_FILE } from '../src/node/index.ts';
import { datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import {
  DEFAULT_PROXIES, DEFAULT_SCORE_CHANNELS, getProxy, parseProxyNames, proxyBatch, scoreArchitecture, type ProxyProgress,
} from '../src/proxies/index.ts';
import { scoredProxies, type SearchCheckpoint } from '../src/search/index.ts';
import { deadCells, genotypeKey } from '../src/space/index.ts';
import { CliUsageError, intValue, optional, pathValue, stringValue } from './options.ts';

export interface ScoreFlags {
  like?: unknown;
  proxies?: unknown;
  dataset?: unknown;
  proxyBatch?: unknown;
  initChannels?: unknown;
  seed?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  json?: boolean;
}

export const DEFAULT_PROXY_BATCH = 64;

/** A number for JSON: NaN and infinities become null (JSON has none); `reasons` says why. */
const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(6) : v.toFixed(6);
}

function progressLine(p: ProxyProgress): string {
  const time = p.cached ? 'cached' : `${p.timeMs >= 1000 ? `${(p.timeMs / 1000).toFixed(2)} s` : `${p.timeMs.toFixed(0)} ms`}`;
  const log = p.log !== undefined && Number.isFinite(p.log) ? `   ln ${p.log.toFixed(4)}` : '';
  return `  ${p.proxy.padEnd(21)} ${formatValue(p.value).padStart(18)}   ${time.padStart(9)}${log}`;
}

/** Whether `path` is a search run directory (a directory holding a search checkpoint). */
function isSearchRun(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, SEARCH_CHECKPOINT_FILE));
  } catch {
    return false;
  }
}

/** The search whose settings to score with: RUN_DIR as the first argument, or --like RUN_DIR. */
async function searchSettings(arg: string, genes: string | undefined, flags: ScoreFlags): Promise<{ run: string; checkpoint: SearchCheckpoint; genotypeArg: string } | null> {
  const like = optional(flags.like, (v) => stringValue(v, '--like'));
  if (like !== undefined) {
    if (genes !== undefined) throw new CliUsageError(`arch score takes one genotype with --like: got ${arg} and ${genes}`);
    const run = resolve(await pathValue(like, '--like', 'dir'));
    if (!isSearchRun(run)) throw new CliUsageError(`--like: ${run} holds no ${SEARCH_CHECKPOINT_FILE}: give the --out directory of a \`mednas search\``);
    return { run, checkpoint: await readSearchCheckpoint(join(run, SEARCH_CHECKPOINT_FILE)), genotypeArg: arg };
  }
  if (!isSearchRun(arg)) {
    if (genes !== undefined) throw new CliUsageError(`arch score GENOTYPE takes one genotype; two arguments are RUN_DIR GENES, and ${arg} is not a search run directory (one holding ${SEARCH_CHECKPOINT_FILE})`);
    return null;
  }
  const run = resolve(arg);
  // RUN_DIR alone: the search's chosen architecture (its summary.json), at the search's settings.
  return { run, checkpoint: await readSearchCheckpoint(join(run, SEARCH_CHECKPOINT_FILE)), genotypeArg: genes ?? arg };
}

export async function scoreCommand(arg: string, flags: ScoreFlags, genes?: string): Promise<number> {
  const like = await searchSettings(arg, genes, flags);
  const cfg = like?.checkpoint.config;
  const genotype = await readGenotypeArgument(like?.genotypeArg ?? arg);
  const names = parseProxyNames(flags.proxies === undefined ? (cfg ? scoredProxies(cfg) : [...DEFAULT_PROXIES]) : stringValue(flags.proxies, '--proxies'));
  const size = intValue(flags.proxyBatch ?? cfg?.proxyBatch ?? DEFAULT_PROXY_BATCH, '--proxy-batch', { min: 1, max: 100_000 });
  const initChannels = intValue(flags.initChannels ?? cfg?.initChannels ?? DEFAULT_SCORE_CHANNELS, '--init-channels', { min: 4, max: 4096 });
  const seed = intValue(flags.seed ?? cfg?.seed ?? 0, '--seed', { min: 0, max: 2 ** 32 - 1 });
  // An unknown name or a missing path fails here, before loading anything.
  const source = flags.dataset === undefined ? null : datasetSource(stringValue(flags.dataset, '--dataset'));
  if (like && source === null) requireOwnDataPath(like.checkpoint.config.dataset, like.checkpoint.dataset.release, `the search in ${like.run}`);
  const dataDir = await optional(flags.dataDir, (v) => pathValue(v, '--data-dir', 'dir-or-missing'));
  const recorded = like && source === null ? { sizePx: like.checkpoint.dataset.sizePx, release: like.checkpoint.dataset.release } : {};
  const dataset = await loadDataset(source?.path ?? source?.name ?? cfg?.dataset, { ...(await datasetLoadOptions({ ...flags, dataDir: undefined }, recorded)), dataDir });
  const batch = proxyBatch(dataset, { size, seed });
  const key = genotypeKey(genotype);
  const dead = deadCells(genotype);
  // What the search recorded for this genotype, when it scored it.
  const archived = like?.checkpoint.archive.find((a) => a.key === key) ?? null;
  if (!flags.json) {
    console.log(`genotype ${key}${dead.length ? `   (dead: block ${dead.map((b) => b + 1).join(', ')})` : ''}`);
    if (like) {
      const given = { '--init-channels': flags.initChannels, '--proxy-batch': flags.proxyBatch, '--seed': flags.seed, '--proxies': flags.proxies, '--dataset': flags.dataset };
      const own = Object.entries(given).filter(([, v]) => v !== undefined).map(([flag]) => flag);
      console.log(`settings of the search in ${like.run}${own.length ? ` (except ${own.join(', ')}, given)` : ''}`);
    }
    console.log(`network: ${dataset.name} (${batch.shape[1]} x ${batch.shape[2]} x ${batch.shape[3]}, ${batch.numClasses} classes), C = ${initChannels}, weights seed ${seed}`);
    console.log(`proxy batch: ${size} training images chosen with seed ${seed} (${batch.id})`);
  }
  const rt = await initNode();
  const start = performance.now();
  const score = await scoreArchitecture(genotype, names, batch, {
    rt, seed, initChannels, onProxy: flags.json ? undefined : (p) => console.log(progressLine(p)),
  });
  const totalMs = performance.now() - start;
  if (flags.json) {
    const numbers = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonNumber(v)]));
    console.log(JSON.stringify({
      genotype: score.genotype, key, deadCells: score.deadCells, dataset: dataset.name,
      network: { inChannels: batch.shape[1], numClasses: batch.numClasses, initChannels, seed },
      batch: { id: batch.id, size, seed }, adapter: rt.adapterInfo.description,
      values: numbers(score.values), logValues: numbers(score.logValues), reasons: score.reasons, timesMs: score.timesMs,
      higherIsBetter: Object.fromEntries(names.map((n) => [n, getProxy(n).higherIsBetter])), totalMs,
      like: like && { run: like.run, batchId: like.checkpoint.batchId, sameBatch: batch.id === like.checkpoint.batchId },
      archived: archived && { generation: archived.generation, values: numbers(archived.values), logValues: numbers(archived.logValues), failure: archived.failure },
    }));
    return 0;
  }
  for (const [proxy, reason] of Object.entries(score.reasons)) console.log(`  note: ${proxy}: ${reason}`);
  if (like && batch.id !== like.checkpoint.batchId) console.log(`  note: this proxy batch (${batch.id}) is not the search's (${like.checkpoint.batchId}): the data or a flag differs, so the values need not match the search's`);
  if (archived) {
    const shown = Object.entries(archived.values).map(([p, v]) => `${p} ${formatValue(v)}`).join(', ');
    console.log(`  the search recorded (generation ${archived.generation}): ${archived.failure ? `a failure (${archived.failure})` : shown}`);
  }
  console.log(`total ${(totalMs / 1000).toFixed(2)} s on ${rt.adapterInfo.description}`);
  return 0;
}
