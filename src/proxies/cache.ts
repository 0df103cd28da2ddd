// Scores already computed, keyed by (genotype key, proxy, batch id, seed, C): a search never scores
// the same network twice. Entries are plain data (numbers and strings), so a search stores them in
// its checkpoint as they are. NaN and -Infinity survive msgpack; JSON turns them into null, which
// `fromEntries` reads back as NaN (and a `log` of null as -Infinity, ln 0).

export interface ScoreCacheEntry {
  /** genotypeKey of the architecture. */
  readonly genotype: string;
  readonly proxy: string;
  /** ProxyBatch.id. */
  readonly batchId: string;
  /** The weights' seed. */
  readonly seed: number;
  readonly initChannels: number;
  readonly value: number;
  readonly log?: number;
  readonly reason?: string;
  /** How long computing it took. */
  readonly timeMs: number;
}

export class ScoreCacheError extends Error {
  override name = 'ScoreCacheError';
}

const keyOf = (genotype: string, proxy: string, batchId: string, seed: number, initChannels: number): string =>
  `${genotype}|${proxy}|${batchId}|${seed}|${initChannels}`;

export class ScoreCache {
  private readonly map = new Map<string, ScoreCacheEntry>();
  /** Look-ups answered and not answered since creation. */
  hits = 0;
  misses = 0;

  get size(): number {
    return this.map.size;
  }

  get(genotype: string, proxy: string, batchId: string, seed: number, initChannels: number): ScoreCacheEntry | undefined {
    const e = this.map.get(keyOf(genotype, proxy, batchId, seed, initChannels));
    if (e) this.hits++;
    else this.misses++;
    return e;
  }

  set(entry: ScoreCacheEntry): void {
    const clean: ScoreCacheEntry = { ...entry };
    if (clean.log === undefined) delete (clean as { log?: number }).log;
    if (clean.reason === undefined) delete (clean as { reason?: string }).reason;
    this.map.set(keyOf(entry.genotype, entry.proxy, entry.batchId, entry.seed, entry.initChannels), clean);
  }

  /** Every entry, in insertion order (plain objects: store them as they are). */
  entries(): ScoreCacheEntry[] {
    return [...this.map.values()];
  }

  /** A cache holding `entries` (e.g. from a checkpoint); each field is checked. */
  static fromEntries(entries: unknown): ScoreCache {
    if (!Array.isArray(entries)) throw new ScoreCacheError('the score cache must be an array of entries');
    const cache = new ScoreCache();
    entries.forEach((raw: unknown, i) => {
      const e = raw as Record<string, unknown>;
      const fail = (what: string): never => {
        throw new ScoreCacheError(`score cache entry ${i}: ${what}`);
      };
      if (e === null || typeof e !== 'object') fail('is not an object');
      for (const f of ['genotype', 'proxy', 'batchId'] as const) if (typeof e[f] !== 'string') fail(`'${f}' must be a string`);
      for (const f of ['seed', 'initChannels', 'timeMs'] as const) if (typeof e[f] !== 'number') fail(`'${f}' must be a number`);
      const num = (v: unknown, nullAs: number): number => (v === null ? nullAs : typeof v === 'number' ? v : fail('a value must be a number'));
      if (e.reason !== undefined && typeof e.reason !== 'string') fail("'reason' must be a string");
      cache.set({
        genotype: e.genotype as string, proxy: e.proxy as string, batchId: e.batchId as string,
        seed: e.seed as number, initChannels: e.initChannels as number, timeMs: e.timeMs as number,
        value: num(e.value, NaN), log: e.log === undefined ? undefined : num(e.log, -Infinity), reason: e.reason as string | undefined,
      });
    });
    return cache;
  }
}
