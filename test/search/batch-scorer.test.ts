// A search with a batch scorer (how the queue scores: a generation's new architectures together,
// their outcomes in any order) stores what the one-at-a-time scorer stores: the same archive in the
// same order, the same failure text for an architecture that fails, the same progress events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import { GpuOutOfMemoryError } from '../../src/gpu/errors.ts';
import { defaultScorer, search, searchPreset, type ArchitectureScorer, type BatchScorer, type ScoreOutcome, type SearchCheckpoint, type SearchConfig } from '../../src/search/index.ts';
import { genotypeKey } from '../../src/space/text.ts';
import { testRuntime } from '../gpu.ts';

const dataset = syntheticDataset({ sizes: { train: 64, val: 16, test: 16 } });
const CONFIG: SearchConfig = { ...searchPreset('quick', 'synthetic', 0), popSize: 4, generations: 2, initChannels: 4, proxyBatch: 8 };

function withoutTimes(c: SearchCheckpoint): unknown {
  return JSON.parse(JSON.stringify({ ...c, elapsedMs: 0, sessions: 0 }, (k, v) => (k === 'timesMs' || k === 'times' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

test('a batch scorer answering in reverse order, one architecture out of memory: the same checkpoint as one at a time', async () => {
  const rt = await testRuntime();
  let count = 0;
  let failedKey = '';
  const oom = () => new GpuOutOfMemoryError('test fault', 'an injected allocation failure');
  const one: ArchitectureScorer = async (genotype, ctx) => {
    if (++count === 3) {
      failedKey = genotypeKey(genotype);
      throw oom();
    }
    return defaultScorer(genotype, ctx);
  };
  const localEvents: string[] = [];
  let local: SearchCheckpoint | null = null;
  await search({ config: CONFIG, dataset, rt, scorer: one, onArchitecture: (p) => localEvents.push(`${p.generation} ${p.key} ${p.failure}`), saveCheckpoint: (c) => void (local = c) });

  const batches: number[] = [];
  const batch: BatchScorer = async (genotypes, ctx, onOutcome) => {
    batches.push(genotypes.length);
    const outcomes: ScoreOutcome[] = [];
    for (let i = genotypes.length - 1; i >= 0; i--) {
      const g = genotypes[i];
      let o: ScoreOutcome;
      try {
        if (genotypeKey(g) === failedKey) throw oom();
        o = { ok: true, ...(await defaultScorer([...g], { ...ctx, rt })) };
      } catch (e) {
        o = { ok: false, error: e };
      }
      outcomes[i] = o;
      onOutcome(i, o, 1);
    }
    return outcomes;
  };
  const batchEvents: string[] = [];
  let queued: SearchCheckpoint | null = null;
  await search({ config: CONFIG, dataset, rt, scoreBatch: batch, onArchitecture: (p) => batchEvents.push(`${p.generation} ${p.key} ${p.failure}`), saveCheckpoint: (c) => void (queued = c) });
  assert.equal(withoutTimes(queued!), withoutTimes(local!));
  assert.ok(queued!.archive.some((r) => r.key === failedKey && r.failure?.startsWith('GpuOutOfMemoryError:')));
  assert.equal([...batchEvents].sort(), [...localEvents].sort());
  assert.is(batches.length, CONFIG.generations, 'one batch per generation');
});

test.run();
