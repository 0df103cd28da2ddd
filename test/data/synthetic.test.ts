import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataLoader, SYNTHETIC_CLASSES, classCounts, syntheticDataset } from '../../src/data/index.ts';

test('synthetic: a few thousand 28x28 gray images in well under a second, balanced classes', () => {
  const t0 = performance.now();
  const ds = syntheticDataset();
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `generated in ${ms.toFixed(0)} ms`);
  assert.equal([ds.splits.train.count, ds.splits.val.count, ds.splits.test.count], [2000, 500, 1000]);
  assert.is(ds.sizePx, 28);
  assert.is(ds.channels, 1);
  assert.is(ds.classNames.length, SYNTHETIC_CLASSES.length);
  assert.equal(classCounts(ds, 'train'), [500, 500, 500, 500]);
});

test('synthetic: deterministic from the seed, different for another seed, splits differ', () => {
  const sizes = { train: 40, val: 8, test: 8 };
  const a = syntheticDataset({ sizes, seed: 3 });
  const b = syntheticDataset({ sizes, seed: 3 });
  const c = syntheticDataset({ sizes, seed: 4 });
  assert.equal(Array.from(a.splits.train.images), Array.from(b.splits.train.images));
  assert.not.equal(Array.from(a.splits.train.images), Array.from(c.splits.train.images));
  assert.not.equal(Array.from(a.splits.val.images.subarray(0, 784)), Array.from(a.splits.train.images.subarray(0, 784)));
  // A fingerprint of the default dataset: changing the generator must be a deliberate act. Last
  // re-derived when the data layer's sfc32 generator gave way to the library's one Rng
  // (xoshiro128**, src/util/rng.ts): new draws, so new pixels; the other checks here are unchanged.
  const d = syntheticDataset({ sizes: { train: 4, val: 1, test: 1 } });
  let h = 0;
  for (const v of d.splits.train.images) h = (Math.imul(h, 31) + v) >>> 0;
  assert.is(h, FINGERPRINT);
});
const FINGERPRINT = 2876612538;

test('synthetic: the class shows in the bright area at several scales (learnable, not trivial)', () => {
  const ds = syntheticDataset({ sizes: { train: 400, val: 4, test: 4 } });
  const { images, labels } = ds.splits.train;
  // Bright-pixel area per class: one large lesion > few medium; many small is the smallest.
  const area = [0, 0, 0, 0];
  for (let i = 0; i < labels.length; i++) {
    const im = images.subarray(i * 784, (i + 1) * 784);
    let mean = 0;
    for (const v of im) mean += v / 784;
    let bright = 0;
    for (const v of im) if (v > mean + 40) bright++;
    area[labels[i]] += bright / 100;
  }
  assert.ok(area[2] > area[0] && area[0] > area[1], `areas ${area.map((a) => a.toFixed(1))}`);
});

test('synthetic: works with the loader and at another size', async () => {
  const ds = syntheticDataset({ sizes: { train: 16, val: 4, test: 4 }, sizePx: 64 });
  const loader = new DataLoader(ds, { split: 'train', batchSize: 8, augmix: true });
  for await (const b of loader) assert.equal(b.shape, [8, 1, 64, 64]);
});

test.run();
