// The official files in ../shared/data/medmnist, when present. Each test says when it skips.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts, medMnistMd5, parseMedMnist, trainStats } from '../../src/data/index.ts';
import { REAL_DIR, realFile } from './helpers.ts';

const EXPECTED = {
  breastmnist: { channels: 1, splits: [546, 78, 156], counts: [[147, 399], [21, 57], [42, 114]] },
  pneumoniamnist: { channels: 1, splits: [4708, 524, 624], counts: [[1214, 3494], [135, 389], [234, 390]] },
  retinamnist: {
    channels: 3,
    splits: [1080, 120, 400],
    counts: [[486, 128, 206, 194, 66], [54, 12, 28, 20, 6], [174, 46, 92, 68, 20]],
  },
} as const;

for (const [name, want] of Object.entries(EXPECTED)) {
  test(`real file ${name}.npz: MD5, SHA-256, shapes, dtypes, split sizes, class counts`, () => {
    const path = realFile(name);
    if (!path) {
      console.log(`  (skipped: ${name}.npz not found in ${REAL_DIR})`);
      return;
    }
    const bytes = readFileSync(path);
    assert.is(createHash('md5').update(bytes).digest('hex'), medMnistMd5(name, 28));
    const sums = readFileSync(`${REAL_DIR}/SHA256SUMS`, 'utf8');
    const sha = createHash('sha256').update(bytes).digest('hex');
    assert.ok(sums.includes(`${sha}  ${name}.npz`), `SHA-256 ${sha} listed in SHA256SUMS`);
    const t0 = performance.now();
    const ds = parseMedMnist(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, `${name}.npz`, 28);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `parsing took ${ms.toFixed(0)} ms`);
    assert.is(ds.channels, want.channels);
    assert.is(ds.sizePx, 28);
    assert.is(ds.release, 'v3');
    (['train', 'val', 'test'] as const).forEach((split, i) => {
      const s = ds.splits[split];
      assert.is(s.count, want.splits[i]);
      assert.instance(s.images, Uint8Array);
      assert.is(s.images.length, want.splits[i] * 28 * 28 * want.channels);
      assert.is(s.labels.length, want.splits[i]);
      assert.equal(classCounts(ds, split), [...want.counts[i]]);
    });
    const stats = trainStats(ds);
    assert.is(stats.mean.length, want.channels);
    for (const v of [...stats.mean, ...stats.std]) assert.ok(v > 0.05 && v < 0.8);
  });
}

test('real pneumoniamnist: train-split mean/std are the documented ones', () => {
  const path = realFile('pneumoniamnist');
  if (!path) return void console.log('  (skipped: pneumoniamnist.npz not present)');
  const b = readFileSync(path);
  const s = trainStats(parseMedMnist(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), 'pneumoniamnist', 'p.npz'));
  // docs/data.md states these (numpy gives 0.5719215617 / 0.1683512627 on the same file).
  assert.ok(Math.abs(s.mean[0] - 0.5719215617) < 1e-8);
  assert.ok(Math.abs(s.std[0] - 0.1683512627) < 1e-8);
});

test.run();
