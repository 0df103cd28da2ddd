// The one error for a file mednas cannot read as what it should be: damaged, truncated, another
// format, a version this build does not read, or a field of the wrong type. The CLI prints the
// message alone, so it names the file, the fault and what to do.

export class FileFormatError extends Error {
  override name = 'FileFormatError';
  constructor(
    /** The file (or other source) that was being read. */
    readonly source: string,
    /** What is wrong, e.g. "checksum mismatch (the file is damaged)". */
    readonly fault: string,
    /** What to do about it. */
    readonly advice = 'The file is damaged or is not this kind of file: use an intact copy or write it again.',
  ) {
    super(`${source}: ${fault}. ${advice}`);
  }
}
