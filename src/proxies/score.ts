// Scoring an architecture: the proxies by name, on one batch, each on its own copy of the network
// (the network given, or the one the genotype builds with the seeded initialisation), with the time
// each took. Bad input (unknown names, a batch that does not fit the network or the proxy) is refused
// before any GPU work; a dead genotype gets each proxy's documented value without running the
// network; a proxy that is undefined for a network comes back as NaN (or its documented substitute)
// with a reason, never as an exception.
import type { Runtime } from '../gpu/runtime.ts';
import { deadCells } from '../space/dead.ts';
import { genotypeKey } from '../space/text.ts';
import { buildNetwork, type MstfNetwork } from '../space/network.ts';
import type { GenotypeInput } from '../space/genotype.ts';
import type { ProxyBatch } from './batch.ts';
import { ScoringContext, type ContextOptions } from './context.ts';
import { ProxyInputError } from './errors.ts';
import { PHASES, type Phase } from './phases.ts';
import { getProxy, parseProxyNames } from './registry.ts';
import type { ProxyOutcome } from './types.ts';
import { ScoreCache } from './cache.ts';

/** One proxy done (scoring reports progress through this; the library never prints). */
export interface ProxyProgress {
  readonly proxy: string;
  readonly value: number;
  readonly log?: number;
  readonly reason?: string;
  readonly timeMs: number;
  /** Served from the cache. */
  readonly cached: boolean;
}

export interface ScoreOptions extends ContextOptions {
  onProxy?: (progress: ProxyProgress) => void;
}

export interface ArchitectureScore {
  readonly genotype: number[];
  /** genotypeKey(genotype). */
  readonly key: string;
  /** 0-based dead blocks (see deadCells); non-empty means the network was not run. */
  readonly deadCells: number[];
  /** Each proxy's value (NaN where undefined: see `reasons`). */
  readonly values: Record<string, number>;
  /** ln(value) where the proxy computes it directly (synflow). */
  readonly logValues: Record<string, number>;
  /** Why a value is NaN or a documented substitute. */
  readonly reasons: Record<string, string>;
  /** Wall time per proxy (0 for one served from the cache: its stored time is in the cache). */
  readonly timesMs: Record<string, number>;
  /** Proxies served from the cache. */
  readonly cached: string[];
  /** Time by phase over all proxies computed here (GPU times only with `phaseTimes`). */
  readonly phasesMs: Record<Phase, number>;
}

/** Checks everything that can be checked before GPU work. */
function checkInput(net: MstfNetwork, names: readonly string[], batch: ProxyBatch): void {
  const p = net.plan;
  const [n, c, h, w] = batch.shape;
  if (c !== p.inChannels) {
    throw new ProxyInputError(`the proxy batch has ${c}-channel images, the network takes ${p.inChannels}: build the network for the batch's dataset`);
  }
  if (h !== p.inputHeight || w !== p.inputWidth) {
    throw new ProxyInputError(`the proxy batch has ${h} x ${w} images, the network was built for ${p.inputHeight} x ${p.inputWidth}: build it with inputSize [${h}, ${w}]`);
  }
  for (const name of names) {
    const proxy = getProxy(name);
    if (proxy.input === 'labels' && batch.numClasses !== p.numClasses) {
      throw new ProxyInputError(`${name} needs the batch's labels, which have ${batch.numClasses} classes, but the network has ${p.numClasses} outputs`);
    }
    if (n < proxy.minBatch) {
      throw new ProxyInputError(`${name} needs a proxy batch of at least ${proxy.minBatch} images, got ${n}: use --proxy-batch ${proxy.minBatch} or more`);
    }
  }
}

function emptyScore(net: MstfNetwork): ArchitectureScore {
  return {
    genotype: [...net.genotype], key: genotypeKey(net.genotype), deadCells: deadCells(net.genotype),
    values: {}, logValues: {}, reasons: {}, timesMs: {}, cached: [],
    phasesMs: Object.fromEntries(PHASES.map((ph) => [ph, 0])) as Record<Phase, number>,
  };
}

