#!/usr/bin/env python3
"""Golden ACC/AUC values from scikit-learn for src/train/metrics.ts.

getAUC and getACC below are MedMNIST's official definitions, copied from medmnist/evaluator.py
(github.com/MedMNIST/MedMNIST, commit 805b742), so the fixture holds exactly what the official
evaluator reports. The scores are fixed pseudo-random numbers, rounded so that many of them tie
(the rank statistic must give tied scores half a count) and so that some sit exactly on the 0.5
threshold (which MedMNIST's `score > 0.5` counts as negative).

    /usr/bin/python3 scripts/golden/metrics_sklearn.py     # writes fixtures/metrics-sklearn.json

Run by hand (Debian's python3-sklearn, numpy); test/train/metrics.test.ts reads the fixture.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, roc_auc_score


def getAUC(y_true, y_score, task):
    y_true = y_true.squeeze()
    y_score = y_score.squeeze()
    if task == "multi-label, binary-class":
        auc = 0
        for i in range(y_score.shape[1]):
            label_auc = roc_auc_score(y_true[:, i], y_score[:, i])
            auc += label_auc
        ret = auc / y_score.shape[1]
    elif task == "binary-class":
        if y_score.ndim == 2:
            y_score = y_score[:, -1]
        else:
            assert y_score.ndim == 1
        ret = roc_auc_score(y_true, y_score)
    else:
        auc = 0
        for i in range(y_score.shape[1]):
            y_true_binary = (y_true == i).astype(float)
            y_score_binary = y_score[:, i]
            auc += roc_auc_score(y_true_binary, y_score_binary)
        ret = auc / y_score.shape[1]
    return ret


def getACC(y_true, y_score, task, threshold=0.5):
    y_true = y_true.squeeze()
    y_score = y_score.squeeze()
    if task == "multi-label, binary-class":
        y_pre = y_score > threshold
        acc = 0
        for label in range(y_true.shape[1]):
            label_acc = accuracy_score(y_true[:, label], y_pre[:, label])
            acc += label_acc
        ret = acc / y_true.shape[1]
    elif task == "binary-class":
        if y_score.ndim == 2:
            y_score = y_score[:, -1]
        else:
            assert y_score.ndim == 1
        ret = accuracy_score(y_true, y_score > threshold)
    else:
        ret = accuracy_score(y_true, np.argmax(y_score, axis=-1))
    return ret


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(20240612)
    cases = []

    def add(name, task, labels, scores):
        cases.append({
            "name": name,
            "task": task,
            "classes": int(scores.shape[1]),
            "labels": labels.reshape(-1).astype(int).tolist(),
            "scores": scores.reshape(-1).astype(float).tolist(),
            "auc": float(getAUC(labels, scores, task)),
            "acc": float(getACC(labels, scores, task)),
        })

    # Binary: two softmax columns rounded to 0.05, so ties are common and some scores are exactly 0.5.
    n = 200
    y = rng.integers(0, 2, size=(n, 1))
    p1 = np.clip(np.round((0.5 + 0.25 * (2 * y[:, 0] - 1) * rng.random(n) + 0.3 * (rng.random(n) - 0.5)) * 20) / 20, 0, 1)
    add("binary, ties and 0.5", "binary-class", y, np.stack([1 - p1, p1], axis=1))
    # Binary without ties (continuous scores).
    n = 1000
    y = rng.integers(0, 2, size=(n, 1))
    p1 = 1 / (1 + np.exp(-(1.2 * (2 * y[:, 0] - 1) + rng.normal(size=n) * 1.5)))
    add("binary, continuous", "binary-class", y, np.stack([1 - p1, p1], axis=1))
    # Multi-class (5 classes): softmax scores rounded to 0.01 (ties, and argmax ties resolved first-wins).
    n = 300
    y = rng.integers(0, 5, size=(n, 1))
    z = rng.normal(size=(n, 5))
    z[np.arange(n), y[:, 0]] += 1.0
    s = np.round(softmax_rows(z) * 100) / 100
    add("multi-class, ties", "multi-class", y, s)
    # Ordinal regression (RetinaMNIST) is scored as multi-class by MedMNIST.
    s2 = np.round(softmax_rows(z[:, :5] * 0.5) * 20) / 20
    add("ordinal, heavy ties", "ordinal-regression", y, s2)
    # Multi-label (14 labels, as ChestMNIST): sigmoid scores rounded to 0.1, many exactly 0.5.
    n = 150
    y = (rng.random(size=(n, 14)) < 0.3).astype(int)
    y[0, :] = 1  # every label has a positive
    y[1, :] = 0  # and a negative
    logits = rng.normal(size=(n, 14)) + 1.5 * (2 * y - 1) * rng.random(size=(n, 14))
    s = np.round(1 / (1 + np.exp(-logits)) * 10) / 10
    add("multi-label, ties and 0.5", "multi-label, binary-class", y, s)

    # roc_auc_score alone on a few small hand-checkable inputs.
    pairs = []
    for labels, scores in [
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
        ([0, 1, 0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
        ([1, 0, 1, 0, 1], [0.3, 0.3, 0.7, 0.1, 0.3]),
        ([0, 1, 1, 0, 1, 0, 0], [2.0, 2.0, 3.0, 1.0, 2.0, 3.0, -1.0]),
    ]:
        pairs.append({"labels": labels, "scores": scores, "auc": float(roc_auc_score(labels, scores))})

    out = {
        "generator": "scripts/golden/metrics_sklearn.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "cases": cases,
        "rocAuc": pairs,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "metrics-sklearn.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: {len(cases)} cases, {len(pairs)} roc_auc_score pairs")


if __name__ == "__main__":
    main()
