// naswot and zen against PyTorch float64 (scripts/golden/proxy_naswot_zen_torch.py, on mstf_torch.py's
// network with the weights and images of fixed-weights.ts), and their edge cases: dead genotypes,
// NaN weights, a batch of one, duplicate images, the host log-determinant on known matrices.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchFromArrays, ProxyInputError, ScoringContext, scoreNetwork } from '../../src/proxies/index.ts';
import { naswot, naswotKernel, naswotLogDet } from '../../src/proxies/naswot.ts';
import { zen, ZEN_NOISE_SEED, ZEN_NOISE_STREAM, zenNoise } from '../../src/proxies/zen.ts';
import { buildNetwork, deadCells } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';
import { fixedImages, setFixedWeights, type GoldenNetworkCase } from './fixed-weights.ts';
import { GOLDEN_TOLERANCE } from './tolerances.ts';

const rt = await testRuntime();

interface Case extends GoldenNetworkCase {
  /** null where float64 gives -Infinity (JSON has none). */
  values: { naswot: number | null; zen: number | null };
  naswot: { units: number; layers: number };
}

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'proxy-naswot-zen-golden.json'), 'utf8')) as {
  format: string;
  zenNoise: { seed: number; stream: number; first: number[] };
  cases: Case[];
};

function setup(c: Case): { net: ReturnType<typeof buildNetwork>; batch: ReturnType<typeof batchFromArrays> } {
  const net = buildNetwork(c.genotype, { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: c.initChannels }, { rt });
  setFixedWeights(net, c.seed);
  const labels = Int32Array.from({ length: c.batch }, (_, i) => i % c.numClasses);
  const batch = batchFromArrays(fixedImages(c.seed, c.batch, c.inChannels), [c.batch, c.inChannels, 28, 28], labels, { numClasses: c.numClasses });
  return { net, batch };
}

// Tolerances, absolute on the scores, and why each: test/proxies/tolerances.ts.
const TOLERANCE = { naswot: GOLDEN_TOLERANCE.naswot.atol, zen: GOLDEN_TOLERANCE.zen.atol };

test('zenNoise is the golden script\'s Gaussian noise', () => {
  assert.is(fixture.zenNoise.seed, ZEN_NOISE_SEED);
  assert.is(fixture.zenNoise.stream, ZEN_NOISE_STREAM);
  const ours = zenNoise(4);
  fixture.zenNoise.first.forEach((v, i) => assert.ok(Math.abs(ours[i] - v) <= 1e-15 * Math.max(1, Math.abs(v)), `eps[${i}] ${ours[i]} vs ${v}`));
  // Standard Gaussian moments over many draws.
  const z = zenNoise(200_000);
  const m = z.reduce((s, v) => s + v, 0) / z.length;
  const v2 = z.reduce((s, v) => s + (v - m) ** 2, 0) / z.length;
  assert.ok(Math.abs(m) < 0.01 && Math.abs(v2 - 1) < 0.01, `mean ${m}, variance ${v2}`);
});

for (const c of fixture.cases.filter((c) => deadCells(c.genotype).length === 0)) {
  test(`golden ${c.name}: naswot and zen within their f32 tolerance of PyTorch float64`, async () => {
    const { net, batch } = setup(c);
    const score = await scoreNetwork(net, ['naswot', 'zen'], batch);
    for (const name of ['naswot', 'zen'] as const) {
      const expected = c.values[name]!;
      const actual = score.values[name];
      assert.ok(Math.abs(actual - expected) <= TOLERANCE[name], `${c.name} ${name}: ${actual}, PyTorch float64 ${expected} (atol ${TOLERANCE[name]})`);
    }
    assert.equal(score.reasons, {});
    net.dispose();
  });
}

test('dead genotypes: -Infinity without running the network; run anyway, zen gives exactly that, naswot what the reference gives', async () => {
  for (const c of fixture.cases.filter((c) => deadCells(c.genotype).length > 0)) {
    const { net, batch } = setup(c);
    const dispatches = rt.scheduler.stats.dispatches;
    const score = await scoreNetwork(net, ['naswot', 'zen'], batch);
    assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
    for (const n of ['naswot', 'zen']) {
      assert.is(score.values[n], -Infinity, `${c.name} ${n}`);
      assert.match(score.reasons[n], /dead genotype/);
    }
    const ctx = new ScoringContext(net, batch);
    const z = await zen.run(ctx);
    assert.is(z.value, -Infinity, `${c.name}: zen run on the dead network: ${z.value}`);
    assert.is(c.values.zen, null, 'float64: -Infinity too');
    const w = await naswot.run(ctx);
    if (c.values.naswot === null) {
      // Block 1 dead: no ReLU before the dead cell, every code is the same: K singular in both.
      assert.is(w.value, -Infinity, `${c.name}: naswot run ${w.value}`);
      assert.match(w.reason!, /same code at every ReLU/);
    } else {
      // A later block dead: the earlier ReLUs still see the images, and the reference's value is finite.
      assert.ok(Math.abs(w.value - c.values.naswot) <= TOLERANCE.naswot, `${c.name}: naswot run ${w.value} vs float64 ${c.values.naswot}`);
    }
    ctx.release();
    net.dispose();
  }
});

