// One writer per run directory: search and train take `DIR/.mednas-run.lock` (the holder's pid;
// a lock whose process is gone is taken over, as the download lock) before they look at what the
// directory holds, so two runs started together on one directory cannot both decide it is theirs:
// the second is refused, naming the first. Taking the lock also proves the directory writable
// before any work is done (a read-only --out used to be found after a whole generation).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lockFile } from './data/lock.ts';
import { explainWrite } from './files.ts';

export const RUN_LOCK_NAME = '.mednas-run';

/** Another live process writes in this run directory. */
export class RunBusyError extends Error {
  override name = 'RunBusyError';
  constructor(readonly dir: string, readonly lockPath: string, readonly pid: number | null) {
    super(`${dir} is in use by another mednas run${pid === null ? '' : ` (pid ${pid})`}: wait for it to finish or stop it (its files keep what it finished), or give another --out. If no such process runs, delete ${lockPath}.`);
  }
}

/** Creates `dir` if needed and locks it for this process; resolves to the release function. */
export async function lockRunDirectory(dir: string): Promise<() => Promise<void>> {
  try {
    await mkdir(dir, { recursive: true });
    return await lockFile(join(dir, RUN_LOCK_NAME), (lockPath, pid) => new RunBusyError(dir, lockPath, pid));
  } catch (e) {
    if (e instanceof RunBusyError) throw e;
    throw explainWrite((e as NodeJS.ErrnoException).code, dir, e as Error);
  }
}
