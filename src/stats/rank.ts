// Rank statistics for judging proxies against trained accuracy, pure TypeScript (no GPU, no files):
// Spearman's rho and Kendall's tau-b as SciPy computes them (scipy.stats.spearmanr, kendalltau with
// its default variant 'b'), ties by average ranks, and top-k precision. Checked against SciPy on a
// fixture (scripts/golden/stats_scipy.py -> fixtures/stats-golden.json).
//
// Inputs are paired arrays; a pair with a non-finite value on either side is dropped before
// anything is computed (callers report how many pairs were used). With fewer than 3 pairs, or a
// constant side, a correlation is undefined: NaN, as SciPy returns.

/** The finite pairs of x and y, in their order. */
export function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): { x: number[]; y: number[] } {
  if (x.length !== y.length) throw new RangeError(`paired statistics need arrays of one length, got ${x.length} and ${y.length}`);
  const ox: number[] = [];
  const oy: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      ox.push(x[i]);
      oy.push(y[i]);
    }
  }
  return { x: ox, y: oy };
}

/** Ranks 1..n, ties given the mean of the ranks they span (scipy.stats.rankdata, method 'average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const rank = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

/** Pearson's correlation (NaN when a side is constant or n < 2). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2 || y.length !== n) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Spearman's rho of the finite pairs: Pearson's correlation of their average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const p = finitePairs(x, y);
  if (p.x.length < 3) return NaN;
  return pearson(averageRanks(p.x), averageRanks(p.y));
}

/**
 * Kendall's tau-b of the finite pairs: (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)), where
 * n0 = n(n-1)/2 and n1, n2 count the pairs tied in x and in y. O(n^2), fine for tables of hundreds.
 */
export function kendall(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const p = finitePairs(x, y);
  const n = p.x.length;
  if (n < 3) return NaN;
  let s = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(p.x[i] - p.x[j]);
      const dy = Math.sign(p.y[i] - p.y[j]);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      s += dx * dy;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
  return denominator === 0 ? NaN : Math.max(-1, Math.min(1, s / denominator));
}

/** Indices of the k largest values (ties broken by position, earlier first). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, k);
}

/**
 * Top-fraction precision of the finite pairs: the share of the proxy's top k that is also in the
 * target's top k, k = max(1, round(n x fraction)). Chance is about k / n.
 */
export function topPrecision(proxy: ArrayLike<number>, target: ArrayLike<number>, fraction = 0.1): number {
  const p = finitePairs(proxy, target);
  const n = p.x.length;
  if (n === 0) return NaN;
  const k = Math.max(1, Math.round(n * fraction));
  const best = new Set(topIndices(p.y, k));
  return topIndices(p.x, k).filter((i) => best.has(i)).length / k;
}
