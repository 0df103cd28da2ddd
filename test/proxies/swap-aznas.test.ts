// SWAP and AZ-NAS's proxies against PyTorch float64 (scripts/golden/proxy_swap_aznas_torch.py, the
// authors' definitions on mstf_torch.py's network, same weights and images from the shared hash, and
// the same random backward for trainability), plus the host maths (pattern counting, spectra, rank
// aggregation), dead genotypes, NaN weights, a batch of one, and the buffer pool.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchFromArrays, ProxyInputError, ScoringContext, scoreNetwork } from '../../src/proxies/index.ts';
import { getProxy } from '../../src/proxies/registry.ts';
import { azMapEntropies, expressivityOf, progressivityOf, spectralEntropy } from '../../src/proxies/az-nas.ts';
import { azRandomBackward, largestSingularValue, trainabilityTerm } from '../../src/proxies/az-trainability.ts';
import { hashRademacher, hashUniform as srcHashUniform } from '../../src/proxies/hash-random.ts';
import { AZ_NAS_DIRECTIONS, directedRanks, azNasScores, rankAggregate } from '../../src/proxies/rank-aggregation.ts';
import { countDistinctPatterns, swapRegularFactor, swapRegulariser } from '../../src/proxies/swap.ts';
import { architectureCost, buildNetwork, deadCells, PAPER_GENOTYPE } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';
import { fixedImages, hashUniform, setFixedWeights, type GoldenNetworkCase } from './fixed-weights.ts';

const rt = await testRuntime();

interface GoldenCase extends GoldenNetworkCase {
  params: number;
  swapPositions: number;
  swapNearZero: Record<string, number>;
  swapMu: number;
  swapSigma: number;
  trainabilityFlipSensitivity: number;
  values: {
    swap_plain: number;
    swapRegularised: number;
    entropies: number[];
    az_expressivity: number;
    az_progressivity: number;
    az_trainability: number;
    pairSigmas: number[];
  };
}

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'proxy-swap-aznas-golden.json'), 'utf8')) as {
  azSeed: number;
  azStream: number;
  cases: GoldenCase[];
  rankAggregation: { columns: Record<string, (number | string | null)[]>; expected: number[] };
};

const NAMES = ['swap_plain', 'swap', 'az_expressivity', 'az_progressivity', 'az_trainability'];

function goldenBatch(c: GoldenCase) {
  return batchFromArrays(fixedImages(c.seed, c.batch, c.inChannels), [c.batch, c.inChannels, 28, 28], Int32Array.from({ length: c.batch }, (_, i) => i % c.numClasses), {
    numClasses: c.numClasses,
  });
}

// Tolerances, |ours - float64| <= tol; the worst error measured on lavapipe in brackets.
// - swap_plain is a count: exact, except that an activation whose input lies within f32 rounding of 0
//   can take the other sign, and each such flip moves the count by at most 1 (a row joins or leaves
//   a group of equal rows). The golden counts the ReLU inputs within 1e-5 of their layer's RMS of 0
//   (3 to 15 per case; within 1e-6: 0 to 4) and the test allows that many [0: every case exact].
// - entropies: the covariance sums are f32 (relative ~1e-6). Every map is rank-deficient in exact
//   arithmetic (a block's output is the fuse's 1x1 conv c -> 2c, rank <= c; the stem's has rank
//   <= 9 x in-channels), and f32 leaves those zero eigenvalues at ~1e-7 of the trace instead of
//   ~1e-17, each adding up to -p ln(p + 1e-8) ~ 1.6e-6: atol 5e-6 per map [9.9e-7], 2e-5 for
//   expressivity (4 maps) [2.7e-6], 1e-5 for progressivity (a difference) [9.8e-7].
// - trainability: M from f32 gradients (relative ~1e-6), and the term's slope 1/s^2 - 1 is at most
//   13 here (smallest sigma 0.28): 1e-5 [2.7e-7 where f32 kept every sign]. But its backward
//   reads the ReLU masks: an activation within f32 rounding of 0 that takes the other sign reroutes
//   the gradient, a jump rather than a rounding error (PyTorch's own float32 shows it: on
//   paper-c16-n8 it differs from float64 by 1.64e-4, as mednas does, 1.65e-4). The golden flips each
//   ReLU input within 1e-6 of its layer's RMS of 0 in turn and sums how far trainability moves
//   (0 to 1.9e-4 per case); the test adds that to 1e-5.
const TOL = { entropy: 5e-6, expressivity: 2e-5, progressivity: 1e-5, trainability: 1e-5 };
const worst: Record<string, number> = { swap: 0, entropy: 0, expressivity: 0, progressivity: 0, trainability: 0, 'trainability where smooth': 0 };

