// Scoring as a search uses it: the network and the buffer pool are left as they were; the same
// genotype, seed and batch give bit-identical scores; dead genotypes get their documented values
// without running the network (and those are what running it gives); jacob_cov splits a batch that
// does not fit, the batch-statistics proxies refuse it naming the N that fits; bad input is refused
// before GPU work; NaN weights give NaN with a reason; the cache serves repeats.
import { pack, unpack } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import {
  DEFAULT_PROXIES, getProxy, jacobCovWorst, PROXY_NAMES, proxyBatch, ProxyBatchTooLargeError, ProxyInputError, ScoreCache,
  scoreArchitecture, ScoringContext, scoreNetwork, UnknownProxyError, tapeBytesPerImage,
} from '../../src/proxies/index.ts';
import { buildNetwork, deadCells, PAPER_GENOTYPE } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';

const rt = await testRuntime();
const dataset = syntheticDataset({ sizes: { train: 64, val: 4, test: 4 } });
const batch = proxyBatch(dataset, { size: 8, seed: 3 });
const config = { inChannels: 1, numClasses: 4, initChannels: 8 };


// Block 1's nodes are all zero ops: the first normal cell outputs zeros.
const DEAD = [0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 1, 2, 3, ...PAPER_GENOTYPE.slice(14)];

async function state(net: { stateEntries(): [string, { data(): Promise<Float32Array> }][] }): Promise<Map<string, Float32Array>> {
  return new Map(await Promise.all(net.stateEntries().map(async ([n, t]) => [n, await t.data()] as const)));
}

const counters = () => ({ inUseBytes: rt.pool.counters.inUseBytes, inUseCount: rt.pool.counters.inUseCount });

test('scoring leaves the network (weights, BN running statistics, modes) and the pool counters as they were', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 5 });
  net.train();
  const before = await state(net);
  const pool = counters();
  const score = await scoreNetwork(net, PROXY_NAMES, batch);
  assert.equal(counters(), pool, 'every buffer the scoring took went back to the pool');
  const after = await state(net);
  for (const [name, values] of before) assert.equal(after.get(name), values, `${name} unchanged`);
  assert.ok([...net.modules()].every((m) => m.training), 'modes unchanged');
  assert.equal(Object.keys(score.values), PROXY_NAMES);
  for (const name of PROXY_NAMES) assert.ok(Number.isFinite(score.values[name]), `${name} = ${score.values[name]}`);
  assert.equal(score.reasons, {});
  net.dispose();
});

test('the same genotype, seed and batch give bit-identical scores; another seed gives others', async () => {
  const names = ['jacob_cov', 'synflow', 'snip', 'grasp', 'fisher'];
  const a = await scoreArchitecture('paper', names, batch, { rt, initChannels: 8, seed: 1 });
  const b = await scoreArchitecture('paper', names, batch, { rt, initChannels: 8, seed: 1 });
  const c = await scoreArchitecture('paper', names, batch, { rt, initChannels: 8, seed: 2 });
  for (const n of names) {
    assert.ok(Object.is(a.values[n], b.values[n]), `${n}: ${a.values[n]} vs ${b.values[n]}`);
    assert.ok(a.values[n] !== c.values[n], `${n} depends on the seed`);
  }
  assert.ok(Object.is(a.logValues.synflow, b.logValues.synflow));
});

test('a dead genotype gets the documented values without running the network, and they are what running it gives', async () => {
  assert.equal(deadCells(DEAD), [0]);
  const net = buildNetwork(DEAD, config, { rt, seed: 1 });
  const dispatches = rt.scheduler.stats.dispatches;
  const names = ['jacob_cov', 'jacob_cov_batchstats', 'jacob_cov_reference', 'synflow', 'snip', 'grad_norm', 'plain', 'fisher', 'grasp'];
  const score = await scoreNetwork(net, names, batch);
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  assert.equal(score.deadCells, [0]);
  for (const n of names.slice(0, 3)) assert.is(score.values[n], jacobCovWorst(8));
  for (const n of names.slice(3)) assert.is(score.values[n], 0);
  assert.is(score.logValues.synflow, -Infinity);
  for (const n of names) assert.match(score.reasons[n], /dead genotype/);
  // Running the proxies on it anyway: zero Jacobian rows (constant: the worst score), zero gradients;
  // fisher sees only the classifier, whose logits are then its bias b for every image.
  const ctx = new ScoringContext(net, batch);
  const b = Float64Array.from(await net.classifier.bias!.data());
  const e = b.map((v) => Math.exp(v));
  const p = e.map((v) => v / e.reduce((s, q) => s + q, 0));
  const labels = batch.labels as Int32Array;
  let classifierFisher = 0;
  for (let k = 0; k < 4; k++) {
    const mean = labels.reduce((s, y) => s + (b[k] * (p[k] - (y === k ? 1 : 0)) / 8) ** 2, 0) / 8;
    classifierFisher += 0.5 * mean * net.plan.features;
  }
  for (const n of names) {
    const run = await getProxy(n).run(ctx);
    if (n.startsWith('jacob_cov')) assert.is(run.value, jacobCovWorst(8), n);
    else if (n === 'fisher') assert.ok(Math.abs(run.value - classifierFisher) <= 1e-5 * classifierFisher, `fisher ${run.value} vs ${classifierFisher}`);
    else assert.ok(Math.abs(run.value) < 1e-30, `${n} = ${run.value} when run`);
  }
  // l2_norm, flops and params do not run the network: a dead genotype gets its real values.
  const real = await scoreNetwork(net, ['l2_norm', 'flops', 'params'], batch);
  assert.ok(real.values.l2_norm > 0 && real.values.flops > 0 && real.values.params === net.parameterCount());
  net.dispose();
});

