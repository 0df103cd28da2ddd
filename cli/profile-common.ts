// What the `mednas profile` modes share: their options, the values every mode parses the same way
// (--repeat, --timing, --seed) and the number formats of their tables.
import type { Runtime } from '../src/index.ts';
import { choiceValue, intValue, optional } from './options.ts';

export interface ProfileOptions {
  batch?: unknown;
  size?: unknown;
  steps?: unknown;
  top?: unknown;
  kernel?: unknown;
  shape?: unknown;
  pass?: unknown;
  arch?: unknown;
  initChannels?: unknown;
  dataset?: unknown;
  wgsl?: unknown;
  entry?: unknown;
  dispatch?: unknown;
  buffer?: unknown;
  uniform?: unknown;
  override?: unknown;
  flops?: unknown;
  bytes?: unknown;
  show?: unknown;
  repeat?: unknown;
  timing?: unknown;
  seed?: unknown;
  timeout?: unknown;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

/** Opens the GPU (after the mode has checked its values). */
export type OpenRuntime = () => Promise<Runtime>;

export const repeatValue = (options: ProfileOptions, fallback: number, max: number): number =>
  intValue(options.repeat ?? fallback, '--repeat', { min: 1, max });

export const timingValue = (options: ProfileOptions): 'auto' | 'timestamps' | 'wall' =>
  optional(options.timing, (v) => choiceValue(v, '--timing', ['auto', 'timestamps', 'wall'] as const)) ?? 'auto';

export const seedValue = (options: ProfileOptions): number => intValue(options.seed ?? 0, '--seed', { min: 0, max: 2 ** 32 - 1 });

/** Every value of a repeatable option, in the order given. */
export const repeated = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Milliseconds with about three significant digits. */
export function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** A rate (GFLOP/s, GB/s) or a dash when there is none. */
export function rate(v: number | null): string {
  return v === null ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : v.toExponential(1);
}

/** Rows as columns padded to their widest cell; `right` columns are right-aligned. */
export function table(rows: readonly (readonly string[])[], right: readonly number[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  return rows.map((r) => r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** How a profile was timed, in words. */
export function timingText(timing: 'timestamps' | 'wall', repeat: number): string {
  const source = timing === 'timestamps' ? 'GPU timestamps (each dispatch in its own timed pass)' : 'wall clock around submit + wait (the adapter has no timestamp queries, or --timing wall)';
  return `timing: ${source}; median of ${repeat} repeat${repeat === 1 ? '' : 's'} (min-max)`;
}
