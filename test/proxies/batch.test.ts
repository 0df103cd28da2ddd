// The proxy batch: N training images chosen by the seeded Rng, normalised as the loader normalises
// training batches; its id names its content; bad sizes and labels are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataLoader, syntheticDataset } from '../../src/data/index.ts';
import { batchFromArrays, proxyBatch, ProxyInputError } from '../../src/proxies/index.ts';

const dataset = syntheticDataset({ sizes: { train: 300, val: 10, test: 10 } });

test('seeded: the same seed gives the same images and id, another seed others; images as the loader gives them', () => {
  const a = proxyBatch(dataset, { size: 20, seed: 7 });
  const b = proxyBatch(dataset, { size: 20, seed: 7 });
  const c = proxyBatch(dataset, { size: 20, seed: 8 });
  assert.equal(a.indices, b.indices);
  assert.is(a.id, b.id);
  assert.ok(a.id !== c.id && a.indices.some((v, i) => v !== c.indices[i]));
  assert.match(a.id, /^synthetic\/n20\/s7\/[0-9a-f]{8}$/);
  assert.is(new Set(a.indices).size, 20, 'no image twice');
  assert.equal(a.shape, [20, 1, 28, 28]);
  assert.is(a.numClasses, 4);
  assert.is(a.multiLabel, false);
  const loader = new DataLoader(dataset, { split: 'train', batchSize: 20, shuffle: false, prefetchBatches: 0 });
  const reference = loader.batch(0, 0, a.indices);
  assert.equal(a.images, reference.images);
  assert.equal(a.labels, reference.labels);
  // The same seed's smaller batch is the larger one's first images (one shuffle of the split).
  assert.equal(proxyBatch(dataset, { size: 10, seed: 7 }).indices, a.indices.slice(0, 10));
});

test('bad sizes and labels are refused with what to do', () => {
  assert.throws(() => proxyBatch(dataset, { size: 301 }), (e: Error) => e instanceof ProxyInputError && /use at most 300/.test(e.message));
  assert.throws(() => proxyBatch(dataset, { size: 0 }), (e: Error) => e instanceof ProxyInputError);
  assert.throws(() => batchFromArrays(new Float32Array(10), [2, 1, 2, 2], Int32Array.from([0, 1]), { numClasses: 2 }), /do not fill shape/);
  assert.throws(() => batchFromArrays(new Float32Array(8), [2, 1, 2, 2], Int32Array.from([0, 2]), { numClasses: 2 }), /label 1 of the batch is 2/);
  assert.throws(() => batchFromArrays(new Float32Array(8), [2, 1, 2, 2], Float32Array.from([0, 1, 0.5, 1]), { numClasses: 2, multiLabel: true }), /expected 0 or 1/);
  const ok = batchFromArrays(new Float32Array(8), [2, 1, 2, 2], Float32Array.from([0, 1, 1, 1]), { numClasses: 2, multiLabel: true });
  assert.is(ok.multiLabel, true);
});

test.run();
