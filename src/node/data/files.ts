// Reading datasets from the data directory, and checking what is there.
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetNotFoundError } from '../../data/errors.ts';
import type { ImageDataset } from '../../data/dataset.ts';
import type { ImageFolderSummary } from '../../data/image-folder.ts';
import { parseCustomNpz, parseMedMnist } from '../../data/medmnist.ts';
import {
  MEDMNIST_NAMES, SIZES_PX, getMedMnistInfo, medMnistFileName, releaseByMd5, type MedMnistSizePx,
} from '../../data/registry.ts';
import { lesionDataset, lesionSizeOf } from '../../data/lesions.ts';
import { SYNTHETIC_NAME, syntheticDataset } from '../../data/synthetic.ts';
import { readFileOrExplain } from '../files.ts';
import { resolveDataDir, type DataDirOptions } from './dirs.ts';
import { loadImageFolder } from './image-folder.ts';
import { datasetSource } from './source.ts';
import { md5OfFile } from './md5.ts';
import { verifyMedMnistFile } from './verify.ts';

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
  /**
   * Image side in pixels: which MedMNIST file (28, 64, 128, 224; default 28), the synthetic set's
   * size, what an image folder is resized to (default 28), and what a custom .npz must hold (if given).
   */
  readonly sizePx?: number;
  /** Image folders without train/val/test folders: seed of the stratified split (default 0). */
  readonly splitSeed?: number;
  /** Image folders: skip files that are not readable images (listed in the summary) instead of failing. */
  readonly skipBad?: boolean;
  /** Image folders: called once with what was read (classes, split, channels, skipped files). */
  readonly onImageFolder?: (summary: ImageFolderSummary) => void;
  /** Image folders: called after each file is read. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * MedMNIST files: check the MD5 against the registry before use (default true; verify.ts: cached
   * by size and modification time). false uses the file as it is (--no-verify).
   */
  readonly verify?: boolean;
  /** MedMNIST files: called before a file is hashed for verification (large files take seconds). */
  readonly onVerify?: (fileName: string, bytes: number) => void;
}

/**
 * A dataset by name or path (datasetSource says which): 'synthetic' (the default, generated in
 * memory); a MedMNIST subset read from the data directory (DatasetNotFoundError, saying how to
 * download, when absent); a MedMNIST file by path; an .npz of your own in MedMNIST's layout; or a
 * folder of images (src/data/image-folder.ts).
 */
export async function loadDataset(name: string = SYNTHETIC_NAME, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  const source = datasetSource(name);
  switch (source.kind) {
    case 'synthetic':
      return syntheticDataset({ sizePx: options.sizePx ?? 28 });
    case 'lesions':
      return lesionDataset({ size: lesionSizeOf(source.name)!, sizePx: options.sizePx ?? 28 });
    case 'medmnist': {
      const info = getMedMnistInfo(source.name);
      const sizePx = options.sizePx ?? 28;
      const path = join(resolveDataDir(options).path, medMnistFileName(info.name, sizePx));
      if ((await sizeOf(path)) === null) throw new DatasetNotFoundError(info.name, path);
      if (options.verify !== false) await verifyMedMnistFile(path, info.name, sizePx, { onHash: options.onVerify });
      return loadMedMnistFile(path, info.name, sizePx);
    }
    case 'medmnist-file': {
      // The size is the file name's (breastmnist_64.npz), else 28; --size must agree (parseMedMnist checks).
      const named = Number(/_(\d+)\.npz$/i.exec(source.path!)?.[1] ?? 28);
      if (options.verify !== false && (SIZES_PX as readonly number[]).includes(named)) {
        await verifyMedMnistFile(source.path!, source.name, named, { onHash: options.onVerify });
      }
      return loadMedMnistFile(source.path!, source.name, options.sizePx);
    }
    case 'custom-npz': {
      const bytes = await readFileOrExplain(source.path!, 'dataset file');
      return parseCustomNpz(bytes, source.name, source.path!, options.sizePx);
    }
    case 'image-folder': {
      const { dataset, summary } = await loadImageFolder(source.path!, {
        name: source.name, sizePx: options.sizePx, splitSeed: options.splitSeed, skipBad: options.skipBad, onProgress: options.onProgress,
      });
      options.onImageFolder?.(summary);
      return dataset;
    }
  }
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