for (const c of fixture.cases) {
  test(`golden ${c.name}: swap, az_expressivity, az_progressivity, az_trainability against PyTorch float64`, async () => {
    const config = { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: c.initChannels };
    const net = buildNetwork(c.genotype, config, { rt });
    assert.equal(deadCells(c.genotype), []);
    assert.is(net.parameterCount(), c.params);
    setFixedWeights(net, c.seed);
    const batch = goldenBatch(c);
    const score = await scoreNetwork(net, NAMES, batch);
    assert.equal(score.reasons, {}, 'no value is a substitute');

    const v = c.values;
    const countError = Math.abs(score.values.swap_plain - v.swap_plain);
    worst.swap = Math.max(worst.swap, countError);
    assert.ok(Number.isInteger(score.values.swap_plain), 'a count');
    assert.ok(countError <= c.swapNearZero['1e-05'], `${c.name} swap_plain ${score.values.swap_plain}, float64 ${v.swap_plain} (near-zero activations: ${c.swapNearZero['1e-05']})`);
    assert.ok(v.swap_plain <= Math.min(c.swapPositions, 2 ** c.batch));
    // The regulariser: the reference's formula on the golden's mu and sigma, and mednas's swap = count x factor.
    const factor = swapRegularFactor(c.params, { mu: c.swapMu, sigma: c.swapSigma });
    assert.ok(Math.abs(v.swap_plain * factor - v.swapRegularised) <= 1e-12 * v.swapRegularised, 'cal_regular_factor');
    const own = swapRegulariser(config, 3);
    assert.is(score.values.swap, score.values.swap_plain * swapRegularFactor(architectureCost(c.genotype, config).params, own));

    const check = (key: 'expressivity' | 'progressivity' | 'trainability', actual: number, expected: number, slack = 0): void => {
      const e = Math.abs(actual - expected);
      worst[key] = Math.max(worst[key], e);
      assert.ok(e <= TOL[key] + slack, `${c.name} az_${key}: ${actual}, float64 ${expected} (atol ${TOL[key]} + ${slack})`);
    };
    check('expressivity', score.values.az_expressivity, v.az_expressivity);
    check('progressivity', score.values.az_progressivity, v.az_progressivity);
    check('trainability', score.values.az_trainability, v.az_trainability, c.trainabilityFlipSensitivity);
    if (c.trainabilityFlipSensitivity === 0) {
      worst['trainability where smooth'] = Math.max(worst['trainability where smooth'], Math.abs(score.values.az_trainability - v.az_trainability));
    }

    const ctx = new ScoringContext(net, batch);
    const { entropies, reason } = await azMapEntropies(ctx, 'az_expressivity');
    assert.is(reason, undefined);
    assert.is(entropies.length, 4, 'the stem and three blocks');
    entropies.forEach((e, l) => {
      const err = Math.abs(e - v.entropies[l]);
      worst.entropy = Math.max(worst.entropy, err);
      assert.ok(err <= TOL.entropy, `${c.name} map ${l}: E ${e}, float64 ${v.entropies[l]}`);
    });
    assert.is(expressivityOf(entropies), score.values.az_expressivity);
    assert.is(progressivityOf(entropies), score.values.az_progressivity);
    net.dispose();
  });
}

test('MEASURED: the worst errors against float64 (printed for the docs)', () => {
  console.log(`    worst |error|: ${Object.entries(worst).map(([k, e]) => `${k} ${e.toExponential(2)}`).join(', ')}`);
});

test("the random backward: src's hash is the golden's and the fixed weights' (same values, +-1 where u < 1/2)", () => {
  for (const [seed, stream, n] of [[0, 2_000_000, 1000], [7, 3, 257]] as const) {
    assert.equal(srcHashUniform(seed, stream, n), hashUniform(seed, stream, n));
    const signs = hashRademacher(seed, stream, n);
    const u = hashUniform(seed, stream, n);
    signs.forEach((s, i) => assert.is(s, u[i] < 0.5 ? 1 : -1));
  }
  assert.equal(azRandomBackward(2, 64), hashRademacher(fixture.azSeed, fixture.azStream + 2, 64), "the golden's seed and stream");
  const many = azRandomBackward(0, 100_000);
  const plus = many.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
  assert.ok(Math.abs(plus / many.length - 0.5) < 0.01, `balanced signs (${plus})`);
});

