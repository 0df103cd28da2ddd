// Shared helpers for the data tests: tiny MedMNIST-shaped .npz files built in memory.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeNpz, type NpyArray } from '../../src/data/index.ts';

/** The shared folder with the three real MedMNIST files (absent on some machines; the variable
 * MEDNAS_TEST_MEDMNIST_DIR points elsewhere, e.g. at an empty folder to check the skip path). */
export const REAL_DIR = process.env.MEDNAS_TEST_MEDMNIST_DIR ?? resolve(import.meta.dirname, '../../../shared/data/medmnist');
export const realFile = (name: string): string | null => {
  const p = join(REAL_DIR, `${name}.npz`);
  return existsSync(p) ? p : null;
};

export interface FakeOptions {
  readonly counts?: { train: number; val: number; test: number };
  readonly sizePx?: number;
  readonly channels?: 1 | 3;
  /** Label columns (14 for ChestMNIST-like). */
  readonly labelWidth?: number;
  readonly classes?: number;
}

/** Arrays shaped like a MedMNIST file; pixel (n, y, x, c) = (n * 7 + y * 3 + x + c * 50) % 256. */
export function fakeArrays(o: FakeOptions = {}): Record<string, NpyArray> {
  const counts = o.counts ?? { train: 6, val: 2, test: 3 };
  const S = o.sizePx ?? 28;
  const C = o.channels ?? 1;
  const K = o.labelWidth ?? 1;
  const classes = o.classes ?? 2;
  const out: Record<string, NpyArray> = {};
  for (const split of ['train', 'val', 'test'] as const) {
    const n = counts[split];
    const images = new Uint8Array(n * S * S * C);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++)
          for (let c = 0; c < C; c++) images[((i * S + y) * S + x) * C + c] = (i * 7 + y * 3 + x + c * 50) % 256;
    const labels = new Uint8Array(n * K);
    for (let i = 0; i < labels.length; i++) labels[i] = K === 1 ? i % classes : (i * 5) % 3 === 0 ? 1 : 0;
    out[`${split}_images`] = { dtype: 'u1', shape: C === 1 ? [n, S, S] : [n, S, S, C], data: images };
    out[`${split}_labels`] = { dtype: 'u1', shape: [n, K], data: labels };
  }
  return out;
}

export function fakeNpz(o: FakeOptions = {}): Uint8Array {
  return writeNpz(fakeArrays(o));
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
export function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}
