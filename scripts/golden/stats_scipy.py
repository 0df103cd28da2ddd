#!/usr/bin/env python3
"""Golden rank statistics from SciPy for src/stats (Spearman, Kendall tau-b, average ranks, bootstrap).

For each case: x and y (with ties, negative and near-zero correlation, a constant side), SciPy's
spearmanr and kendalltau (its default tau-b), rankdata(method='average'), and percentile-bootstrap
95% intervals over resamples whose indices are stored in the fixture (drawn here by numpy), so the
TypeScript bootstrap can be run on the very same resamples: np.percentile's default linear
interpolation over the statistics of the resamples where the statistic is defined.

    /usr/bin/python3 scripts/golden/stats_scipy.py     # writes fixtures/stats-golden.json

Run by hand (Debian's python3-scipy, python3-numpy); test/stats/rank.test.ts reads the fixture.
"""
import json
import math
import os

import numpy as np
import scipy
from scipy.stats import kendalltau, rankdata, spearmanr

rng = np.random.default_rng(20261207)


def nan_to_none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def case(name, x, y, resamples=200):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(x)
    idx = rng.integers(0, n, size=(resamples, n))
    rhos, taus = [], []
    for r in idx:
        rho = spearmanr(x[r], y[r]).correlation
        tau = kendalltau(x[r], y[r]).correlation
        if not math.isnan(rho):
            rhos.append(rho)
        if not math.isnan(tau):
            taus.append(tau)
    ci = lambda s: [float(np.percentile(s, 2.5)), float(np.percentile(s, 97.5))] if s else [None, None]
    return {
        "name": name,
        "x": x.tolist(),
        "y": y.tolist(),
        "spearman": nan_to_none(spearmanr(x, y).correlation),
        "kendall": nan_to_none(kendalltau(x, y).correlation),
        "ranksX": rankdata(x, method="average").tolist(),
        "indices": idx.tolist(),
        "spearmanInterval": ci(rhos),
        "kendallInterval": ci(taus),
    }


cases = []
a = rng.normal(size=60)
cases.append(case("continuous, rho ~ 0.6", a, 0.6 * a + 0.8 * rng.normal(size=60)))
b = np.round(rng.normal(size=40), 1)
cases.append(case("ties on both sides", b, np.round(-0.5 * b + rng.normal(size=40), 1)))
c = rng.integers(0, 4, size=30).astype(float)
cases.append(case("few distinct values", c, rng.integers(0, 3, size=30).astype(float)))
d = rng.normal(size=7)
cases.append(case("seven points, near zero", d, rng.normal(size=7)))
e = rng.lognormal(mean=10, sigma=3, size=50)
cases.append(case("wide range (synflow-like)", np.log(e), 0.8 + 0.05 * rng.normal(size=50) + 0.01 * np.log(e)))
cases.append(case("constant y", rng.normal(size=10), np.full(10, 0.5), resamples=20))

out = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "stats-golden.json")
with open(out, "w") as fh:
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "cases": cases}, fh)
print(f"wrote {out}: {len(cases)} cases (scipy {scipy.__version__})")
