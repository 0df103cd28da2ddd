// Whole searches on the synthetic dataset at small settings (pop 6, 3 generations, C = 4): the
// result, replay, determinism, resume from a checkpoint, MOEA/D, faults, and refused checkpoints;
// rank objectives (pop 5, 2 generations), version-1 checkpoints, and refinement (2 candidates
// trained for 1 epoch on 64 images, resumed after the first; a stand-in trainer for the rest).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import { GpuOutOfMemoryError } from '../../src/gpu/errors.ts';
import {
  Archive, CheckpointMismatchError, PAPER_PROXIES, decodeSearchCheckpoint, generationSpace, objectiveDefinition, defaultScorer, encodeSearchCheckpoint, lastPopulation, pickOrder, replayRefinement, replaySearch,
  search, searchPreset, searchSummaryJson, type ArchitectureScorer, type CandidateTrainer, type RefineProgress, type RefineSettings, type SearchCheckpoint,
  type SearchConfig,
} from '../../src/search/index.ts';
import { presetConfig } from '../../src/train/config.ts';
import { NonFiniteLossError } from '../../src/train/errors.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/util/envelope.ts';
import { testRuntime } from '../gpu.ts';

// Validation and test splits big enough for refinement's AUC (every class present).
const dataset = syntheticDataset({ sizes: { train: 200, val: 48, test: 48 } });
// Eq. 1's objectives (the paper's; the quick preset's rank objectives have a test of their own below).
const SMALL: SearchConfig = { ...searchPreset('quick', 'synthetic', 0), objectives: 'paper', proxies: [...PAPER_PROXIES], popSize: 6, generations: 3, initChannels: 4, proxyBatch: 16 };

