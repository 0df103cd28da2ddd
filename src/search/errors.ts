// The search's errors: each message says what is wrong and what to do.
export class SearchError extends Error {
  override name = 'SearchError';
}

/** A setting that is out of range, unknown, or does not fit the data. */
export class SearchConfigError extends SearchError {
  override name = 'SearchConfigError';
}

/** A checkpoint that belongs to another search (config, dataset, format) than the one asked for. */
export class CheckpointMismatchError extends SearchError {
  override name = 'CheckpointMismatchError';
}
