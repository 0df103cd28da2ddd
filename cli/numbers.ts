// Whole-number flags for the arch commands (until the shared option parser, cli/options.ts, lands).

/** `v` as a whole number in [min, max], or an error naming the flag. */
export function wholeNumber(flag: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === '' || v === true || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got ${String(v)}`);
  }
  return n;
}
