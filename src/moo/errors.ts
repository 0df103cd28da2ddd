// The one error type of the optimiser library. Its message names the offending input and what was
// expected, so a caller (or the CLI, which prints only the message) can fix the call without a stack.

export class MooInputError extends Error {
  override readonly name = 'MooInputError';
}

/** Throws a MooInputError unless `values` has exactly `expected` entries. */
export function expectLength(what: string, values: ArrayLike<unknown>, expected: number): void {
  if (values?.length !== expected) {
    const got = values == null ? String(values) : `${values.length} values`;
    throw new MooInputError(`${what} has ${got}, expected ${expected}`);
  }
}
