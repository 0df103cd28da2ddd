// Typed errors of the ground-truth tables: each says what is wrong and what to do.

export class TruthError extends Error {
  override name = 'TruthError';
}

/** A protocol setting out of range. */
export class TruthConfigError extends TruthError {
  override name = 'TruthConfigError';
}

/** A table that cannot be continued with these settings or this dataset (names the fields). */
export class TruthMismatchError extends TruthError {
  override name = 'TruthMismatchError';
}
