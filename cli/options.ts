// The one parser for command-line values, used by every command: numbers with ranges, byte sizes,
// choices, lists, paths (file or directory expected), URLs. One error style everywhere: the flag,
// what was given, what is allowed ("--batch: got "-3"; allowed: a whole number from 1 to 4096").
//
// cac (through mri) turns "-3" after a flag into an unknown option and "abc"/"" into NaN/0 before
// a command sees them, so protectValues() first marks every value of a value-taking option; the
// parsers below strip the mark and see exactly what was typed.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CAC } from 'cac';

/** A value the user typed that is not allowed: the CLI prints the message and exits with code 1. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

const MARK = '\u0001';

/** Every `--name <value>` option of a cac program (its commands' and its global ones). */
function valueOptionNames(cli: CAC): Set<string> {
  const names = new Set<string>();
  for (const command of [cli.globalCommand, ...cli.commands]) {
    for (const option of command.options) {
      if (option.required !== true) continue;
      for (const part of option.rawName.replace(/[<[].*$/, '').split(',')) names.add(part.trim());
    }
  }
  return names;
}

/**
 * Rewrites `--flag value` and `--flag=value` for `cli`'s value-taking options into one marked
 * token, so that the value reaches the command as typed (a leading '-', '', 'abc', '1e9').
 */
export function protectValues(argv: readonly string[], cli: CAC): string[] {
  const names = valueOptionNames(cli);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!names.has(flag)) out.push(arg);
    else if (eq > 0) out.push(`${flag}=${MARK}${arg.slice(eq + 1)}`);
    else if (i + 1 < argv.length) out.push(`${flag}=${MARK}${argv[++i]}`);
    else out.push(arg); // no value: cac says "value is missing"
  }
  return out;
}

/**
 * Removes protectValues' marks from what cac parsed (in place), so that an action reading an option
 * with plain String() gets the text as typed. Run right after cac's parse.
 */
export function unmarkValues(options: Record<string, unknown>): void {
  const unmark = (v: unknown): unknown =>
    typeof v === 'string' && v.startsWith(MARK) ? v.slice(MARK.length) : Array.isArray(v) ? v.map(unmark) : v;
  for (const [k, v] of Object.entries(options)) options[k] = unmark(v);
}

/** The single text the user gave for `flag` (a cac default may be a number). */
function text(value: unknown, flag: string): string {
  if (Array.isArray(value)) throw new CliUsageError(`${flag}: given ${value.length} times; give it once`);
  if (value === true || value === false || value === undefined) throw new CliUsageError(`${flag}: needs a value`);
  const s = String(value);
  return s.startsWith(MARK) ? s.slice(MARK.length) : s;
}

function bad(flag: string, given: string, allowed: string, why = ''): CliUsageError {
  return new CliUsageError(`${flag}: got ${JSON.stringify(given)}${why ? ` (${why})` : ''}; allowed: ${allowed}`);
}

export interface Range {
  readonly min?: number;
  readonly max?: number;
}

function rangeText(range: Range, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (range.min !== undefined && range.max !== undefined) return `from ${range.min} to ${range.max}${u}`;
  if (range.min !== undefined) return `>= ${range.min}${u}`;
  if (range.max !== undefined) return `<= ${range.max}${u}`;
  return '';
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A whole number within `range` (decimal digits only: no '0x', no '1e3', no '').  */
export function intValue(value: unknown, flag: string, range: Range = {}): number {
  const s = text(value, flag).trim();
  const allowed = `a whole number ${rangeText(range)}`.trim();
  if (!/^[+-]?\d+$/.test(s)) throw bad(flag, s, allowed);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) throw bad(flag, s, allowed);
  return n;
}

/** A finite decimal number within `range` ('1e-3' and '.5' are fine; 'NaN', 'Infinity', '' are not). */
export function floatValue(value: unknown, flag: string, range: Range = {}): number {
  const s = text(value, flag).trim();
  const allowed = `a number ${rangeText(range)}`.trim();
  if (!DECIMAL.test(s)) throw bad(flag, s, allowed);
  const n = Number(s);
  if (!Number.isFinite(n) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) throw bad(flag, s, allowed);
  return n;
}

const UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** A size in bytes: '4096', '512MB', '1.5GiB' (k/M/G/T are powers of 1000, KiB/MiB/GiB/TiB of 1024). */
export function bytesValue(value: unknown, flag: string, range: Range = {}): number {
  const s = text(value, flag).trim();
  const allowed = `a size such as 4096, 512MB or 2GiB ${rangeText(range, 'bytes')}`.trim();
  const m = /^(\d+\.?\d*|\.\d+)\s*([a-zA-Z]*)$/.exec(s);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw bad(flag, s, allowed);
  const n = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) throw bad(flag, s, allowed);
  return n;
}