function record(score: ArchitectureScore, name: string, outcome: ProxyOutcome, timeMs: number): void {
  score.values[name] = outcome.value;
  if (outcome.log !== undefined) score.logValues[name] = outcome.log;
  if (outcome.reason !== undefined) score.reasons[name] = outcome.reason;
  score.timesMs[name] = timeMs;
}

/**
 * Scores `net` with the named proxies on `batch`. The network is never changed (each proxy works on
 * a copy) and every GPU buffer the scoring takes is returned to the pool.
 */
export async function scoreNetwork(net: MstfNetwork, proxyNames: string | readonly string[], batch: ProxyBatch, options: ScoreOptions = {}): Promise<ArchitectureScore> {
  const names = parseProxyNames(proxyNames);
  checkInput(net, names, batch);
  const score = emptyScore(net);
  const dead = score.deadCells.length > 0;
  const ctx = new ScoringContext(net, batch, options);
  try {
    for (const name of names) {
      const proxy = getProxy(name);
      const start = performance.now();
      const outcome = dead && proxy.deadValue ? proxy.deadValue(batch.shape[0]) : await proxy.run(ctx);
      const timeMs = performance.now() - start;
      record(score, name, outcome, timeMs);
      options.onProxy?.({ proxy: name, ...outcome, timeMs, cached: false });
    }
  } finally {
    ctx.release();
  }
  for (const ph of PHASES) score.phasesMs[ph] = ctx.phases.ms[ph];
  return score;
}

export interface ScoreArchitectureOptions extends ScoreOptions {
  /** Seeds the initial weights (PyTorch's default distributions from the library's Rng); default 0. */
  seed?: number;
  /** C, the stem's channels; default 16. */
  initChannels?: number;
  rt?: Runtime;
  /** Scores already known are taken from it, new ones are added. */
  cache?: ScoreCache;
}

/** The default C for scoring: small enough for a CPU adapter (the paper's is 128). */
export const DEFAULT_SCORE_CHANNELS = 16;

/**
 * Scores the network that `genotype` builds for the batch's images and classes, with weights from
 * the seeded initialisation. With a cache, proxies already scored for the same (genotype, proxy,
 * batch, seed, C) are not computed again, and the new ones are stored.
 */
export async function scoreArchitecture(
  genotype: GenotypeInput, proxyNames: string | readonly string[], batch: ProxyBatch, options: ScoreArchitectureOptions = {},
): Promise<ArchitectureScore> {
  const names = parseProxyNames(proxyNames);
  const seed = options.seed ?? 0;
  const initChannels = options.initChannels ?? DEFAULT_SCORE_CHANNELS;
  const [, c, h, w] = batch.shape;
  // Building checks the genotype and configuration (GenotypeError, SpaceConfigError) before any GPU work.
  const net = buildNetwork(genotype, { inChannels: c, numClasses: batch.numClasses, initChannels, inputSize: [h, w] }, { seed, rt: options.rt });
  try {
    const key = genotypeKey(net.genotype);
    const known = new Map(names.flatMap((name) => {
      const e = options.cache?.get(key, name, batch.id, seed, initChannels);
      return e ? [[name, e] as const] : [];
    }));
    const missing = names.filter((name) => !known.has(name));
    checkInput(net, names, batch);
    const score = missing.length > 0 ? await scoreNetwork(net, missing, batch, options) : emptyScore(net);
    for (const name of missing) {
      options.cache?.set({
        genotype: key, proxy: name, batchId: batch.id, seed, initChannels,
        value: score.values[name], log: score.logValues[name], reason: score.reasons[name], timeMs: score.timesMs[name],
      });
    }
    for (const [name, e] of known) {
      record(score, name, { value: e.value, log: e.log, reason: e.reason }, 0);
      score.cached.push(name);
      options.onProxy?.({ proxy: name, value: e.value, log: e.log, reason: e.reason, timeMs: 0, cached: true });
    }
    // Report in the order asked for.
    const ordered = (r: Record<string, number>): Record<string, number> =>
      Object.fromEntries(names.filter((n) => n in r).map((n) => [n, r[n]]));
    return { ...score, values: ordered(score.values), timesMs: ordered(score.timesMs), logValues: ordered(score.logValues) };
  } finally {
    net.dispose();
  }
}