test('countDistinctPatterns: equal rows count once, within and across ReLUs, with two words per pattern', () => {
  // Block A: 3 positions x 2 words (stored [K, P]); block B: 2 positions. Patterns (w0, w1):
  // A: (1, 5), (2, 5), (1, 5); B: (2, 5), (2, 6) -> distinct: (1,5), (2,5), (2,6) = 3.
  const words = Float32Array.from([1, 2, 1, 5, 5, 5, 2, 2, 5, 6]);
  assert.is(countDistinctPatterns(words, [{ offset: 0, positions: 3 }, { offset: 6, positions: 2 }], 2), 3);
  assert.is(countDistinctPatterns(words, [{ offset: 0, positions: 3 }], 2), 2);
  // One word: values up to 2^24 - 1, all different.
  const big = Float32Array.from({ length: 5000 }, (_, i) => (i * 3347) % 16777216);
  assert.is(countDistinctPatterns(big, [{ offset: 0, positions: 5000 }], 1), 5000);
  assert.is(countDistinctPatterns(new Float32Array(0), [], 3), 0);
});

test('spectra and singular values on known cases', () => {
  assert.ok(Math.abs(spectralEntropy([1, 1, 1, 1]) - -Math.log(0.25 + 1e-8)) < 1e-15, 'uniform spectrum: ~ln 4');
  assert.ok(Math.abs(spectralEntropy([2, 0, -1e-9]) - -Math.log(1 + 1e-8)) < 1e-15, 'rank one: ~0, negatives as 0');
  assert.ok(Number.isNaN(spectralEntropy([0, 0])), 'a zero covariance is undefined (0 / 0)');
  assert.is(progressivityOf([1, 3, 2.5, 4]), -0.5);
  assert.is(expressivityOf([1, 3, 2.5, 4]), 10.5);
  // [[3, 0], [4, 0], [0, 1]]: singular values 5 and 1; its transpose the same.
  assert.ok(Math.abs(largestSingularValue([3, 0, 4, 0, 0, 1], 3, 2) - 5) < 1e-12);
  assert.ok(Math.abs(largestSingularValue([3, 4, 0, 0, 0, 1], 2, 3) - 5) < 1e-12);
  assert.ok(Math.abs(trainabilityTerm(1) - (1 - 1 / (1 + 1e-6))) < 1e-15, 'about 0 at sigma = 1');
  assert.is(trainabilityTerm(0), 2 - 1e6);
});

test("rank aggregation: AZ-NAS's sum of ln(rank / m) as the reference computes it (scipy's rankdata), ties averaged, NaN worst", () => {
  const parse = (v: number | string | null): number => (v === null ? NaN : typeof v === 'string' ? Number(v) : v);
  const columns = Object.fromEntries(Object.entries(fixture.rankAggregation.columns).map(([k, vs]) => [k, vs.map(parse)]));
  const ours = rankAggregate(columns, AZ_NAS_DIRECTIONS);
  ours.forEach((s, i) => assert.ok(Math.abs(s - fixture.rankAggregation.expected[i]) < 1e-12, `${i}: ${s} vs ${fixture.rankAggregation.expected[i]}`));
  assert.equal(azNasScores(columns as Parameters<typeof azNasScores>[0]), ours);
  // By hand: values [3, 1, 2, 2, NaN] ascending -> ranks [5, 2, 3.5, 3.5, 1]; lower-is-better flips them.
  assert.equal([...directedRanks([3, 1, 2, 2, NaN], true)], [5, 2, 3.5, 3.5, 1]);
  assert.equal([...directedRanks([3, 1, 2, 2, NaN], false)], [2, 5, 3.5, 3.5, 1]);
  assert.equal([...directedRanks([NaN, -Infinity, 0], true)], [1.5, 1.5, 3], 'NaN ties with -Infinity');
  const hand = rankAggregate({ a: [3, 1, 2], b: [10, 30, 20] }, { a: true, b: false });
  // a: ranks [3, 1, 2]; b (lower better): [3, 1, 2] -> 2 ln(r / 3).
  hand.forEach((s, i) => assert.ok(Math.abs(s - 2 * Math.log([3, 1, 2][i] / 3)) < 1e-15));
  assert.equal(rankAggregate({ a: [] }, { a: true }), []);
  assert.throws(() => rankAggregate({ a: [1, 2], b: [1] }, { a: true, b: true }), /'b' has 1 values/);
  assert.throws(() => rankAggregate({ a: [1] }, {}), /no direction for column 'a'/);
});

test("swap's regulariser: mu and sigma from the space at the configuration, deterministic; the paper genotype near the centre at C = 16", () => {
  const config = { inChannels: 1, numClasses: 2, initChannels: 16 };
  const reg = swapRegulariser(config, 3);
  assert.equal(swapRegulariser({ ...config }, 3), reg, 'cached, the same values');
  assert.ok(reg.mu > 80 && reg.mu < 120, `median params at C = 16 ~ 100k: ${reg.mu}`);
  assert.ok(Math.sqrt(reg.sigma / 2) > 30 && Math.sqrt(reg.sigma / 2) < 55, `spread ~ 42k: ${Math.sqrt(reg.sigma / 2)}`);
  const paper = architectureCost('paper', config).params;
  assert.ok(swapRegularFactor(paper, reg) > 0.95, 'the paper genotype is a typical size');
  assert.is(swapRegularFactor(reg.mu * 1e3, reg), 1);
  const big = swapRegulariser({ ...config, initChannels: 32 }, 3);
  assert.ok(big.mu > 3 * reg.mu, 'another C, another centre');
});