/** One of `choices` (numbers are compared as typed: '28' matches 28). */
export function choiceValue<T extends string | number>(value: unknown, flag: string, choices: readonly T[]): T {
  const s = text(value, flag).trim();
  const found = choices.find((c) => String(c) === s);
  if (found === undefined) throw bad(flag, s, choices.join(', '));
  return found;
}

/** A comma-separated (and/or repeated) list, each item checked by `item` (e.g. intValue). */
export function listValue<T>(value: unknown, flag: string, item: (text: string, flag: string) => T, length: Range = { min: 1 }): T[] {
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => text(v, flag).split(',')).map((p) => p.trim());
  if (parts.some((p) => p === '') || (length.min !== undefined && parts.length < length.min) || (length.max !== undefined && parts.length > length.max)) {
    throw bad(flag, parts.join(','), `a comma-separated list of ${rangeText(length, 'items')}`);
  }
  return parts.map((p) => item(`${MARK}${p}`, flag));
}

/** Any non-empty text. */
export function stringValue(value: unknown, flag: string): string {
  const s = text(value, flag);
  if (s.trim() === '') throw bad(flag, s, 'a non-empty value');
  return s;
}

/** An http:// or https:// URL. */
export function urlValue(value: unknown, flag: string): string {
  const s = text(value, flag).trim();
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw bad(flag, s, 'a whole http:// or https:// URL, e.g. https://example.org/data/pneumoniamnist.npz', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(flag, s, 'an http:// or https:// URL', `${url.protocol} URLs are not supported`);
  return url.href;
}

export type PathExpectation = 'file' | 'dir' | 'dir-or-missing' | 'file-or-missing';

const EXPECTED: Record<PathExpectation, string> = {
  file: 'an existing file',
  dir: 'an existing directory',
  'dir-or-missing': 'a directory (created if missing)',
  'file-or-missing': 'a file path (a new file is fine; not a directory)',
};

/** A path, resolved against the working directory, checked against what is expected there. */
export async function pathValue(value: unknown, flag: string, expect: PathExpectation): Promise<string> {
  const s = text(value, flag);
  if (s.trim() === '') throw bad(flag, s, EXPECTED[expect]);
  const path = resolve(s);
  let kind: 'file' | 'dir' | 'other' | 'missing';
  try {
    const st = await stat(path);
    kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') kind = 'missing';
    else if (code === 'ENOTDIR') throw bad(flag, s, EXPECTED[expect], 'a part of the path is a file, not a directory');
    else throw bad(flag, s, EXPECTED[expect], `cannot be checked: ${code ?? String(e)}`);
  }
  const ok =
    (kind === 'file' && (expect === 'file' || expect === 'file-or-missing')) ||
    (kind === 'dir' && (expect === 'dir' || expect === 'dir-or-missing')) ||
    (kind === 'missing' && (expect === 'dir-or-missing' || expect === 'file-or-missing'));
  if (!ok) throw bad(flag, s, EXPECTED[expect], kind === 'missing' ? 'it does not exist' : kind === 'dir' ? 'a directory' : kind === 'file' ? 'a file' : 'not a regular file or directory');
  return path;
}

/** `parse(value)` when the option was given, else undefined. */
export function optional<T>(value: unknown, parse: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

/** cac prints "(default: true)" beside every --no-X flag; that reads as if --no-X were on. */
export function fixNegatedDefaults(sections: { title?: string; body: string }[]): { title?: string; body: string }[] {
  return sections.map((s) => ({ ...s, body: s.body.replace(/^(\s+--no-\S+.*?)\s*\(default: true\)$/gm, '$1') }));
}

/**
 * `text` as one word for a POSIX shell: as it is when it holds only characters no shell treats
 * specially, else in single quotes (a quote inside written '\''), so a printed command can be pasted
 * whatever the path holds (spaces, quotes, non-ASCII).
 */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** `n` and the word, plural unless n is 1: "1 generation", "20 generations", "1 epoch". */
export function countOf(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/** C for an MSTF network from a flag: a multiple of 4 (each reduction cell splits C into 4 branches). */
export function initChannelsValue(v: unknown, flag = '--init-channels'): number {
  const c = intValue(v, flag, { min: 4, max: 4096 });
  if (c % 4 !== 0) throw new CliUsageError(`${flag}: got ${c}; allowed: a multiple of 4 (each reduction cell splits C into 4 branches), e.g. ${c - (c % 4) || 4}`);
  return c;
}

/** Seconds as "1h02m" or "3m05s", for long runs' progress lines. */
export function hoursMinutes(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
