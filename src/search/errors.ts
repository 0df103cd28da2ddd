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

/**
 * Every architecture a generation scored failed (or the final population holds no scored
 * architecture): there is nothing to compare or choose, so the search stops instead of choosing a
 * failure. `resources` is true when the failures are the device's limits or memory: the networks
 * (C = `initChannels`) on a proxy batch of `proxyBatch` images do not fit, and lowering either helps.
 */
export class SearchFailedError extends SearchError {
  override name = 'SearchFailedError';
  constructor(
    readonly generation: number,
    readonly failures: number,
    /** The first failure, as recorded ("GpuLimitError: ..."). */
    readonly firstFailure: string,
    readonly resources: boolean,
    readonly initChannels: number,
    readonly proxyBatch: number,
  ) {
    super(
      `every architecture scored in generation ${generation} failed (${failures} of ${failures}; the first: ${firstFailure}), so there is nothing to choose from` +
        (resources
          ? `: the networks at C = ${initChannels} on a proxy batch of ${proxyBatch} images do not fit this device; use a smaller initChannels or proxyBatch`
          : ': fix the cause above and run the search again'),
    );
  }
}
