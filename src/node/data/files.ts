// Reading datasets from the data directory, and checking what is there.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetNotFoundError } from '../../data/errors.ts';
import type { ImageDataset } from '../../data/dataset.ts';
import { parseMedMnist } from '../../data/medmnist.ts';
import {
  MEDMNIST_NAMES, SIZES_PX, getMedMnistInfo, medMnistFileName, releaseByMd5, type MedMnistSizePx,
} from '../../data/registry.ts';
import { SYNTHETIC_NAME, syntheticDataset } from '../../data/synthetic.ts';
import { readFileOrExplain } from '../files.ts';
import { resolveDataDir, type DataDirOptions } from './dirs.ts';

/** MD5 of a file, streamed (MedMNIST+ files reach several GB at 224 px). */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Reads and checks a MedMNIST .npz from disk; `name` is the subset (default: from the file name). */
export async function loadMedMnistFile(path: string, name?: string, sizePx?: number): Promise<ImageDataset> {
  const file = basename(path);
  const subset = name ?? file.replace(/(_\d+)?\.npz$/, '');
  const bytes = await readFileOrExplain(path, 'MedMNIST file');
  return parseMedMnist(bytes, subset, file, sizePx);
}

export interface LoadDatasetOptions extends DataDirOptions {
  readonly sizePx?: number;
}

/**
 * A dataset by name: 'synthetic' (the default, generated in memory) or a MedMNIST subset read
 * from the data directory. Throws DatasetNotFoundError (saying how to download) when absent.
 */
export async function loadDataset(name: string = SYNTHETIC_NAME, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  if (name === SYNTHETIC_NAME) return syntheticDataset({ sizePx: options.sizePx ?? 28 });
  const info = getMedMnistInfo(name);
  const sizePx = options.sizePx ?? 28;
  const path = join(resolveDataDir(options).path, medMnistFileName(info.name, sizePx));
  if ((await sizeOf(path)) === null) throw new DatasetNotFoundError(info.name, path);
  return loadMedMnistFile(path, info.name, sizePx);
}

export interface LocalDatasetStatus {
  readonly name: string;
  readonly sizePx: MedMnistSizePx;
  readonly fileName: string;
  readonly path: string;
  /** null when the file is absent. */
  readonly bytes: number | null;
  /** 'verified': MD5 is a registry release's; 'mismatch': present but not an official file. */
  readonly status: 'absent' | 'verified' | 'mismatch' | 'unchecked';
  /** For a verified file: which release it is ('v3', or 'v2' for old Organ{A,C,S} files). */
  readonly release: string | null;
  readonly md5: string | null;
}

export interface ListOptions extends DataDirOptions {
  /** Compute MD5s of present files (default true). */
  readonly verify?: boolean;
  readonly sizesPx?: readonly MedMnistSizePx[];
  /** Called before each file is hashed (hashing the large files takes seconds). */
  readonly onFile?: (fileName: string) => void;
}

/** Every registry subset and size, and whether its file is in the data directory and verified. */
export async function listLocalDatasets(options: ListOptions = {}): Promise<LocalDatasetStatus[]> {
  const dir = resolveDataDir(options).path;
  const out: LocalDatasetStatus[] = [];
  for (const name of MEDMNIST_NAMES) {
    for (const sizePx of options.sizesPx ?? SIZES_PX) {
      const fileName = medMnistFileName(name, sizePx);
      const path = join(dir, fileName);
      const bytes = await sizeOf(path);
      if (bytes === null) {
        out.push({ name, sizePx, fileName, path, bytes, status: 'absent', release: null, md5: null });
        continue;
      }
      if (options.verify === false) {
        out.push({ name, sizePx, fileName, path, bytes, status: 'unchecked', release: null, md5: null });
        continue;
      }
      options.onFile?.(fileName);
      const md5 = await md5OfFile(path);
      const release = releaseByMd5(name, sizePx, md5);
      out.push({ name, sizePx, fileName, path, bytes, status: release ? 'verified' : 'mismatch', release: release?.id ?? null, md5 });
    }
  }
  return out;
}
