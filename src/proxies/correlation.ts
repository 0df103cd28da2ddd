// The correlation matrix of the rows of an n x d matrix, as numpy.corrcoef(rows) computes it, in f64
// on the host from f32 data: each row centred by its mean and scaled to unit length, then all dot
// products. jacob_cov's score is very sensitive to the small eigenvalues of this matrix (its terms
// are 1 / (v + 1e-5)), so the products are accumulated in f64 rather than on the GPU in f32.

export interface RowCorrelation {
  /** n x n, row-major, symmetric, ones on the diagonal (entries clipped to [-1, 1] as numpy does). */
  readonly matrix: Float64Array;
  readonly n: number;
  /** Rows whose entries are all equal: their correlation is undefined (numpy gives NaN). */
  readonly constantRows: readonly number[];
  /** Rows holding a NaN or an infinity. */
  readonly nonFiniteRows: readonly number[];
}

/** numpy.corrcoef of the n rows of `rows` (n x d, row-major). Undefined rows get zeros off the diagonal. */
export function rowCorrelation(rows: ArrayLike<number>, n: number, d: number): RowCorrelation {
  if (rows.length < n * d) throw new RangeError(`rowCorrelation: ${rows.length} values for ${n} rows of ${d}`);
  const centred = new Float64Array(n * d);
  const constantRows: number[] = [];
  const nonFiniteRows: number[] = [];
  const defined: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * d;
    let mean = 0;
    let finite = true;
    for (let k = 0; k < d; k++) {
      const v = rows[at + k];
      if (!Number.isFinite(v)) finite = false;
      mean += v;
    }
    mean /= d;
    let norm = 0;
    for (let k = 0; k < d; k++) {
      const c = rows[at + k] - mean;
      centred[at + k] = c;
      norm += c * c;
    }
    if (!finite) nonFiniteRows.push(i);
    else if (norm === 0) constantRows.push(i);
    const ok = finite && norm > 0;
    defined.push(ok);
    const inv = ok ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < d; k++) centred[at + k] *= inv;
  }
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    matrix[i * n + i] = defined[i] ? 1 : 0;
    const ai = i * d;
    for (let j = 0; j < i; j++) {
      const aj = j * d;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += centred[ai + k] * centred[aj + k];
      const c = Math.max(-1, Math.min(1, dot));
      matrix[i * n + j] = c;
      matrix[j * n + i] = c;
    }
  }
  return { matrix, n, constantRows, nonFiniteRows };
}
