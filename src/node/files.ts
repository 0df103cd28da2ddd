// Writing result files so that a crash never leaves a half-written file under the real name: write
// a temporary file beside it, flush it, then rename over the target (atomic on one file system).
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** Reads a file, turning "not found" into an error that names the file and what to do. */
export async function readFileOrExplain(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} ${path} does not exist: check the path`);
    if (code === 'EACCES') throw new Error(`${what} ${path} cannot be read: permission denied`);
    throw e;
  }
}
