// Typed errors of the profiler. Messages say what was wrong and what to do; the CLI prints them
// without a stack.

/** Base class: anything the profiler refuses before or while it runs. */
export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** An unknown built-in kernel kind, or a shape it cannot take (--kernel, --shape). */
export class KernelCaseError extends ProfileError {
  override name = 'KernelCaseError';
}

/** What was wrong with a user's WGSL kernel or with how it was to be run. */
export type UserKernelFault =
  | 'compile' // Dawn rejected the source (messages with line and column)
  | 'read' // compiled, but its declarations could not be read by mednas
  | 'entry' // no such @compute entry point
  | 'override' // unknown override, or a value its type cannot hold
  | 'workgroup' // @workgroup_size over the adapter's limits
  | 'dispatch' // workgroup counts of 0 or over the adapter's limits
  | 'binding' // a buffer for an undeclared binding, a declared binding without one, a texture
  | 'buffer' // too small, not a multiple of 4, over a limit, or init data that does not fit
  | 'uniform' // --uniform values that do not match the uniform's type
  | 'pipeline' // Dawn refused the pipeline or bind group
  | 'run'; // the dispatch failed on the GPU (validation, out of memory, device lost)

export class UserKernelError extends ProfileError {
  override name = 'UserKernelError';
  constructor(
    readonly fault: UserKernelFault,
    message: string,
  ) {
    super(message);
  }
}
