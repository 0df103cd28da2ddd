// .npz = a zip of .npy members named '<key>.npy' (numpy.savez / savez_compressed).
import { zipSync } from 'fflate';
import { NpzFormatError } from './errors.ts';
import { parseNpy, writeNpy, type NpyArray } from './npy.ts';
import { listZip, readZipEntry } from './zip.ts';

/** Reads every member (or only `keys`) of an .npz held in memory. Keys drop the '.npy' suffix. */
export function readNpz(bytes: Uint8Array, file: string, keys?: readonly string[]): Map<string, NpyArray> {
  try {
    return readMembers(bytes, file, keys);
  } catch (err) {
    // A safety net: a damaged field we did not check explicitly makes a DataView read past the end.
    if (err instanceof RangeError) throw new NpzFormatError(file, `zip structure is damaged (${err.message})`);
    throw err;
  }
}

function readMembers(bytes: Uint8Array, file: string, keys?: readonly string[]): Map<string, NpyArray> {
  const entries = listZip(bytes, file);
  const out = new Map<string, NpyArray>();
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue; // a directory entry
    const key = entry.name.replace(/\.npy$/, '');
    if (keys && !keys.includes(key)) continue;
    if (!entry.name.endsWith('.npy')) throw new NpzFormatError(`${file}/${entry.name}`, 'member is not a .npy array');
    out.set(key, parseNpy(readZipEntry(bytes, entry, file), `${file}/${entry.name}`));
  }
  return out;
}

/** Writes arrays as an .npz; `compress` gives savez_compressed's deflate, else savez's stored. */
export function writeNpz(arrays: Record<string, NpyArray>, compress = true): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [key, array] of Object.entries(arrays)) files[`${key}.npy`] = [writeNpy(array), { level: compress ? 6 : 0 }];
  // A fixed timestamp makes the output byte-for-byte reproducible.
  return zipSync(files, { mtime: new Date('2024-01-01T00:00:00Z') });
}