// Block 1's nodes are all zero ops: its normal cell outputs zeros (as test/proxies/scoring.test.ts).
const DEAD = [0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 1, 2, 3, ...PAPER_GENOTYPE.slice(14)];
const smallBatch = (n: number, channels = 1) =>
  batchFromArrays(fixedImages(9, n, channels), [n, channels, 28, 28], Int32Array.from({ length: n }, (_, i) => i % 2), { numClasses: 2 });

test('a dead genotype gets the documented values without GPU work (swap 0, AZ-NAS -Infinity), each with its reason', async () => {
  const net = buildNetwork(DEAD, { inChannels: 1, numClasses: 2, initChannels: 8 }, { rt, seed: 1 });
  const dispatches = rt.scheduler.stats.dispatches;
  const score = await scoreNetwork(net, NAMES, smallBatch(4));
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  assert.is(score.values.swap_plain, 0);
  assert.is(score.values.swap, 0);
  for (const n of ['az_expressivity', 'az_progressivity', 'az_trainability']) assert.is(score.values[n], -Infinity, n);
  for (const n of NAMES) assert.match(score.reasons[n], /^dead genotype/, n);
  // Run anyway: the maps after the dead cell are zero, so the spectra are undefined (NaN, the
  // reference's -inf); SWAP still counts the first block's patterns (> 0: why 0 is a substitute).
  const ctx = new ScoringContext(net, smallBatch(4));
  const expr = await getProxy('az_expressivity').run(ctx);
  assert.ok(Number.isNaN(expr.value) && /zero covariance/.test(expr.reason ?? ''), `${expr.value} ${expr.reason}`);
  const count = await getProxy('swap_plain').run(ctx);
  assert.ok(count.value > 0, `swap_plain run on it: ${count.value}`);
  const train = await getProxy('az_trainability').run(ctx);
  assert.ok(train.value < -1e5, `the dead pair's 2 - 1e6 dominates when run: ${train.value}`);
  net.dispose();
});

test('NaN weights give NaN with a reason, never an exception', async () => {
  const net = buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: 8 }, { rt, seed: 1 });
  const w = net.stem.parameters()[0];
  rt.scheduler.write(w.buffer, 0, new Float32Array(w.size).fill(NaN));
  const score = await scoreNetwork(net, NAMES, smallBatch(4));
  for (const n of NAMES) {
    assert.ok(Number.isNaN(score.values[n]), `${n} = ${score.values[n]}`);
    assert.match(score.reasons[n], /NaN|non-finite/, n);
  }
  net.dispose();
});

test('a batch of one image is refused before any GPU work (train-mode BatchNorm and a pattern over samples need 2)', async () => {
  const net = buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: 8 }, { rt, seed: 1 });
  const dispatches = rt.scheduler.stats.dispatches;
  for (const n of NAMES) {
    assert.is(getProxy(n).minBatch, 2);
    try {
      await scoreNetwork(net, [n], smallBatch(1));
      assert.unreachable(`${n} accepted one image`);
    } catch (e) {
      assert.instance(e, ProxyInputError);
      assert.match((e as Error).message, new RegExp(`${n} needs a proxy batch of at least 2 images, got 1`));
    }
  }
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  net.dispose();
});

test('scoring returns every buffer to the pool, leaves the network as it was, and repeats bit for bit', async () => {
  const net = buildNetwork(PAPER_GENOTYPE, { inChannels: 3, numClasses: 2, initChannels: 8 }, { rt, seed: 4 });
  const before = await net.classifier.weight.data();
  const batch = smallBatch(6, 3);
  const pool = { bytes: rt.pool.counters.inUseBytes, count: rt.pool.counters.inUseCount };
  const a = await scoreNetwork(net, NAMES, batch);
  assert.equal({ bytes: rt.pool.counters.inUseBytes, count: rt.pool.counters.inUseCount }, pool);
  const b = await scoreNetwork(net, [...NAMES].reverse(), batch);
  for (const n of NAMES) assert.ok(Object.is(a.values[n], b.values[n]), `${n}: ${a.values[n]} vs ${b.values[n]}`);
  assert.equal(await net.classifier.weight.data(), before);
  assert.ok(net.training, 'modes unchanged');
  net.dispose();
});

test.run();