/** The checkpoint without wall times (they differ run to run; nothing else may). */
function withoutTimes(c: SearchCheckpoint): unknown {
  return JSON.parse(JSON.stringify({ ...c, elapsedMs: 0, sessions: 0 }, (k, v) => (k === 'timesMs' || k === 'times' || k === 'seconds' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
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

test('a finished search resumed with more generations ends exactly as the uninterrupted longer search; fewer than done are refused', async () => {
  // What a finished 2-generation search of these settings writes: the 3-generation run's second
  // checkpoint under a 2-generation config (nothing else depends on the total; the CLI test
  // test/cli/search-runs.test.ts extends a real 1-generation search).
  const two: SearchCheckpoint = { ...baseline.checkpoints[1], config: { ...SMALL, generations: 2 }, finished: true };
  const extended = await run(SMALL, { resumeFrom: decodeSearchCheckpoint(encodeSearchCheckpoint(two)) });
  assert.equal(extended.checkpoints.map((c) => c.history.length), [3], 'only generation 3 is run');
  assert.equal(withoutTimes(extended.result.checkpoint), withoutTimes(baseline.result.checkpoint));
  assert.is(extended.result.chosen.record.key, baseline.result.chosen.record.key);
  try {
    await search({ config: { ...SMALL, generations: 1 }, dataset, rt: await testRuntime(), resumeFrom: two });
    assert.unreachable('cut short');
  } catch (e) {
    assert.instance(e, CheckpointMismatchError);
    assert.match((e as Error).message, /generations: 2 -> 1 \(2 are done already: a search can be extended, not cut short\)/);
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
  const payload = decodeEnvelope(encodeSearchCheckpoint(from), { format: 'mednas-search', versions: [3], source: 'x' }).payload;
  assert.throws(() => decodeSearchCheckpoint(encodeEnvelope('mednas-search', 4, payload), 'next.mednas'), (e: unknown) => e instanceof FileFormatError && /version 4/.test((e as Error).message));
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

const RANK: SearchConfig = { ...SMALL, popSize: 5, generations: 2, objectives: 'rank', proxies: ['synflow', 'jacob_cov', 'params'] };

test('rank objectives: f1 = -S_n, f2 = FLOPs_n, the population mean S_n recorded; replay reproduces them; a resume after generation 1 is exact', async () => {
  const full = await run(RANK);
  const r = full.result;
  assert.is(full.checkpoints.length, 2);
  assert.equal(Object.keys(r.archive[0].values), ['synflow', 'jacob_cov', 'params', 'flops']);
  for (const g of r.history) {
    assert.equal(Object.keys(g.bestPerProxy), ['mean S_n', 'synflow', 'jacob_cov', 'params', 'flops']);
    assert.ok(g.bestPerProxy['mean S_n'] >= 0 && g.bestPerProxy['mean S_n'] <= 1, `mean S_n ${g.bestPerProxy['mean S_n']}`);
    assert.ok(Math.abs(g.bestPerProxy['mean S_n'] - generationSpace(g.population, new Archive(r.archive), g.generation, objectiveDefinition(RANK)).own.reduce((a, f) => a - f[0] / g.population.length, 0)) < 1e-12);
    assert.is(g.bestPerProxy.params, Math.min(...g.population.map((k) => r.archive.find((a) => a.key === k)!.params)), 'params: smaller is better');
    for (const f of g.objectives) assert.ok(f[0] >= -1 && f[0] <= 0 && f[1] >= 0 && f[1] <= 1, `objectives ${f}`);
  }
  // Over the final population: S_n of the chosen is the largest; f1 = -S_n, f2 = FLOPs_n.
  assert.is(r.chosen.normalised.s, Math.max(...r.population.map((m) => m.normalised.s!)));
  for (const m of r.population) assert.equal([...m.objectives], [-m.normalised.s!, m.normalised.cost]);
  assert.ok(r.front.some((m) => m.record.key === r.chosen.record.key), 'the pick is on the front');
  assert.equal(replaySearch(r.checkpoint).map((g) => g.differences), [[], []]);
  const resumed = await run(RANK, { resumeFrom: decodeSearchCheckpoint(encodeSearchCheckpoint(full.checkpoints[0])) });
  assert.is(resumed.checkpoints.length, 1);
  assert.equal(withoutTimes(resumed.result.checkpoint), withoutTimes(r.checkpoint));
  // Another objective definition is another search: refused, naming the fields.
  const rt = await testRuntime();
  for (const [config, message] of [
    [{ ...RANK, objectives: 'paper', proxies: ['synflow', 'jacob_cov'] }, /objectives: "rank" -> "paper"; proxies: \["synflow","jacob_cov","params"\] -> \["synflow","jacob_cov"\]/],
    [{ ...RANK, proxies: ['synflow', 'jacob_cov'] }, /proxies: /],
    [{ ...RANK, synflowScale: 'raw' }, /synflowScale: "log" -> "raw"/],
  ] as const) {
    try {
      await search({ config: config as SearchConfig, dataset, rt, resumeFrom: full.checkpoints[0] });
      assert.unreachable('resumed with another objective definition');
    } catch (e) {
      assert.instance(e, CheckpointMismatchError);
      assert.match((e as Error).message, message);
    }
  }
});

/** A generation as versions 1 and 2 stored it: `best`, not `bestPerProxy`. */
const oldHistory = (c: SearchCheckpoint) => c.history.map(({ bestPerProxy, ...g }) => ({ ...g, best: bestPerProxy }));

test('a version-2 checkpoint (each generation\'s `best`) loads with bestPerProxy; version 3 refuses the old name', () => {
  const c = baseline.checkpoints[0];
  const back = decodeSearchCheckpoint(encodeEnvelope('mednas-search', 2, { ...c, history: oldHistory(c) }), 'v2.mednas');
  assert.equal(withoutTimes(back), withoutTimes(c));
  assert.throws(() => decodeSearchCheckpoint(encodeEnvelope('mednas-search', 3, { ...c, history: oldHistory(c) }), 'odd.mednas'), (e: unknown) => e instanceof FileFormatError && /bestPerProxy|best/.test((e as Error).message));
});

test('a version-1 checkpoint (written before objectives and refinement existed) loads as paper objectives and resumes', async () => {
  const c = baseline.checkpoints[0];
  const { objectives: _o, refine: _r, ...v1Config } = c.config;
  const { refine: _f, ...v1 } = c;
  const back = decodeSearchCheckpoint(encodeEnvelope('mednas-search', 1, { ...v1, history: oldHistory(c), config: v1Config }), 'old.mednas');
  assert.is(back.config.objectives, 'paper');
  assert.is(back.config.refine, null);
  assert.is(back.refine, null);
  assert.equal(withoutTimes(back), withoutTimes(c));
  // Version 1 has exactly its own fields: a version-2 config under version 1 is refused, naming the field.
  assert.throws(() => decodeSearchCheckpoint(encodeEnvelope('mednas-search', 1, { ...v1, history: oldHistory(c), config: c.config }), 'odd.mednas'), (e: unknown) => e instanceof FileFormatError && /objectives/.test((e as Error).message));
  const resumed = await run(SMALL, { resumeFrom: back });
  assert.equal(withoutTimes(resumed.result.checkpoint), withoutTimes(baseline.result.checkpoint));
});

const REFINE: RefineSettings = { candidates: 2, epochs: 1, maxImages: 64 };

test('refine 2: the first two of the final front (pick order) trained 1 epoch each, the best validation AUC chosen; resumed after the first, the same', async () => {
  // Refinement may be added to a finished search none of whose candidates was trained yet.
  const finished = baseline.checkpoints[2];
  const config: SearchConfig = { ...SMALL, refine: REFINE };
  const events: RefineProgress[] = [];
  const full = await run(config, { resumeFrom: finished, onRefine: (p) => void (p.type !== 'train' && events.push(p)) });
  const r = full.result;
  const f = r.refine!;
  const pop = lastPopulation(finished);
  const order = pickOrder(pop, 'score').map((i) => pop.members[i].record.key);
  assert.ok(order.length >= 2, `the fixture's final front has ${order.length} distinct members`);
  assert.equal(f.planned, order.slice(0, 2));
  assert.is(f.planned[0], baseline.result.chosen.record.key, "the pick rule's own choice is the first candidate");
  assert.equal(f.train, { ...presetConfig('synthetic', 'quick'), epochs: 1, seed: SMALL.seed, maxImages: 64 });
  assert.is(full.checkpoints.length, 2, 'a checkpoint after every candidate');
  assert.equal(full.checkpoints.map((c) => [c.refine!.candidates.length, c.refine!.chosen !== null, c.finished]), [[1, false, false], [2, true, true]]);
  for (const c of f.candidates) {
    assert.ok(c.valAuc >= 0 && c.valAuc <= 1 && c.valAcc >= 0 && c.valAcc <= 1 && c.epochs === 1 && c.bestEpoch === 0 && c.seconds > 0 && c.failure === null, JSON.stringify(c));
  }
  const best = f.candidates[1].valAuc > f.candidates[0].valAuc ? 1 : 0;
  assert.is(f.chosen, f.planned[best]);
  assert.is(r.chosen.record.key, f.chosen);
  assert.is(r.zeroCost.record.key, baseline.result.chosen.record.key);
  assert.equal(events.map((e) => e.type), ['start', 'candidate', 'candidate', 'chosen']);
  assert.equal(replayRefinement(r.checkpoint)!.differences, []);
  const summary = JSON.parse(searchSummaryJson(r, { checkpoint: 'c', picture: null, report: null }, 'train'));
  assert.equal([summary.chosen.key, summary.chosen.rule, summary.zeroCost.key, summary.refine.chosen], [f.chosen, 'refine', r.zeroCost.record.key, f.chosen]);
  // Resumed after the first candidate: only the second is trained, and every number is the same.
  const resumed = await run(config, { resumeFrom: decodeSearchCheckpoint(encodeSearchCheckpoint(full.checkpoints[0])) });
  assert.is(resumed.checkpoints.length, 1);
  assert.equal(withoutTimes(resumed.result.checkpoint), withoutTimes(r.checkpoint));
  // Once a candidate is trained, the refine settings belong to the search.
  const rt = await testRuntime();
  try {
    await search({ config: { ...config, refine: { ...REFINE, candidates: 3 } }, dataset, rt, resumeFrom: full.checkpoints[0] });
    assert.unreachable('changed the refinement after it began');
  } catch (e) {
    assert.instance(e, CheckpointMismatchError);
    assert.match((e as Error).message, /refine: \{"candidates":2,.* -> \{"candidates":3/);
  }
});

test('refine K beyond the front trains the whole front (each genotype once); a NaN loss is recorded and counts as the worst', async () => {
  const finished = baseline.checkpoints[2];
  const distinct = new Set(baseline.result.front.map((m) => m.record.key)).size;
  let n = 0;
  const trainer: CandidateTrainer = async ({ genotype, config }) => {
    assert.is(config.epochs, 3);
    if (++n === 1) throw new NonFiniteLossError(0, 2, NaN, 'lower the learning rate');
    const auc = (genotype.reduce((a, g, i) => a + g * (i + 1), 0) % 97) / 97;
    return { bestEpoch: 2, val: { auc, acc: 0.5 }, test: { auc: 0.5, acc: 0.5 } };
  };
  const { result } = await run({ ...SMALL, refine: { candidates: 50, epochs: 3, maxImages: null } }, { resumeFrom: finished, trainer });
  const f = result.refine!;
  assert.is(f.planned.length, distinct);
  assert.is(f.candidates.length, distinct);
  assert.match(f.candidates[0].failure ?? '', /NonFiniteLossError/);
  assert.ok(Number.isNaN(f.candidates[0].valAuc));
  const rest = f.candidates.slice(1);
  if (rest.length) assert.is(f.chosen, rest.reduce((a, b) => (b.valAuc > a.valAuc ? b : a)).key);
  else assert.is(f.chosen, f.planned[0], 'all failed: the pick rule\'s first stands');
  assert.equal(replayRefinement(result.checkpoint)!.differences, []);
  assert.equal(withoutTimes(decodeSearchCheckpoint(encodeSearchCheckpoint(result.checkpoint))), withoutTimes(result.checkpoint));
});

test.run();
