// Whole searches on the synthetic dataset at small settings (pop 6, 3 generations, C = 8): the
// result, replay, determinism, resume from a checkpoint, MOEA/D, faults, and refused checkpoints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import { GpuOutOfMemoryError } from '../../src/gpu/errors.ts';
import {
  CheckpointMismatchError, decodeSearchCheckpoint, defaultScorer, encodeSearchCheckpoint, replaySearch, search, searchPreset,
  type ArchitectureScorer, type SearchCheckpoint, type SearchConfig,
} from '../../src/search/index.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/util/envelope.ts';
import { testRuntime } from '../gpu.ts';

const dataset = syntheticDataset({ sizes: { train: 200, val: 10, test: 10 } });
const SMALL: SearchConfig = { ...searchPreset('quick', 'synthetic', 0), popSize: 6, generations: 3, initChannels: 8, proxyBatch: 16 };

/** The checkpoint without wall times (they differ run to run; nothing else may). */
function withoutTimes(c: SearchCheckpoint): unknown {
  return JSON.parse(JSON.stringify({ ...c, elapsedMs: 0, sessions: 0 }, (k, v) => (k === 'timesMs' || k === 'times' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

async function run(config: SearchConfig, extra: Partial<Parameters<typeof search>[0]> = {}) {
  const rt = await testRuntime();
  const checkpoints: SearchCheckpoint[] = [];
  const result = await search({ config, dataset, rt, saveCheckpoint: (c) => void checkpoints.push(c), ...extra });
  return { result, checkpoints };
}

let baseline: Awaited<ReturnType<typeof run>>;

test('a small NSGA-II search: every generation checkpointed, a chosen architecture from the final front, replay reproduces it', async () => {
  baseline = await run(SMALL);
  const { result, checkpoints } = baseline;
  assert.is(checkpoints.length, 3);
  assert.equal(checkpoints.map((c) => c.history.length), [1, 2, 3]);
  assert.equal(checkpoints.map((c) => c.finished), [false, false, true]);
  assert.is(result.history.length, 3);
  assert.is(result.population.length, 6);
  assert.ok(result.front.length >= 1 && result.front.length <= 6);
  assert.ok(result.archive.length >= 6 && result.archive.length <= 18, `${result.archive.length} scored`);
  const last = result.history[2];
  assert.ok(last.population.includes(result.chosen.record.key), 'the chosen one is in the final population');
  for (const g of result.history) {
    assert.ok(Number.isFinite(g.hypervolume) && g.hypervolume > 0, `hypervolume ${g.hypervolume}`);
    for (const f of g.objectives) assert.ok(f[0] >= -2 && f[0] <= 0 && f[1] >= -1 && f[1] <= 1, `objectives ${f}`);
  }
  for (const a of result.archive) {
    assert.equal(Object.keys(a.values), ['jacob_cov', 'synflow', 'flops']);
    // A dead genotype's synflow is 0 (ln -Infinity), with the reason recorded.
    assert.ok(Number.isFinite(a.logValues.synflow) || (a.values.synflow === 0 && a.reasons.synflow !== undefined), `synflow ${a.values.synflow}, ln ${a.logValues.synflow}`);
    assert.is(a.values.flops, a.flops);
  }
  assert.equal(replaySearch(result.checkpoint).map((g) => g.differences), [[], [], []]);
  // The bytes decode to the same checkpoint.
  const back = decodeSearchCheckpoint(encodeSearchCheckpoint(result.checkpoint));
  assert.equal(withoutTimes(back), withoutTimes(result.checkpoint));
});

test('the same seed gives the same search; another seed another', async () => {
  const again = await run(SMALL);
  assert.equal(withoutTimes(again.result.checkpoint), withoutTimes(baseline.result.checkpoint));
  const other = await run({ ...SMALL, seed: 1 });
  assert.not.equal(other.result.history[0].population, baseline.result.history[0].population);
});

test('resumed from the checkpoint of generation 1 or 2, the search ends exactly as the uninterrupted one', async () => {
  for (const k of [0, 1]) {
    const from = decodeSearchCheckpoint(encodeSearchCheckpoint(baseline.checkpoints[k]));
    const resumed = await run(SMALL, { resumeFrom: from });
    assert.is(resumed.checkpoints.length, 2 - k);
    assert.equal(withoutTimes(resumed.result.checkpoint), withoutTimes(baseline.result.checkpoint), `resumed after generation ${k + 1}`);
    assert.is(resumed.result.checkpoint.sessions, 2);
  }
});

test('MOEA/D: a small search, and its resume is exact too', async () => {
  const config: SearchConfig = { ...SMALL, algorithm: 'moead', popSize: 5 };
  const full = await run(config);
  assert.is(full.result.history.length, 3);
  assert.equal(replaySearch(full.result.checkpoint).map((g) => g.differences), [[], [], []]);
  const resumed = await run(config, { resumeFrom: full.checkpoints[0] });
  assert.equal(withoutTimes(resumed.result.checkpoint), withoutTimes(full.result.checkpoint));
});

test('an architecture that runs out of memory or fails to build, and a NaN value: recorded, scored worst, the search goes on', async () => {
  let n = 0;
  const faulty: ArchitectureScorer = async (g, ctx) => {
    n++;
    if (n === 2) throw new GpuOutOfMemoryError('test', 'injected');
    if (n === 3) throw new Error('failed to build (injected)');
    const s = await defaultScorer(g, ctx);
    if (n === 5) s.values.jacob_cov = Number.NaN;
    return s;
  };
  const seen: string[] = [];
  const { result } = await run(SMALL, { scorer: faulty, onArchitecture: (p) => p.failure && seen.push(p.failure) });
  assert.is(result.history.length, 3);
  assert.is(result.history[0].failures, 2);
  assert.is(seen.length, 2);
  assert.match(seen[0], /GpuOutOfMemoryError/);
  const failed = result.archive.filter((a) => a.failure !== null);
  assert.is(failed.length, 2);
  for (const a of failed) {
    assert.ok(Number.isNaN(a.values.jacob_cov) && Number.isNaN(a.values.synflow), 'its scores are NaN');
    assert.ok(a.flops > 0, 'its FLOPs are still known');
  }
  const nan = result.archive[4];
  assert.ok(Number.isNaN(nan.values.jacob_cov) && nan.failure === null);
  const bad = new Set([...failed.map((a) => a.key), nan.key]);
  assert.not.ok(bad.has(result.chosen.record.key), 'a failed or NaN architecture is not chosen');
  assert.equal(replaySearch(result.checkpoint).map((g) => g.differences), [[], [], []]);
});

test('a checkpoint of another search is refused saying what differs; damaged bytes are a FileFormatError', async () => {
  const rt = await testRuntime();
  const from = baseline.checkpoints[0];
  try {
    await search({ config: { ...SMALL, popSize: 8 }, dataset, rt, resumeFrom: from });
    assert.unreachable('resumed with another population size');
  } catch (e) {
    assert.instance(e, CheckpointMismatchError);
    assert.match((e as Error).message, /popSize: 6 -> 8/);
  }
  const other = syntheticDataset({ sizes: { train: 200, val: 10, test: 10 }, seed: 5 });
  try {
    await search({ config: SMALL, dataset: other, rt, resumeFrom: from });
    assert.unreachable('resumed on other data');
  } catch (e) {
    assert.instance(e, CheckpointMismatchError);
  }
  // Another version of the format, and another format (a model file's envelope): refused, saying which.
  const payload = decodeEnvelope(encodeSearchCheckpoint(from), { format: 'mednas-search', versions: [1], source: 'x' }).payload;
  assert.throws(() => decodeSearchCheckpoint(encodeEnvelope('mednas-search', 2, payload), 'next.mednas'), (e: unknown) => e instanceof FileFormatError && /version 2/.test((e as Error).message));
  assert.throws(() => decodeSearchCheckpoint(encodeEnvelope('mednas-model', 1, payload), 'model.mednas'), (e: unknown) => e instanceof FileFormatError && /mednas-model/.test((e as Error).message));
  const bytes = encodeSearchCheckpoint(from);
  for (const cut of [0, 10, bytes.length >> 1, bytes.length - 1]) {
    assert.throws(() => decodeSearchCheckpoint(bytes.slice(0, cut)), (e: unknown) => e instanceof FileFormatError, `cut at ${cut}`);
  }
  for (let i = 0; i < bytes.length; i += Math.max(1, Math.floor(bytes.length / 300))) {
    const flipped = bytes.slice();
    flipped[i] ^= 0x10;
    assert.throws(() => decodeSearchCheckpoint(flipped), (e: unknown) => e instanceof FileFormatError, `flip at ${i}`);
  }
});

test.run();
