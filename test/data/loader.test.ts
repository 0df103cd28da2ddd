import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataLoader, parseMedMnist, syntheticDataset, trainStats, type Batch } from '../../src/data/index.ts';
import { fakeNpz } from './helpers.ts';

const counts = { train: 10, val: 4, test: 3 };
const gray = parseMedMnist(fakeNpz({ counts, sizePx: 6 }), 'breastmnist', 'fake.npz');
const rgb = parseMedMnist(fakeNpz({ counts, sizePx: 6, channels: 3, classes: 5 }), 'retinamnist', 'fake.npz');
const chest = parseMedMnist(fakeNpz({ counts, sizePx: 6, labelWidth: 14 }), 'chestmnist', 'fake.npz');

async function all(loader: DataLoader, epoch = 0, start = 0): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader.epoch(epoch, start)) out.push(b);
  return out;
}

test('batches: NCHW shapes, last partial batch, labels, raw [0, 1] values', async () => {
  const loader = new DataLoader(gray, { split: 'train', batchSize: 4, shuffle: false, normalize: 'none' });
  const batches = await all(loader);
  assert.equal(batches.map((b) => b.shape), [[4, 1, 6, 6], [4, 1, 6, 6], [2, 1, 6, 6]]);
  const b = batches[0];
  assert.instance(b.labels, Int32Array);
  assert.equal(Array.from(b.labels), [0, 1, 0, 1]);
  // fake pixel (n, y, x) = (7n + 3y + x) % 256
  assert.ok(Math.abs(b.images[36 + 2 * 6 + 5] - (7 + 6 + 5) / 255) < 1e-7);
  const dropLast = new DataLoader(gray, { split: 'train', batchSize: 4, dropLast: true });
  assert.is(dropLast.batchesPerEpoch, 2);
});

test('normalisation with training-split mean/std; explicit numbers; RGB stays CHW', async () => {
  const loader = new DataLoader(gray, { split: 'val', batchSize: 4 });
  const { mean, std } = trainStats(gray);
  const [b] = await all(loader);
  // sample 0 of val, pixel (0, 0) = 0
  assert.ok(Math.abs(b.images[0] - (0 - mean[0]) / std[0]) < 1e-5);
  const half = new DataLoader(rgb, { split: 'test', batchSize: 3, normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } });
  const [r] = await all(half);
  assert.equal(r.shape, [3, 3, 6, 6]);
  // sample 1, channel 2, pixel (0, 0): (7 + 100) / 255, then (x - 0.5) / 0.5
  assert.ok(Math.abs(r.images[1 * 108 + 2 * 36] - ((107 / 255 - 0.5) / 0.5)) < 1e-5);
  assert.throws(() => new DataLoader(rgb, { split: 'test', batchSize: 2, normalize: { mean: [0.5], std: [0.5] } }), /3 mean\/std/);
});

test('replicateGray gives 3 identical channels', async () => {
  const [b] = await all(new DataLoader(gray, { split: 'test', batchSize: 3, replicateGray: true }));
  assert.equal(b.shape, [3, 3, 6, 6]);
  for (let p = 0; p < 36; p++) {
    assert.is(b.images[p], b.images[36 + p]);
    assert.is(b.images[p], b.images[72 + p]);
  }
});

test('ChestMNIST-like multi-label: multi-hot float32 rows of 14', async () => {
  const [b] = await all(new DataLoader(chest, { split: 'val', batchSize: 4 }));
  assert.instance(b.labels, Float32Array);
  assert.equal(b.labelShape, [4, 14]);
  const raw = chest.splits.val.labels;
  assert.equal(Array.from(b.labels), Array.from(raw, Number));
});

test('shuffling: seeded, a permutation, differs per epoch; resume from a batch gives the same batches', async () => {
  const a = new DataLoader(gray, { split: 'train', batchSize: 3, seed: 7, augmix: true });
  const b = new DataLoader(gray, { split: 'train', batchSize: 3, seed: 7, augmix: true, prefetchBatches: 0 });
  const order0 = a.order(0);
  assert.equal([...order0].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.not.equal(Array.from(order0), Array.from(a.order(1)));
  assert.not.equal(Array.from(order0), Array.from(new DataLoader(gray, { split: 'train', batchSize: 3, seed: 8 }).order(0)));
  const full = await all(a, 1);
  const again = await all(b, 1); // prefetch depth does not change anything
  const resumed = await all(a, 1, 2);
  assert.equal(full.map((x) => Array.from(x.images)), again.map((x) => Array.from(x.images)));
  assert.equal(full.slice(2).map((x) => Array.from(x.images)), resumed.map((x) => Array.from(x.images)));
  assert.equal(full.slice(2).map((x) => Array.from(x.labels)), resumed.map((x) => Array.from(x.labels)));
  // val/test are not shuffled by default
  assert.equal(Array.from(new DataLoader(gray, { split: 'val', batchSize: 2 }).order(3)), [0, 1, 2, 3]);
});

test('prefetch: the next batch is built while the consumer awaits other work', async () => {
  const ds = syntheticDataset({ sizes: { train: 256, val: 8, test: 8 } });
  const loader = new DataLoader(ds, { split: 'train', batchSize: 64, augmix: true, prefetchBatches: 1 });
  const built: number[] = [];
  const orig = loader.batch.bind(loader);
  loader.batch = (e, i, o) => {
    built.push(i);
    return orig(e, i, o);
  };
  const it = loader.epoch(0);
  await it.next(); // batch 0 handed out; batch 1 is queued
  await new Promise((r) => setTimeout(r, 5)); // the consumer's "GPU work"
  assert.ok(built.includes(1), `batch 1 built during the consumer's wait (built: ${built})`);
  const t0 = performance.now();
  const second = await it.next();
  assert.is((second.value as Batch).batchIndex, 1);
  assert.ok(performance.now() - t0 < 5, 'batch 1 was ready when asked for');
  await it.return(undefined);
});

test('errors: bad batch size, batch index out of range', () => {
  assert.throws(() => new DataLoader(gray, { split: 'train', batchSize: 0 }), /batchSize/);
  assert.throws(() => new DataLoader(gray, { split: 'train', batchSize: 4 }).batch(0, 3), /out of range/);
});

test.run();
