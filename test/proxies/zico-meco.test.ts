// zico and meco against PyTorch float64 (scripts/golden/proxy_zico_meco_torch.py: the authors'
// definitions on mstf_torch.py's network, the weights, images and labels of proxies_torch.py, see
// fixed-weights.ts), their closed forms on small inputs, a dead genotype, NaN weights, and a batch of
// one image.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tensor } from '../../src/tensor/create.ts';
import { batchFromArrays, getProxy, ProxyBatchTooLargeError, ProxyInputError, ScoringContext, scoreNetwork, tapeBytesPerImage } from '../../src/proxies/index.ts';
import { mecoTerms, minCorrelationEigenvalue } from '../../src/proxies/meco.ts';
import { zicoFromLayerSums, zicoLayerSum, zicoParts } from '../../src/proxies/zico.ts';
import { buildNetwork, deadCells, PAPER_GENOTYPE } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';
import { fixedImages, setFixedWeights, type GoldenNetworkCase } from './fixed-weights.ts';
import { GOLDEN_TOLERANCE } from './tolerances.ts';

const rt = await testRuntime();

interface GoldenCase extends GoldenNetworkCase {
  multiLabel: boolean;
  labels: number[];
  values: { zico: number; meco: number };
  zicoLayers: number;
  mecoCalls: number;
}

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'proxy-zico-meco-golden.json'), 'utf8')) as {
  format: string;
  zicoSplits: number;
  cases: GoldenCase[];
};

// Tolerances, absolute on the scores, and why each: test/proxies/tolerances.ts.
const TOLERANCE = { zico: GOLDEN_TOLERANCE.zico.atol, meco: GOLDEN_TOLERANCE.meco.atol };

function goldenBatch(c: GoldenCase) {
  const labels = c.multiLabel ? Float32Array.from(c.labels) : Int32Array.from(c.labels);
  return batchFromArrays(fixedImages(c.seed, c.batch, c.inChannels), [c.batch, c.inChannels, 28, 28], labels, {
    numClasses: c.numClasses, multiLabel: c.multiLabel,
  });
}

for (const c of fixture.cases) {
  test(`golden ${c.name}: zico and meco within their f32 tolerances of PyTorch float64`, async () => {
    assert.is(fixture.zicoSplits, 2);
    assert.equal(deadCells(c.genotype), [], 'a live genotype');
    const net = buildNetwork(c.genotype, { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: c.initChannels }, { rt });
    setFixedWeights(net, c.seed);
    const batch = goldenBatch(c);
    const score = await scoreNetwork(net, ['zico', 'meco'], batch);
    for (const name of ['zico', 'meco'] as const) {
      const expected = c.values[name];
      const actual = score.values[name];
      assert.ok(Math.abs(actual - expected) <= TOLERANCE[name], `${c.name} ${name}: ${actual}, PyTorch float64 ${expected} (atol ${TOLERANCE[name]})`);
    }
    assert.equal(score.reasons, {});
    // The same module calls as the reference's hooks (every module, the network included).
    const terms = await mecoTerms(new ScoringContext(net, batch));
    assert.is(terms.reduce((s, t) => s + t.calls, 0), c.mecoCalls, 'one term per hooked module call');
    net.dispose();
  });
}

test('zico closed forms: the parts, one layer sum on the GPU, the host sum', async () => {
  assert.equal(zicoParts(16), [[0, 8], [8, 16]]);
  assert.equal(zicoParts(9), [[0, 4], [4, 9]], "floor division, as the reference's sp * N // 2");
  // Entries: equal (std 0: left out), (2, -2): 4 / 4 = 1, (3, 1): 4 / 2 = 2, (0, 0): left out, (0, -0.5): 1.
  const g1 = tensor(Float32Array.from([1, 2, 3, 0, 0]), [5], rt);
  const g2 = tensor(Float32Array.from([1, -2, 1, 0, -0.5]), [5], rt);
  const s = zicoLayerSum(g1, g2);
  assert.equal(Array.from(await s.data()), [4]);
  const withNaN = tensor(Float32Array.from([1, NaN, 3, 0, 0]), [5], rt);
  const n = zicoLayerSum(withNaN, g2);
  assert.ok(Number.isNaN((await n.data())[0]), 'NaN stays NaN, as numpy keeps NaN std entries');
  for (const t of [g1, g2, s, withNaN, n]) t.dispose();
  assert.equal(zicoFromLayerSums([Math.E, 0, Math.E ** 2]), { value: 3 }, 'layers with a zero sum are skipped');
  const bad = zicoFromLayerSums([1, NaN]);
  assert.ok(Number.isNaN(bad.value) && /NaN or infinity/.test(bad.reason!));
});

