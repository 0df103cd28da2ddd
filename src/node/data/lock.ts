// Lock files beside a file that one process at a time may write: a download's target (two
// downloads of one file into one directory used to write the same .part file, and one failed with
// a raw ENOENT when the other renamed it), a ground-truth table being built. The lock holds the
// owner's pid; a lock whose process is gone (killed, crashed) is taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { DownloadBusyError } from '../../data/errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Takes `${target}.lock`; resolves to the function that releases it. When a live process (or this
 * one) holds it, throws `busy(lockPath, pid)`; pid is null when the lock kept changing hands.
 */
export async function lockFile(target: string, busy: (lockPath: string, pid: number | null) => Error): Promise<() => Promise<void>> {
  const lockPath = `${target}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return () => unlink(lockPath).catch(() => undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid))) throw busy(lockPath, pid);
    await unlink(lockPath).catch(() => undefined); // stale: its process is gone
  }
  throw busy(lockPath, null);
}

/** Takes `${target}.lock` for a download. */
export function lockDownload(target: string): Promise<() => Promise<void>> {
  return lockFile(target, (lockPath, pid) => new DownloadBusyError(basename(target), lockPath, pid));
}
