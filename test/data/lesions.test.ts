// The lesion sets: every lesion's radius measured back from its mask is the one drawn and lies in
// its set's stated range (round: the disc's area; spiculated: the inscribed core and the spikes'
// reach), the sets' ranges do not overlap, lengths scale with the image; same seed same bytes;
// classes balanced; the names resolve wherever a dataset is accepted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { datasetShape } from '../../src/data/shape.ts';
import {
  drawLesion, LESION_RADII_PX, LESION_SIZES, LESION_SPIKE_BASE_PX, LESION_SPIKE_LENGTH, lesionDataset, lesionSizeOf, type DrawnLesion, type LesionSize,
} from '../../src/data/lesions.ts';
import { datasetSource, loadDataset } from '../../src/node/data/index.ts';
import { Rng } from '../../src/util/rng.ts';

function draw(size: LesionSize, label: number, i: number, S = 28): DrawnLesion {
  return drawLesion(new Uint8Array(S * S), S, size, label, new Rng(7, label, i));
}

/** Distances from the lesion's centre of the pixel centres in the mask (coverage >= 0.5) and out of it. */
function maskDistances(d: DrawnLesion, S: number): { inside: number[]; outside: number[] } {
  const inside: number[] = [];
  const outside: number[] = [];
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const r = Math.hypot(x + 0.5 - d.cx, y + 0.5 - d.cy);
      (d.coverage[y * S + x] >= 0.5 ? inside : outside).push(r);
    }
  }
  return { inside, outside };
}

test('round lesions: the radius measured from the mask is the one drawn, within the set\'s range', () => {
  for (const size of LESION_SIZES) {
    const [lo, hi] = LESION_RADII_PX[size];
    const measured: number[] = [];
    for (let i = 0; i < 60; i++) {
      const d = draw(size, 0, i);
      assert.is(d.spikes, 0);
      assert.ok(d.radius >= lo && d.radius < hi, `${size}: drawn ${d.radius}`);
      const soft = Math.sqrt(d.coverage.reduce((s, c) => s + c, 0) / Math.PI);
      assert.ok(Math.abs(soft - d.radius) < 0.05, `${size}: area radius ${soft} vs ${d.radius}`);
      const hard = Math.sqrt(maskDistances(d, 28).inside.length / Math.PI);
      assert.ok(Math.abs(hard - d.radius) < 0.4, `${size}: mask radius ${hard} vs ${d.radius}`);
      measured.push(hard);
    }
    assert.ok(Math.min(...measured) > lo - 0.4 && Math.max(...measured) < hi + 0.4, `${size}: ${Math.min(...measured)}..${Math.max(...measured)}`);
  }
  assert.ok(LESION_RADII_PX.small[1] < LESION_RADII_PX.medium[0] && LESION_RADII_PX.medium[1] < LESION_RADII_PX.large[0], 'the sets do not overlap');
});

test('spiculated lesions: a full core of the drawn radius, spikes reaching 0.5-0.9 radii beyond it, more area than the disc', () => {
  for (const size of LESION_SIZES) {
    for (let i = 0; i < 40; i++) {
      const d = draw(size, 1, i);
      const { inside, outside } = maskDistances(d, 28);
      assert.ok(d.spikes >= 5 && d.spikes <= 9);
      assert.ok(Math.min(...outside) >= d.radius - 0.75, `${size}: a hole in the core at ${Math.min(...outside)} < ${d.radius}`);
      assert.ok(Math.max(...inside) <= d.radius + d.spikeLength + 0.75, `${size}: mask beyond the longest spike`);
      assert.ok(d.spikeLength >= LESION_SPIKE_LENGTH[0] * d.radius + LESION_SPIKE_BASE_PX && d.spikeLength < LESION_SPIKE_LENGTH[1] * d.radius + LESION_SPIKE_BASE_PX);
      const area = d.coverage.reduce((s, c) => s + c, 0);
      assert.ok(area > Math.PI * d.radius ** 2 + 0.5, `${size}: spikes add area`);
    }
  }
  // Large lesions' spikes are visible in the mask: some mask pixel lies well beyond the core.
  const big = draw('large', 1, 3);
  assert.ok(Math.max(...maskDistances(big, 28).inside) > big.radius + 2);
});

test('lengths scale with the image: at 56 px the radii double', () => {
  const d = draw('medium', 0, 5, 56);
  const [lo, hi] = LESION_RADII_PX.medium;
  assert.ok(d.radius >= 2 * lo && d.radius < 2 * hi);
  assert.ok(Math.abs(Math.sqrt(maskDistances(d, 56).inside.length / Math.PI) - d.radius) < 0.4);
});

test('same seed, same bytes; another seed or size, other images; classes balanced and alternating', () => {
  const sizes = { train: 40, val: 10, test: 21 };
  const a = lesionDataset({ size: 'small', sizes, seed: 3 });
  const b = lesionDataset({ size: 'small', sizes, seed: 3 });
  assert.equal(a.splits.train.images, b.splits.train.images);
  assert.equal(a.splits.test.labels, b.splits.test.labels);
  assert.not.equal(lesionDataset({ size: 'small', sizes, seed: 4 }).splits.train.images, a.splits.train.images);
  assert.not.equal(lesionDataset({ size: 'medium', sizes, seed: 3 }).splits.train.images, a.splits.train.images);
  assert.not.equal(a.splits.val.images, a.splits.train.images.subarray(0, a.splits.val.images.length), 'splits are separate streams');
  for (const split of ['train', 'val', 'test'] as const) {
    const labels = [...a.splits[split].labels];
    const ones = labels.filter((l) => l === 1).length;
    assert.ok(Math.abs(labels.length - 2 * ones) <= 1, `${split}: ${ones} of ${labels.length}`);
    assert.equal(labels.slice(0, 4), [0, 1, 0, 1]);
  }
  assert.is(a.name, 'lesions-small');
  assert.is(a.task, 'binary-class');
  assert.equal([...a.classNames], ['round', 'spiculated']);
  assert.is(a.splits.test.images.length, 21 * 28 * 28);
});

test('the names resolve wherever a dataset is accepted: lesions-small or lesions:small', async () => {
  assert.is(lesionSizeOf('lesions:Small'), 'small');
  assert.is(lesionSizeOf('lesions-large'), 'large');
  assert.is(lesionSizeOf('lesions'), null);
  assert.equal(datasetShape('lesions:medium'), { name: 'lesions-medium', task: 'binary-class', inChannels: 1, numClasses: 2 });
  assert.equal(datasetSource('lesions:medium'), { name: 'lesions-medium', kind: 'lesions', path: null });
  assert.throws(() => datasetShape('lesions-huge'), /Known: synthetic, lesions-small, lesions-medium, lesions-large/);
  const d = await loadDataset('lesions-large');
  assert.is(d.name, 'lesions-large');
  assert.is(d.splits.train.count, 2000);
  assert.equal(d.splits.val.images.subarray(0, 784), lesionDataset({ size: 'large', sizes: { train: 1, val: 1, test: 1 } }).splits.val.images);
});

test.run();