test('meco closed forms: the smallest eigenvalue of a correlation from a Gram matrix', () => {
  // Two channels with correlation r: eigenvalues 1 +- r. G = [[4, 2 r], [2 r, 1]] (variances 4 and 1).
  const r = 0.6;
  assert.ok(Math.abs(minCorrelationEigenvalue([4, 2 * r, 2 * r, 1], 2) - (1 - r)) < 1e-15);
  // A constant channel: its row and column are 0 (the reference's NaN -> 0), so 0 is an eigenvalue.
  assert.is(minCorrelationEigenvalue([4, 0, 0, 0], 2), 0);
  // One channel: the 1 x 1 matrix [1].
  assert.is(minCorrelationEigenvalue([2.5], 1), 1);
  // Clipped to [-1, 1]: perfectly correlated channels whose f32 Gram rounds past 1.
  assert.ok(Math.abs(minCorrelationEigenvalue([1, 1.0000001, 1.0000001, 1], 2)) < 1e-15);
  assert.ok(Number.isNaN(minCorrelationEigenvalue([1, NaN, NaN, 1], 2)));
});

// Block 1's nodes are all zero ops: the first normal cell outputs zeros.
const DEAD = [0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 1, 2, 3, ...PAPER_GENOTYPE.slice(14)];
const config = { inChannels: 1, numClasses: 4, initChannels: 8 };
const batch = batchFromArrays(fixedImages(7, 8, 1), [8, 1, 28, 28], Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), { numClasses: 4 });

test('a dead genotype gets the documented values without running; run anyway, zico is exactly that and meco only the live layers', async () => {
  assert.equal(deadCells(DEAD), [0]);
  const net = buildNetwork(DEAD, config, { rt, seed: 1 });
  const dispatches = rt.scheduler.stats.dispatches;
  const score = await scoreNetwork(net, ['zico', 'meco'], batch);
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  assert.equal(score.values, { zico: 0, meco: 0 });
  for (const n of ['zico', 'meco']) assert.match(score.reasons[n], /dead genotype/);
  const ctx = new ScoringContext(net, batch);
  assert.equal(await getProxy('zico').run(ctx), { value: 0 }, 'every gradient is 0 in both halves: every layer is skipped');
  // meco run: the stem's maps and the dead cell's zero maps; everything after sees zeros (terms 0).
  const terms = await mecoTerms(ctx);
  const run = await getProxy('meco').run(ctx);
  assert.ok(run.value > 0, `meco run on a dead network: ${run.value} (> 0, its documented value ranks it last)`);
  const live = terms.filter((t) => t.minEigenvalue > 0);
  assert.ok(live.every((t) => t.shape[1] === 8), 'only maps before the first reduction (8 channels) add anything');
  net.dispose();
});

test('NaN weights give NaN with a reason, not an exception', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const w = net.stem.parameters()[0];
  rt.scheduler.write(w.buffer, 0, new Float32Array(w.size).fill(NaN));
  const score = await scoreNetwork(net, ['zico', 'meco'], batch);
  for (const name of ['zico', 'meco']) {
    assert.ok(Number.isNaN(score.values[name]), `${name} = ${score.values[name]}`);
    assert.match(score.reasons[name], /NaN or infinity/, name);
  }
  net.dispose();
});

test('a batch of one image: zico refuses it before any GPU work; meco scores it, the same as any batch with that first image', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const one = batchFromArrays(batch.images.slice(0, 28 * 28), [1, 1, 28, 28], Int32Array.from([0]), { numClasses: 4 });
  const dispatches = rt.scheduler.stats.dispatches;
  try {
    await scoreNetwork(net, ['zico'], one);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, ProxyInputError);
    assert.match((e as Error).message, /zico needs a proxy batch of at least 2 images, got 1/);
  }
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  const single = await scoreNetwork(net, ['meco'], one);
  const whole = await scoreNetwork(net, ['meco'], batch);
  assert.ok(Number.isFinite(single.values.meco) && single.values.meco > 0);
  assert.ok(Object.is(single.values.meco, whole.values.meco), `meco reads the first image only: ${single.values.meco} vs ${whole.values.meco}`);
  net.dispose();
});

test('zico refuses a batch whose halves do not fit the memory budget, naming the N that fits, before any GPU work', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const perImage = tapeBytesPerImage(net);
  const dispatches = rt.scheduler.stats.dispatches;
  try {
    await scoreNetwork(net, ['zico'], batch, { memoryBudgetBytes: 3 * perImage });
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, ProxyBatchTooLargeError);
    assert.is((e as ProxyBatchTooLargeError).fits, 6, 'halves of 3 fit');
    assert.match((e as Error).message, /^zico needs each half of the proxy batch \(4 of 8 images\) .*--proxy-batch 6/);
  }
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  net.dispose();
});

test.run();
