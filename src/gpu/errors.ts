// Typed errors of the GPU layer. Each message says what happened and, where we know, what to do.

/** Base class: anything the GPU layer throws. */
export class GpuError extends Error {
  override name = 'GpuError';
}

/** Dawn rejected a shader, pipeline or command (a bug in a kernel or a bad argument). */
export class GpuValidationError extends GpuError {
  override name = 'GpuValidationError';
  constructor(
    readonly kernel: string,
    readonly dawnMessage: string,
  ) {
    super(`GPU validation error in kernel '${kernel}': ${dawnMessage}`);
  }
}

/** The device ran out of memory while allocating or running. */
export class GpuOutOfMemoryError extends GpuError {
  override name = 'GpuOutOfMemoryError';
  constructor(
    readonly kernel: string,
    readonly dawnMessage: string,
  ) {
    super(
      `GPU out of memory (${kernel}): ${dawnMessage}. Use a smaller batch size or fewer channels, ` +
        `or free tensors you no longer need (tensor.dispose() / tidy()).`,
    );
  }
}

/** The device was lost (driver reset, destroy()); nothing more can run on it. */
export class GpuDeviceLostError extends GpuError {
  override name = 'GpuDeviceLostError';
  constructor(readonly reason: string, readonly dawnMessage: string) {
    super(`GPU device lost (${reason}): ${dawnMessage}. Create a new runtime to continue.`);
  }
}

/**
 * A request exceeds what the adapter allows (buffer size, workgroup count, ...). `detail` says what
 * happened, `hint` what to do in general terms; a caller that knows the real levers (the search:
 * C and the proxy batch) says its own hint after `detail`.
 */
export class GpuLimitError extends GpuError {
  override name = 'GpuLimitError';
  constructor(
    readonly detail: string,
    readonly hint = '',
  ) {
    super(hint ? `${detail} ${hint}` : detail);
  }
}
