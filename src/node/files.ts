// Writing result files so that a crash never leaves a half-written file under the real name: write
// a temporary file beside it, flush it, rename it over the target (atomic on one file system), then
// flush the directory so that the rename itself survives a power cut. Reading turns the file
// system's error codes into messages that name the file and what was expected.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file that could not be read or written: names the path, what was expected and what to do. */
export class FileAccessError extends Error {
  override name = 'FileAccessError';
  constructor(
    readonly path: string,
    /** The file system's code (ENOENT, EISDIR, ...), or null. */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** The reason for an errno code in words, with what to do. */
function explainRead(code: string | undefined, what: string, path: string, e: Error): FileAccessError {
  const say = (text: string) => new FileAccessError(path, code ?? null, `${what} ${path} ${text}`);
  switch (code) {
    case 'ENOENT': return say('does not exist: check the path');
    case 'EISDIR': return say('is a directory, expected a file: give the path of the file itself');
    case 'ENOTDIR': return say('cannot be read: a part of the path before the file name is not a directory');
    case 'EACCES':
    case 'EPERM': return say('cannot be read: permission denied');
    case 'ELOOP': return say('cannot be read: too many symbolic links (a link loop?)');
    case 'ENAMETOOLONG': return say('cannot be read: the path is too long');
    case 'ERR_FS_FILE_TOO_LARGE': return say('is too large to read into memory (over 2 GiB)');
    case 'EMFILE':
    case 'ENFILE': return say('cannot be opened: too many open files (raise the limit with ulimit -n)');
    default: return say(`cannot be read (${code ?? 'error'}: ${e.message})`);
  }
}

/** A write error in words (the path, what happened, what to do). */
export function explainWrite(code: string | undefined, path: string, e: Error): FileAccessError {
  const say = (text: string) => new FileAccessError(path, code ?? null, `cannot write ${path}: ${text}`);
  switch (code) {
    case 'ENOSPC': return say('the disk is full (nothing was left under that name); free some space and run again');
    case 'EDQUOT': return say('the disk quota is used up; free some space and run again');
    case 'EACCES':
    case 'EPERM': return say('permission denied; choose a directory you can write to');
    case 'EROFS': return say('the file system is read-only; choose another directory');
    case 'EEXIST':
    case 'ENOTDIR': return say('a part of the path before the file name is a file, not a directory');
    case 'EISDIR': return say('it is a directory; give a file name');
    default: return say(`${code ?? 'error'}: ${e.message}`);
  }
}

/** Flushes a directory's entries (the rename) to disk. Windows cannot open directories: skip there. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface WriteAtomicOptions {
  /**
   * Called once the temporary file is written and flushed, just before the rename: a test hook, so
   * that a test can kill the process at the one moment a crash could hurt.
   */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
}

/**
 * Writes `bytes` to `path` atomically: the real name holds either the old file or the whole new one,
 * also after a crash or a power cut. Errors are FileAccessErrors naming the path.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteAtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.(temp);
    await rename(temp, path);
    await syncDirectory(dir);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw explainWrite((e as NodeJS.ErrnoException).code, path, e as Error);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writeFileAtomic left beside `path` when a process died before
 * its rename (their names carry the writer's pid); those of live processes stay. Returns how many.
 */
export async function removeStaleTempFiles(path: string): Promise<number> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || (pid !== process.pid && processAlive(pid))) continue;
    await rm(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/**
 * Reads a file; a missing file, a directory, a permission problem and the like become a
 * FileAccessError that names `what` and the path, e.g. "model file /x/m.bin is a directory, ...".
 */
export async function readFileOrExplain(path: string, what: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw explainRead((e as NodeJS.ErrnoException).code, what, path, e as Error);
  }
}
