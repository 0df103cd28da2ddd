// MedMNIST's ACC and AUC: hand-computed cases (ties, the 0.5 threshold, argmax ties), a constant
// predictor at AUC 0.5 for every task, and scikit-learn's values on fixed random scores
// (fixtures/metrics-sklearn.json, written by scripts/golden/metrics_sklearn.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MedMnistTask } from '../../src/data/registry.ts';
import { MetricError } from '../../src/train/errors.ts';
import { medMnistMetrics, rocAuc } from '../../src/train/metrics.ts';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'metrics-sklearn.json'), 'utf8')) as {
  cases: { name: string; task: MedMnistTask; classes: number; labels: number[]; scores: number[]; auc: number; acc: number }[];
  rocAuc: { labels: number[]; scores: number[]; auc: number }[];
};

test('rocAuc by hand: pairs ranked, ties count one half', () => {
  // Positives 0.35, 0.8 against negatives 0.1, 0.4: 3 of 4 pairs ranked right.
  assert.is(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  // Positives 0.3, 0.7, 0.3 against negatives 0.3, 0.1: (0.5 + 1) + (1 + 1) + (0.5 + 1) = 5 of 6.
  assert.is(rocAuc([1, 0, 1, 0, 1], [0.3, 0.3, 0.7, 0.1, 0.3]), 5 / 6);
  assert.is(rocAuc([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), 0.75);
  assert.is(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
  assert.is(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), 0);
});

test('a constant predictor has AUC 0.5 for every task', () => {
  assert.is(rocAuc([0, 1, 1, 0, 1], [0.7, 0.7, 0.7, 0.7, 0.7]), 0.5);
  const n = 12;
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const uniform3 = new Float64Array(n * 3).fill(1 / 3);
  assert.is(medMnistMetrics('multi-class', labels, uniform3, 3).auc, 0.5);
  assert.is(medMnistMetrics('ordinal-regression', labels, uniform3, 3).auc, 0.5);
  // Argmax ties go to the first column (numpy): class 0 is right for a third of the samples.
  assert.is(medMnistMetrics('multi-class', labels, uniform3, 3).acc, 1 / 3);
  const binary = Array.from({ length: n }, (_, i) => i % 2);
  assert.is(medMnistMetrics('binary-class', binary, new Float64Array(n * 2).fill(0.5), 2).auc, 0.5);
  const multiHot = Array.from({ length: n * 4 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  assert.is(medMnistMetrics('multi-label, binary-class', multiHot, new Float64Array(n * 4).fill(0.2), 4).auc, 0.5);
});

test('binary: AUC of the last column, ACC at score > 0.5 (exactly 0.5 is negative)', () => {
  const labels = [1, 0, 1, 0];
  const scores = [0.2, 0.8, 0.4, 0.6, 0.5, 0.5, 0.9, 0.1]; // positive-class scores 0.8, 0.6, 0.5, 0.1
  const m = medMnistMetrics('binary-class', labels, scores, 2);
  // Predictions 1, 1, 0, 0 against 1, 0, 1, 0: two right.
  assert.is(m.acc, 0.5);
  // Positives 0.8, 0.5 against negatives 0.6, 0.1: 0.8 beats both, 0.5 beats 0.1: 3 of 4.
  assert.is(m.auc, 0.75);
});

test('multi-class: mean of one-vs-rest AUCs, argmax accuracy', () => {
  const labels = [0, 1, 2, 2];
  const scores = [
    0.6, 0.3, 0.1,
    0.2, 0.5, 0.3,
    0.1, 0.6, 0.3,
    0.2, 0.2, 0.6,
  ];
  const m = medMnistMetrics('multi-class', labels, scores, 3);
  assert.is(m.acc, 3 / 4);
  // class 0: positive 0.6 vs 0.2, 0.1, 0.2 -> 1; class 1: positive 0.5 vs 0.3, 0.6, 0.2 -> 2/3;
  // class 2: positives 0.3, 0.6 vs 0.1, 0.3 -> (1 + 0.5 + 1 + 1) / 4 = 7/8.
  assert.ok(Math.abs(m.auc - (1 + 2 / 3 + 7 / 8) / 3) < 1e-15, String(m.auc));
});

test('multi-label: mean per-label AUC and mean per-label ACC at 0.5', () => {
  const labels = [1, 0, 0, 1, 1, 1];
  const scores = [0.9, 0.5, 0.2, 0.4, 0.6, 0.7];
  const m = medMnistMetrics('multi-label, binary-class', labels, scores, 2);
  // label 0: scores 0.9, 0.2, 0.6 for 1, 0, 1 -> AUC 1, predictions 1, 0, 1 -> ACC 1
  // label 1: scores 0.5, 0.4, 0.7 for 0, 1, 1 -> AUC (0 + 1) / 2, predictions 0, 0, 1 -> ACC 2/3
  assert.ok(Math.abs(m.auc - 0.75) < 1e-15, String(m.auc));
  assert.ok(Math.abs(m.acc - (1 + 2 / 3) / 2) < 1e-15, String(m.acc));
});

test("scikit-learn's roc_auc_score and MedMNIST's getAUC/getACC on fixed random scores with ties", () => {
  for (const p of fixture.rocAuc) {
    const got = rocAuc(p.labels, p.scores);
    assert.ok(Math.abs(got - p.auc) < 1e-12, `roc_auc_score(${JSON.stringify(p.labels)}): ${got} vs ${p.auc}`);
  }
  assert.is(fixture.cases.length, 5);
  for (const c of fixture.cases) {
    const got = medMnistMetrics(c.task, c.labels, c.scores, c.classes);
    // Both sides are float64 sums of the same counts: only the order of additions differs.
    assert.ok(Math.abs(got.auc - c.auc) < 1e-12, `${c.name}: AUC ${got.auc} vs sklearn ${c.auc}`);
    assert.ok(Math.abs(got.acc - c.acc) < 1e-12, `${c.name}: ACC ${got.acc} vs sklearn ${c.acc}`);
  }
});

test('undefined metrics are MetricErrors that say why: one class only, non-finite scores, bad labels', () => {
  const fails = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
    } catch (e) {
      assert.instance(e, MetricError);
      assert.match((e as Error).message, pattern);
      return;
    }
    assert.unreachable('expected a MetricError');
  };
  fails(() => rocAuc([1, 1, 1], [0.1, 0.2, 0.3]), /only one class is present \(3 positive, 0 negative/);
  fails(() => medMnistMetrics('multi-class', [0, 0, 1], [0.5, 0.2, 0.3, 0.1, 0.2, 0.7, 0.3, 0.3, 0.4], 3), /class 2 \(one vs rest\): only one class/);
  fails(() => medMnistMetrics('binary-class', [0, 1], [0.5, 0.5, Number.NaN, 1], 2), /score 2 is NaN/);
  fails(() => medMnistMetrics('binary-class', [0, 2], [0.5, 0.5, 0.5, 0.5], 2), /label 1 is 2/);
});

test.run();
