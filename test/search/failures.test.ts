// Searches in which architectures fail (issue 22, item 3): a generation whose every new architecture
// fails stops the search with SearchFailedError, before that generation is saved, naming the first
// failure; the device's limit errors are recorded in the search's own terms (C and the proxy batch,
// not an image size); a failed architecture is never chosen nor refined while any member was scored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import { GpuLimitError } from '../../src/gpu/errors.ts';
import {
  defaultScorer, finalPopulation, pickIndex, pickOrder, search, searchPreset, SearchFailedError, type ArchitectureRecord, type ArchitectureScorer,
  type ObjectiveDefinition, type RankObjectiveDefinition, type SearchCheckpoint, type SearchConfig,
} from '../../src/search/index.ts';
import { testRuntime } from '../gpu.ts';

const dataset = syntheticDataset({ sizes: { train: 64, val: 8, test: 8 } });
const TINY: SearchConfig = { ...searchPreset('quick', 'synthetic', 0), popSize: 4, generations: 3, initChannels: 4, proxyBatch: 8 };
const limit = () => new GpuLimitError("A tensor of 469762048 bytes exceeds this device's largest buffer (134217728 bytes).", 'Use a smaller batch size or image size.');

async function failing(scorer: ArchitectureScorer): Promise<{ error: unknown; saved: SearchCheckpoint[]; failures: string[] }> {
  const saved: SearchCheckpoint[] = [];
  const failures: string[] = [];
  const error = await search({
    config: TINY, dataset, rt: await testRuntime(), scorer, saveCheckpoint: (c) => void saved.push(c),
    onArchitecture: (p) => p.failure && failures.push(p.failure),
  }).then(() => null, (e: unknown) => e);
  return { error, saved, failures };
}

test('every architecture of generation 1 over the device limit: SearchFailedError naming C and the proxy batch, nothing saved', async () => {
  const { error, saved, failures } = await failing(async () => {
    throw limit();
  });
  assert.instance(error, SearchFailedError);
  const e = error as SearchFailedError;
  assert.equal([e.generation, e.failures, e.resources, e.initChannels, e.proxyBatch], [1, 4, true, 4, 8]);
  assert.is(e.firstFailure, "GpuLimitError: A tensor of 469762048 bytes exceeds this device's largest buffer (134217728 bytes) at C = 4 on a proxy batch of 8 images");
  assert.match(e.message, /use a smaller initChannels or proxyBatch/);
  assert.not.match(e.message, /image size/);
  assert.is(failures.length, 4, 'each failure is reported as it happens');
  assert.ok(failures.every((f) => !/image size/.test(f)), failures.join(' | '));
  assert.is(saved.length, 0, 'a generation of failures is not saved');
});

test('other failures: the cause, not a resource hint; a later generation of failures keeps the generations before it', async () => {
  const plain = await failing(async () => {
    throw new Error('the network failed to build');
  });
  assert.instance(plain.error, SearchFailedError);
  assert.is((plain.error as SearchFailedError).resources, false);
  assert.match((plain.error as Error).message, /the first: Error: the network failed to build\), so there is nothing to choose from: fix the cause/);
  // Generation 1 scores; from the 5th architecture on every one is over the limit.
  let n = 0;
  const later = await failing(async (g, ctx) => {
    if (++n > 4) throw limit();
    return defaultScorer(g, ctx);
  });
  assert.instance(later.error, SearchFailedError);
  assert.is((later.error as SearchFailedError).generation, 2);
  assert.equal(later.saved.map((c) => c.history.length), [1], 'generation 1 is saved, generation 2 is not');
});

const paper: ObjectiveDefinition = { scores: ['jacob_cov', 'synflow'], lowerIsBetter: [], cost: 'flops', synflowScale: 'log' };
const rank: RankObjectiveDefinition = { kind: 'rank', scores: ['synflow'], higherIsBetter: { synflow: true }, cost: 'flops', synflowScale: 'log' };
const rec = (i: number, jc: number, sf: number, flops: number, failure: string | null = null): ArchitectureRecord => ({
  key: String(i), genotype: [i], generation: 1, values: { jacob_cov: jc, synflow: sf, flops }, logValues: { synflow: Math.log(sf) }, reasons: {}, timesMs: {}, params: 1, flops, failure,
});

test('a failed architecture is never chosen: score and knee rules, and the refinement order', () => {
  // The scored members tie (constant columns normalise to 0), so the failed one, first and cheapest,
  // used to win the score rule on the tie and the knee (all three on a line: every distance 0).
  const tie = finalPopulation([rec(0, NaN, NaN, 10, 'GpuLimitError: ...'), rec(1, -5, 1e9, 100), rec(2, -5, 1e9, 200)], paper);
  assert.equal(tie.front, [0, 1, 2], 'the failed member is on the front');
  assert.is(pickIndex(tie, 'score'), 1);
  assert.is(pickIndex(tie, 'knee'), 1);
  assert.not.ok(pickOrder(tie, 'score').includes(0));
  // Rank objectives: the failed member (S_n 0) is the front's cheap extreme; refinement skips it.
  const cheap = finalPopulation([rec(0, 0, 3, 300), rec(1, 0, 2, 200), rec(2, 0, NaN, 0, 'Error: x'), rec(3, 0, 1, 150)], rank);
  assert.ok(cheap.front.includes(2));
  assert.equal(pickOrder(cheap, 'score'), cheap.front.filter((i) => i !== 2).sort((a, b) => a - b));
  assert.not.ok(pickOrder(cheap, 'knee').includes(2));
  assert.is(pickIndex(cheap, 'score'), 0);
  // Failures alone: the rules still answer (a checkpoint's result must be readable); the search itself stops before this.
  const none = finalPopulation([rec(0, NaN, NaN, 10, 'e'), rec(1, NaN, NaN, 20, 'e')], paper);
  assert.is(pickIndex(none, 'score'), 0);
});

test.run();
