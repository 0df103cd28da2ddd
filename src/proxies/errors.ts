// Typed errors of the proxies. Each message names the fault and says what to do, so the CLI prints it
// as it is. A proxy that merely cannot be computed for a network (a NaN, a constant Jacobian row) is
// not an error: it comes back as a value with a reason (see types.ts).

/** Base class: anything the proxies throw on purpose. */
export class ProxyError extends Error {
  override name = 'ProxyError';
}

/** A proxy name that is not registered. */
export class UnknownProxyError extends ProxyError {
  override name = 'UnknownProxyError';
  constructor(
    readonly proxy: string,
    readonly known: readonly string[],
  ) {
    super(`unknown proxy '${proxy}': known proxies are ${known.join(', ')}`);
  }
}

/** A batch that does not fit the network or the proxy: wrong shape, too few images, bad labels. */
export class ProxyInputError extends ProxyError {
  override name = 'ProxyInputError';
}

/**
 * A batch too large for the memory budget where the proxy's maths does not allow splitting it
 * (batch statistics couple the samples). `fits` is the largest batch that does.
 */
export class ProxyBatchTooLargeError extends ProxyError {
  override name = 'ProxyBatchTooLargeError';
  constructor(
    message: string,
    readonly fits: number,
  ) {
    super(message);
  }
}
