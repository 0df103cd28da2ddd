// Reproduction results on disk: read with every fault a typed error naming the path, written
// atomically, locked while a runner writes them; each search in progress keeps its own checkpoint
// beside them (DIR/searches/METHOD-sSEED.mednas) so that a killed search resumes mid-way.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeReproduction, type ReproductionResults } from '../reproduce/results.ts';
import { decodeSearchCheckpoint, type SearchCheckpoint } from '../search/checkpoint.ts';
import { lockFile } from './data/lock.ts';
import { readFileOrExplain, writeFileAtomic } from './files.ts';

/** The results file inside a reproduction's directory. */
export const REPRODUCTION_FILE = 'results.mednas';

/** Another live process is running this reproduction. */
export class ReproductionBusyError extends Error {
  override name = 'ReproductionBusyError';
  constructor(readonly path: string, readonly lockPath: string, readonly pid: number | null) {
    super(`${path} is being written by another reproduction${pid === null ? '' : ` (pid ${pid})`}: wait for it to finish, or stop it (every finished unit is kept) and run again. If no such process runs, delete ${lockPath}.`);
  }
}

export async function readReproduction(path: string): Promise<ReproductionResults> {
  return decodeReproduction(await readFileOrExplain(path, 'reproduction results'), path);
}

export async function writeReproduction(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes);
}

export function lockReproduction(path: string): Promise<() => Promise<void>> {
  return lockFile(path, (lockPath, pid) => new ReproductionBusyError(path, lockPath, pid));
}

/** Where a reproduction keeps the checkpoint of one of its searches. */
export function reproductionSearchPath(dir: string, method: string, seed: number): string {
  return join(dir, 'searches', `${method}-s${seed}.mednas`);
}

export async function readReproductionSearch(dir: string, method: string, seed: number): Promise<SearchCheckpoint | null> {
  const path = reproductionSearchPath(dir, method, seed);
  if (!existsSync(path)) return null;
  return decodeSearchCheckpoint(await readFileOrExplain(path, 'search checkpoint'), path);
}

export async function writeReproductionSearch(dir: string, method: string, seed: number, bytes: Uint8Array): Promise<void> {
  await mkdir(join(dir, 'searches'), { recursive: true });
  await writeFileAtomic(reproductionSearchPath(dir, method, seed), bytes);
}