test('NaN weights give NaN with a reason, not an exception; scoring leaves the network and the pool as they were', async () => {
  const c = fixture.cases[0];
  const { net, batch } = setup({ ...c, initChannels: 4 });
  const before = await Promise.all(net.stateEntries().map(([, t]) => t.data()));
  const pool = rt.pool.counters.inUseBytes;
  const fine = await scoreNetwork(net, ['naswot', 'zen'], batch);
  assert.ok(Number.isFinite(fine.values.naswot) && Number.isFinite(fine.values.zen));
  assert.is(rt.pool.counters.inUseBytes, pool, 'every buffer went back to the pool');
  const after = await Promise.all(net.stateEntries().map(([, t]) => t.data()));
  after.forEach((v, i) => assert.equal(v, before[i], 'weights and running statistics unchanged'));
  const w = net.stem.parameters()[0];
  rt.scheduler.write(w.buffer, 0, new Float32Array(w.size).fill(NaN));
  const score = await scoreNetwork(net, ['naswot', 'zen'], batch);
  for (const name of ['naswot', 'zen']) {
    assert.ok(Number.isNaN(score.values[name]), `${name} = ${score.values[name]}`);
    assert.match(score.reasons[name], /NaN/, name);
  }
  assert.is(rt.pool.counters.inUseBytes, pool);
  net.dispose();
});

test('a batch of one image is refused before any GPU work; duplicate images make K singular', async () => {
  const c = fixture.cases[0];
  const { net } = setup({ ...c, initChannels: 4 });
  const one = batchFromArrays(fixedImages(1, 1, 1), [1, 1, 28, 28], Int32Array.from([0]), { numClasses: 2 });
  const dispatches = rt.scheduler.stats.dispatches;
  for (const name of ['naswot', 'zen']) {
    try {
      await scoreNetwork(net, [name], one);
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, ProxyInputError);
      assert.match((e as Error).message, new RegExp(`${name} needs a proxy batch of at least 2 images, got 1`));
    }
  }
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  const images = fixedImages(3, 4, 1);
  images.copyWithin(3 * 784, 1 * 784, 2 * 784); // image 3 := image 1
  const dup = batchFromArrays(images, [4, 1, 28, 28], Int32Array.from([0, 1, 0, 1]), { numClasses: 2 });
  const score = await scoreNetwork(net, ['naswot', 'zen'], dup);
  assert.is(score.values.naswot, -Infinity);
  assert.match(score.reasons.naswot, /images 1 and 3 have the same code at every ReLU/);
  assert.ok(Number.isFinite(score.values.zen), 'zen is defined for duplicate images');
  net.dispose();
});

test('naswot on the host: K from the code Gram matrix, log det by Cholesky, singular kernels', () => {
  // Random binary codes: K from G = C C^T equals C C^T + (1 - C)(1 - C)^T.
  const n = 5;
  const d = 37;
  let s = 7;
  const codes = Array.from({ length: n }, () => Array.from({ length: d }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 31)));
  const gram = new Float64Array(n * n);
  const direct = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let u = 0; u < d; u++) {
        gram[i * n + j] += codes[i][u] * codes[j][u];
        direct[i * n + j] += codes[i][u] * codes[j][u] + (1 - codes[i][u]) * (1 - codes[j][u]);
      }
    }
  }
  assert.equal(naswotKernel(gram, n, d), direct);
  // [[2, 1], [1, 2]]: det 3.
  assert.ok(Math.abs(naswotLogDet([2, 1, 1, 2], 2).value - Math.log(3)) < 1e-15);
  // diag(1e5, 2e5, 3e5).
  assert.ok(Math.abs(naswotLogDet([1e5, 0, 0, 0, 2e5, 0, 0, 0, 3e5], 3).value - Math.log(6e15)) < 1e-12);
  // Rank two without equal rows: the Gram matrix of (1, 0), (0, 1), (1, 1).
  const rank2 = naswotLogDet([1, 0, 1, 0, 1, 1, 1, 1, 2], 3);
  assert.is(rank2.value, -Infinity);
  assert.match(rank2.reason!, /singular/);
  assert.ok(Number.isNaN(naswotLogDet([1, NaN, NaN, 1], 2).value));
});

test.run();
