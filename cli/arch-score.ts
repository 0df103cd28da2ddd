// `mednas arch score GENOTYPE|paper`: the training-free proxies of one architecture on a seeded proxy
// batch, each value with its time (`--json`: one object). It parses, calls the library, prints.
import { datasetSource, loadDataset, readGenotypeArgument, initNode } from '../src/node/index.ts';
import { datasetLoadOptions } from './dataset-options.ts';
import {
  DEFAULT_PROXIES, DEFAULT_SCORE_CHANNELS, getProxy, parseProxyNames, proxyBatch, scoreArchitecture, type ProxyProgress,
} from '../src/proxies/index.ts';
import { deadCells, genotypeKey } from '../src/space/index.ts';
import { intValue, optional, pathValue, stringValue } from './options.ts';

export interface ScoreFlags {
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

export async function scoreCommand(arg: string, flags: ScoreFlags): Promise<number> {
  const genotype = await readGenotypeArgument(arg);
  const names = parseProxyNames(flags.proxies === undefined ? [...DEFAULT_PROXIES] : stringValue(flags.proxies, '--proxies'));
  const size = intValue(flags.proxyBatch ?? DEFAULT_PROXY_BATCH, '--proxy-batch', { min: 1, max: 100_000 });
  const initChannels = intValue(flags.initChannels ?? DEFAULT_SCORE_CHANNELS, '--init-channels', { min: 4, max: 4096 });
  const seed = intValue(flags.seed ?? 0, '--seed', { min: 0, max: 2 ** 32 - 1 });
  // An unknown name or a missing path fails here, before loading anything.
  const source = flags.dataset === undefined ? null : datasetSource(stringValue(flags.dataset, '--dataset'));
  const dataDir = await optional(flags.dataDir, (v) => pathValue(v, '--data-dir', 'dir-or-missing'));
  const dataset = await loadDataset(source?.path ?? source?.name, { ...(await datasetLoadOptions({ ...flags, dataDir: undefined })), dataDir });
  const batch = proxyBatch(dataset, { size, seed });
  const key = genotypeKey(genotype);
  const dead = deadCells(genotype);
  if (!flags.json) {
    console.log(`genotype ${key}${dead.length ? `   (dead: block ${dead.map((b) => b + 1).join(', ')})` : ''}`);
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
    }));
    return 0;
  }
  for (const [proxy, reason] of Object.entries(score.reasons)) console.log(`  note: ${proxy}: ${reason}`);
  console.log(`total ${(totalMs / 1000).toFixed(2)} s on ${rt.adapterInfo.description}`);
  return 0;
}
