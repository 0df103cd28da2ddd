// ACC and AUC exactly as MedMNIST's official evaluator computes them (medmnist/evaluator.py,
// getAUC and getACC, github.com/MedMNIST/MedMNIST at 805b742), on the scores the network gives
// (softmax for the cross-entropy tasks, sigmoid for multi-label):
//   binary-class          AUC of the last column (the positive class); ACC at score > 0.5
//   multi-class, ordinal  AUC = unweighted mean of the one-vs-rest AUCs of every column;
//                         ACC = argmax accuracy (the first maximum wins, as numpy's argmax)
//   multi-label           mean of the per-label AUCs; mean of the per-label ACCs at score > 0.5
// AUC is scikit-learn's roc_auc_score, computed exactly as the Mann-Whitney rank statistic with
// mid-ranks for ties (the trapezoidal ROC area equals it), not from a grid of thresholds.
import type { MedMnistTask } from '../data/registry.ts';
import { MetricError } from './errors.ts';

export interface Metrics {
  readonly acc: number;
  readonly auc: number;
}

/**
 * Area under the ROC curve of `scores` for binary `labels` (0 or 1), ties included: the
 * probability that a random positive scores above a random negative, a tie counting one half.
 * Undefined (MetricError, as scikit-learn's ValueError) when only one class is present.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>, what = 'the labels'): number {
  const n = labels.length;
  if (scores.length !== n) throw new MetricError(`rocAuc: ${n} labels but ${scores.length} scores`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new MetricError(`rocAuc: label ${i} of ${what} is ${y}, expected 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new MetricError(`rocAuc: score ${i} for ${what} is ${scores[i]}: scores must be finite`);
    positives += y;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new MetricError(
      `AUC is undefined for ${what}: only one class is present (${positives} positive, ${negatives} negative samples), as scikit-learn's roc_auc_score says; evaluate on a split that holds both`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Sum of the positives' ranks (1-based), each tie group sharing its mean rank.
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const meanRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (labels[order[k]] === 1) rankSum += meanRank;
    start = end;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Index of the largest of row `r` (width k); the first one on ties, as numpy's argmax. */
function argmaxRow(scores: ArrayLike<number>, r: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (scores[r * k + j] > scores[r * k + best]) best = j;
  return best;
}

function column(values: ArrayLike<number>, n: number, k: number, j: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i * k + j];
  return out;
}

/**
 * MedMNIST's (AUC, ACC) of `scores` (N x K, row-major) against `labels`: N class indices for the
 * single-label tasks, N x K multi-hot 0/1 rows for multi-label. `classes` is K.
 */
export function medMnistMetrics(task: MedMnistTask, labels: ArrayLike<number>, scores: ArrayLike<number>, classes: number): Metrics {
  if (!(classes >= 1) || scores.length % classes !== 0) throw new MetricError(`metrics: ${scores.length} scores do not form rows of ${classes}`);
  const n = scores.length / classes;
  if (n === 0) throw new MetricError('metrics: no samples to evaluate');
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new MetricError(`metrics: score ${i} is ${scores[i]}: the network's outputs are not finite`);
  }
  if (task === 'multi-label, binary-class') {
    if (labels.length !== n * classes) throw new MetricError(`metrics: ${labels.length} labels for ${n} samples of ${classes} labels each`);
    let auc = 0;
    let acc = 0;
    for (let j = 0; j < classes; j++) {
      const y = column(labels, n, classes, j);
      auc += rocAuc(y, column(scores, n, classes, j), `label ${j}`);
      let right = 0;
      for (let i = 0; i < n; i++) if ((scores[i * classes + j] > 0.5 ? 1 : 0) === y[i]) right++;
      acc += right / n;
    }
    return { auc: auc / classes, acc: acc / classes };
  }
  if (labels.length !== n) throw new MetricError(`metrics: ${labels.length} labels for ${n} samples`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= Math.max(classes, 2)) throw new MetricError(`metrics: label ${i} is ${y}, not a class in 0..${Math.max(classes, 2) - 1}`);
  }
  if (task === 'binary-class') {
    const positive = column(scores, n, classes, classes - 1);
    let right = 0;
    for (let i = 0; i < n; i++) if ((positive[i] > 0.5 ? 1 : 0) === labels[i]) right++;
    return { auc: rocAuc(labels, positive, 'the positive class'), acc: right / n };
  }
  let auc = 0;
  for (let j = 0; j < classes; j++) {
    const oneVsRest = Float64Array.from({ length: n }, (_, i) => (labels[i] === j ? 1 : 0));
    auc += rocAuc(oneVsRest, column(scores, n, classes, j), `class ${j} (one vs rest)`);
  }
  let right = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(scores, i, classes) === labels[i]) right++;
  return { auc: auc / classes, acc: right / n };
}
