// A lock file beside a download's target, so that two downloads of one file into one directory do
// not write the same .part file (one of them used to fail with a raw ENOENT when the other renamed
// it). The lock holds the owner's pid; a lock whose process is gone (killed, crashed) is taken over.
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

/** Takes `${target}.lock`; resolves to the function that releases it. */
export async function lockDownload(target: string): Promise<() => Promise<void>> {
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
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DownloadBusyError(basename(target), lockPath, pid);
    if (Number.isInteger(pid) && pid === process.pid) throw new DownloadBusyError(basename(target), lockPath, pid);
    await unlink(lockPath).catch(() => undefined); // stale: its process is gone
  }
  throw new DownloadBusyError(basename(target), lockPath, null);
}
