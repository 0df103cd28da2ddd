// mednas's multi-scale proxies (src/proxies/multiscale.ts) against PyTorch float64
// (scripts/golden/proxy_multiscale_torch.py on the weights, images and labels of proxies_torch.py),
// the coarse view's block means, a dead genotype, NaN weights and a batch of one image.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchFromArrays, ProxyInputError, ScoringContext, scoreNetwork } from '../../src/proxies/index.ts';
import { coarseBatch, coarseView, cosineRows, MULTISCALE_FACTORS } from '../../src/proxies/multiscale.ts';
import { fisher } from '../../src/proxies/fisher.ts';
import { buildNetwork, deadCells, PAPER_GENOTYPE } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';
import { fixedImages, setFixedWeights, type GoldenNetworkCase } from './fixed-weights.ts';
import { GOLDEN_TOLERANCE, withinGoldenTolerance } from './tolerances.ts';

const rt = await testRuntime();

interface GoldenCase extends GoldenNetworkCase {
  multiLabel: boolean;
  labels: number[];
  values: { ms_fisher: number; ms_consistency: number };
}

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'proxy-multiscale-golden.json'), 'utf8')) as {
  factors: number[];
  cases: GoldenCase[];
};

// Tolerances: ms_fisher's and ms_consistency's entries of test/proxies/tolerances.ts (why there).

function goldenBatch(c: GoldenCase) {
  const labels = c.multiLabel ? Float32Array.from(c.labels) : Int32Array.from(c.labels);
  return batchFromArrays(fixedImages(c.seed, c.batch, c.inChannels), [c.batch, c.inChannels, 28, 28], labels, {
    numClasses: c.numClasses, multiLabel: c.multiLabel,
  });
}

test('the fixture was made with the same block sizes', () => {
  assert.equal(fixture.factors, [...MULTISCALE_FACTORS]);
});

for (const c of fixture.cases) {
  test(`golden ${c.name}: ms_fisher and ms_consistency within their f32 tolerances of PyTorch float64`, async () => {
    const net = buildNetwork(c.genotype, { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: c.initChannels }, { rt });
    setFixedWeights(net, c.seed);
    const score = await scoreNetwork(net, ['ms_fisher', 'ms_consistency'], goldenBatch(c));
    for (const name of ['ms_fisher', 'ms_consistency'] as const) {
      const expected = c.values[name];
      const actual = score.values[name];
      assert.ok(withinGoldenTolerance(name, actual, expected), `${c.name} ${name}: ${actual}, PyTorch float64 ${expected} (atol ${GOLDEN_TOLERANCE[name].atol})`);
    }
    assert.equal(score.reasons, {});
    net.dispose();
  });
}

test('the coarse view: block means put back at full size; edge blocks average what they hold', () => {
  // One 3 x 3 plane, s = 2: blocks {0,1,3,4}, {2,5}, {6,7}, {8}.
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(Array.from(coarseView(x, [1, 1, 3, 3], 2)), [3, 3, 4.5, 3, 3, 4.5, 7.5, 7.5, 9]);
  assert.equal(Array.from(coarseView(x, [1, 1, 3, 3], 1)), Array.from(x));
  // Two planes stay apart.
  const two = Float32Array.from([1, 1, 1, 1, 5, 7, 9, 11]);
  assert.equal(Array.from(coarseView(two, [2, 1, 2, 2], 2)), [1, 1, 1, 1, 8, 8, 8, 8]);
  const b = batchFromArrays(two, [2, 1, 2, 2], Int32Array.from([0, 1]), { numClasses: 2 });
  const coarse = coarseBatch(b, 2);
  assert.is(coarse.id, `${b.id}/coarse2`, 'another id: a score cache never mixes the views');
  assert.equal(Array.from(b.images), [1, 1, 1, 1, 5, 7, 9, 11], 'the batch is not changed');
  const cos = cosineRows(Float32Array.from([1, 0, 0, 0]), Float32Array.from([2, 0, 0, 3]), 2, 2);
  assert.is(cos[0], 1);
  assert.ok(Number.isNaN(cos[1]), 'a zero row has no cosine');
});

const config = { inChannels: 1, numClasses: 4, initChannels: 8 };
const batch = batchFromArrays(fixedImages(7, 8, 1), [8, 1, 28, 28], Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), { numClasses: 4 });

test('ms_fisher is the mean of ln fisher over the coarse views, computed by the fisher proxy itself', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const score = await scoreNetwork(net, ['ms_fisher'], batch);
  let total = 0;
  for (const s of MULTISCALE_FACTORS) total += Math.log((await fisher.run(new ScoringContext(net, coarseBatch(batch, s)))).value);
  assert.ok(Math.abs(score.values.ms_fisher - total / MULTISCALE_FACTORS.length) < 1e-12);
  net.dispose();
});

// Block 1's nodes are all zero ops: the first normal cell outputs zeros.
const DEAD = [0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 1, 2, 3, ...PAPER_GENOTYPE.slice(14)];

test('a dead genotype: ms_fisher its worst value (+Infinity), ms_consistency NaN, each with a reason, no GPU work', async () => {
  assert.equal(deadCells(DEAD), [0]);
  const net = buildNetwork(DEAD, config, { rt, seed: 1 });
  const dispatches = rt.scheduler.stats.dispatches;
  const score = await scoreNetwork(net, ['ms_fisher', 'ms_consistency'], batch);
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  assert.is(score.values.ms_fisher, Infinity);
  assert.ok(Number.isNaN(score.values.ms_consistency));
  for (const n of ['ms_fisher', 'ms_consistency']) assert.match(score.reasons[n], /dead genotype/);
  net.dispose();
});

test('NaN weights give NaN with a reason, not an exception', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const w = net.stem.parameters()[0];
  rt.scheduler.write(w.buffer, 0, new Float32Array(w.size).fill(NaN));
  const score = await scoreNetwork(net, ['ms_fisher', 'ms_consistency'], batch);
  for (const name of ['ms_fisher', 'ms_consistency']) {
    assert.ok(Number.isNaN(score.values[name]), `${name} = ${score.values[name]}`);
    assert.ok(score.reasons[name].length > 0, name);
  }
  net.dispose();
});

test('a batch of one image is refused before any GPU work', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const one = batchFromArrays(batch.images.slice(0, 28 * 28), [1, 1, 28, 28], Int32Array.from([0]), { numClasses: 4 });
  const dispatches = rt.scheduler.stats.dispatches;
  for (const name of ['ms_fisher', 'ms_consistency']) {
    try {
      await scoreNetwork(net, [name], one);
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, ProxyInputError);
      assert.match((e as Error).message, new RegExp(`${name} needs a proxy batch of at least 2 images, got 1`));
    }
  }
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  net.dispose();
});

test.run();
