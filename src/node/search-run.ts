// A search's run directory on disk: the checkpoint (written atomically after every generation), the
// summary, the chosen architecture's picture. Reading a checkpoint turns every fault into a typed
// error naming the path.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSearchCheckpoint, type SearchCheckpoint } from '../search/checkpoint.ts';
import { crc32 } from '../util/crc32.ts';
import { readFileOrExplain, writeFileAtomic, type WriteAtomicOptions } from './files.ts';

export const SEARCH_CHECKPOINT_FILE = 'checkpoint.mednas';
export const SEARCH_PICTURE_FILE = 'chosen.svg';
export const SEARCH_REPORT_FILE = 'report.html';
/**
 * The files a search derives from its checkpoint at its end: the summary (SEARCH_SUMMARY_FILE,
 * genotype-file.ts), the chosen picture, the report. `search --force` removes them before it
 * writes anything, so none of them can stand beside another search's checkpoint.
 */
export const SEARCH_DERIVED_FILES: readonly string[] = ['summary.json', SEARCH_PICTURE_FILE, SEARCH_REPORT_FILE];

/** The CRC-32 of a checkpoint file's bytes: what summary.json records to name the checkpoint it was written from. */
export async function searchCheckpointCrc32(path: string): Promise<number> {
  return crc32(await readFileOrExplain(path, 'search checkpoint'));
}

/** The checkpoint path for a run directory or a checkpoint file. */
export async function searchCheckpointPath(dirOrFile: string): Promise<string> {
  try {
    if ((await stat(dirOrFile)).isDirectory()) return join(dirOrFile, SEARCH_CHECKPOINT_FILE);
  } catch {
    // Not there: reading it says so.
  }
  return dirOrFile;
}

export async function readSearchCheckpoint(path: string): Promise<SearchCheckpoint> {
  return decodeSearchCheckpoint(await readFileOrExplain(path, 'search checkpoint'), path);
}

export async function writeSearchCheckpoint(path: string, bytes: Uint8Array, options: WriteAtomicOptions = {}): Promise<void> {
  await writeFileAtomic(path, bytes, options);
}

/** Writes a text file (summary, picture, report) atomically. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(text));
}
