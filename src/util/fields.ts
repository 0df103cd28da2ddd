// Type checks for values decoded from a file (msgpack payloads): each failure is a FileFormatError
// naming the file and the field path, so a reader never hands back a half-checked structure and
// never fails later with a raw TypeError on a missing key.
import { FileFormatError } from './file-format-error.ts';

/** What a value is, in words, for messages ("null", "a string", "an array of 3"). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'object') return value instanceof Map ? 'a map with non-string keys' : 'an object';
  return `a ${typeof value}`;
}

/** Field checks bound to one source; `where` is a path such as "tensors['0.weight'].shape". */
export class FieldChecker {
  constructor(readonly source: string) {}

  fail(where: string, expected: string, value: unknown): never {
    throw new FileFormatError(this.source, `${where} is ${describeValue(value)}, expected ${expected}`);
  }

  /** A plain object (msgpack map with string keys), not null, an array, a Map or bytes. */
  record(value: unknown, where: string): Record<string, unknown> {
    const plain =
      typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Map);
    const proto = plain ? Object.getPrototypeOf(value) : undefined;
    if (!plain || (proto !== Object.prototype && proto !== null)) this.fail(where, 'a map', value);
    return value as Record<string, unknown>;
  }

  /**
   * Exactly these keys (no more, none missing): a damaged key name is an error, not a skipped field.
   * `optional` keys may be there or not (fields added later, absent from older files).
   */
  keys(value: Record<string, unknown>, where: string, keys: readonly string[], optional: readonly string[] = []): void {
    const have = Object.keys(value);
    const extra = have.filter((k) => !keys.includes(k) && !optional.includes(k));
    const missing = keys.filter((k) => !(k in value));
    if (extra.length || missing.length) {
      throw new FileFormatError(
        this.source,
        `${where} has ${[missing.length ? `no ${missing.map((k) => `'${k}'`).join(', ')}` : '', extra.length ? `unknown ${extra.map((k) => JSON.stringify(k)).join(', ')}` : ''].filter(Boolean).join(' and ')} (expected ${keys.map((k) => `'${k}'`).join(', ')})`,
      );
    }
  }

  string(value: unknown, where: string): string {
    if (typeof value !== 'string') this.fail(where, 'a string', value);
    return value;
  }

  /** A safe integer within [min, max]. */
  integer(value: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.fail(where, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in ${min}..${max}`, value);
    }
    return value;
  }

  /** A finite number. */
  number(value: unknown, where: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(where, 'a finite number', value);
    return value;
  }

  /** Any number, NaN and infinities included (proxy values, metrics of a failed run). */
  anyNumber(value: unknown, where: string): number {
    if (typeof value !== 'number') this.fail(where, 'a number', value);
    return value;
  }

  /** A map of names to numbers (NaN and infinities allowed). */
  numberMap(value: unknown, where: string): Record<string, number> {
    const r = this.record(value, where);
    return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, this.anyNumber(x, `${where}.${k}`)]));
  }

  /** A map of names to strings. */
  stringMap(value: unknown, where: string): Record<string, string> {
    const r = this.record(value, where);
    return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, this.string(x, `${where}.${k}`)]));
  }

  /** One of `choices` (a string field with a fixed set of values). */
  choice<T extends string>(value: unknown, where: string, choices: readonly T[]): T {
    const s = this.string(value, where);
    if (!(choices as readonly string[]).includes(s)) this.fail(where, `one of ${choices.join(', ')}`, value);
    return s as T;
  }

  boolean(value: unknown, where: string): boolean {
    if (typeof value !== 'boolean') this.fail(where, 'true or false', value);
    return value;
  }

  bytes(value: unknown, where: string): Uint8Array {
    if (!(value instanceof Uint8Array)) this.fail(where, 'binary data', value);
    return value;
  }

  array(value: unknown, where: string): unknown[] {
    if (!Array.isArray(value)) this.fail(where, 'an array', value);
    return value;
  }

  /** An array of integers in [min, max] (e.g. a shape). */
  integers(value: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number[] {
    return this.array(value, where).map((v, i) => this.integer(v, `${where}[${i}]`, min, max));
  }
}