test('jacob_cov splits a batch beyond the memory budget (same score); batch-statistics proxies refuse it, naming the N that fits', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const perImage = tapeBytesPerImage(net);
  const whole = await scoreNetwork(net, ['jacob_cov'], batch);
  const split = await scoreNetwork(net, ['jacob_cov'], batch, { memoryBudgetBytes: 3 * perImage });
  assert.ok(Math.abs(split.values.jacob_cov - whole.values.jacob_cov) <= 1e-9 * Math.abs(whole.values.jacob_cov), `${split.values.jacob_cov} vs ${whole.values.jacob_cov}`);
  for (const name of ['jacob_cov_batchstats', 'jacob_cov_reference', 'snip', 'grad_norm', 'plain', 'fisher', 'grasp']) {
    try {
      await scoreNetwork(net, [name], batch, { memoryBudgetBytes: 3 * perImage });
      assert.unreachable(`${name} ran`);
    } catch (e) {
      assert.instance(e, ProxyBatchTooLargeError);
      assert.is((e as ProxyBatchTooLargeError).fits, 3);
      assert.match((e as Error).message, new RegExp(`^${name} needs all 8 images .*--proxy-batch 3`), (e as Error).message);
    }
  }
  net.dispose();
});

test('bad input is refused before any GPU work, with typed errors that say what to do', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const dispatches = rt.scheduler.stats.dispatches;
  const refuse = async (run: () => Promise<unknown>, type: new (...a: never[]) => Error, message: RegExp): Promise<void> => {
    try {
      await run();
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, type);
      assert.match((e as Error).message, message);
    }
  };
  await refuse(() => scoreNetwork(net, ['jacob_cov', 'synflo'], batch), UnknownProxyError, /unknown proxy 'synflo': known proxies are jacob_cov, .*synflow/);
  const rgb = buildNetwork('paper', { ...config, inChannels: 3 }, { rt });
  await refuse(() => scoreNetwork(rgb, DEFAULT_PROXIES, batch), ProxyInputError, /1-channel images, the network takes 3/);
  rgb.dispose();
  const two = buildNetwork('paper', { ...config, numClasses: 2 }, { rt });
  await refuse(() => scoreNetwork(two, ['snip'], batch), ProxyInputError, /snip needs the batch's labels, which have 4 classes, but the network has 2 outputs/);
  two.dispose();
  const one = proxyBatch(dataset, { size: 1 });
  await refuse(() => scoreNetwork(net, ['synflow', 'jacob_cov'], one), ProxyInputError, /jacob_cov needs a proxy batch of at least 2 images, got 1/);
  await refuse(() => scoreArchitecture([1, 2, 3], DEFAULT_PROXIES, batch, { rt }), Error, /genotype/);
  assert.is(rt.scheduler.stats.dispatches, dispatches, 'no GPU work');
  net.dispose();
});

test('NaN weights give NaN scores with reasons, not exceptions', async () => {
  const net = buildNetwork('paper', config, { rt, seed: 1 });
  const w = net.stem.parameters()[0];
  rt.scheduler.write(w.buffer, 0, new Float32Array(w.size).fill(NaN));
  const score = await scoreNetwork(net, ['jacob_cov', 'synflow', 'snip', 'grasp', 'fisher'], batch);
  for (const name of Object.keys(score.values)) {
    assert.ok(Number.isNaN(score.values[name]), `${name} = ${score.values[name]}`);
    assert.match(score.reasons[name], /NaN|non-finite/, name);
  }
  net.dispose();
});

test('the score cache: repeats are served from it; entries are plain data that survive msgpack and JSON', async () => {
  const cache = new ScoreCache();
  const names = ['jacob_cov', 'synflow', 'flops'];
  const first = await scoreArchitecture('paper', names, batch, { rt, initChannels: 8, cache });
  assert.is(cache.size, 3);
  assert.equal(first.cached, []);
  const again = await scoreArchitecture('paper', [...names, 'params'], batch, { rt, initChannels: 8, cache });
  assert.equal(again.cached, names);
  assert.equal(Object.keys(again.values), [...names, 'params']);
  for (const n of names) assert.is(again.values[n], first.values[n]);
  assert.is(again.logValues.synflow, first.logValues.synflow);
  const other = await scoreArchitecture('paper', ['flops'], batch, { rt, initChannels: 16, cache });
  assert.equal(other.cached, [], 'another C is another key');
  const dead = await scoreArchitecture(DEAD, ['synflow'], batch, { rt, initChannels: 8, cache });
  for (const copy of [ScoreCache.fromEntries(unpack(pack(cache.entries()))), ScoreCache.fromEntries(JSON.parse(JSON.stringify(cache.entries())))]) {
    assert.is(copy.size, cache.size);
    assert.is(copy.get(first.key, 'jacob_cov', batch.id, 0, 8)?.value, first.values.jacob_cov);
    const d = copy.get(dead.key, 'synflow', batch.id, 0, 8)!;
    assert.is(d.value, 0);
    assert.is(d.log, -Infinity);
    assert.match(d.reason!, /dead genotype/);
  }
  assert.throws(() => ScoreCache.fromEntries([{ genotype: 'x', proxy: 'synflow', batchId: 'b', seed: '0', initChannels: 8, value: 1, timeMs: 1 }]), /entry 0: 'seed' must be a number/);
});

test.run();
