// Ground-truth tables on disk: read with every fault a typed error naming the path, written
// atomically (temp file, fsync, rename), and locked while a build writes them so that two builds
// never race on one table.
import { decodeTruthTable, type TruthTable } from '../truth/table.ts';
import { lockFile } from './data/lock.ts';
import { readFileOrExplain, writeFileAtomic, type WriteAtomicOptions } from './files.ts';

/** Another live process is building this table. */
export class TableBusyError extends Error {
  override name = 'TableBusyError';
  constructor(readonly path: string, readonly lockPath: string, readonly pid: number | null) {
    super(`${path} is being built by another process${pid === null ? '' : ` (pid ${pid})`}: wait for it to finish, or stop it (its table keeps every finished unit) and run again. If no such process runs, delete ${lockPath}.`);
  }
}

export async function readTruthTable(path: string): Promise<TruthTable> {
  return decodeTruthTable(await readFileOrExplain(path, 'ground-truth table'), path);
}

export async function writeTruthTable(path: string, bytes: Uint8Array, options: WriteAtomicOptions = {}): Promise<void> {
  await writeFileAtomic(path, bytes, options);
}

/** Locks `path` for one build; resolves to the release function. */
export function lockTruthTable(path: string): Promise<() => Promise<void>> {
  return lockFile(path, (lockPath, pid) => new TableBusyError(path, lockPath, pid));
}
