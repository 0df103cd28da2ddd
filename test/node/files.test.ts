// The Node edge's file helpers: atomic writes flush the file, rename it, then flush the directory;
// reads and writes that fail name the path and what was expected.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FileAccessError, readFileOrExplain, writeFileAtomic } from '../../src/node/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-files-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function failure(fn: () => Promise<unknown>): Promise<FileAccessError> {
  try {
    await fn();
  } catch (e) {
    assert.instance(e, FileAccessError, String(e));
    return e as FileAccessError;
  }
  throw new Error('expected a FileAccessError');
}

test('writeFileAtomic: fsync of the file, rename, then fsync of the directory; no temp file left', async () => {
  // Every FileHandle shares one prototype: record what each sync() flushed (Linux: /proc names the fd).
  const probe = await open(dir, 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: { fd: number }) => Promise<void> };
  await probe.close();
  const original = proto.sync;
  const target = join(dir, 'out', 'model.bin');
  const synced: { path: string; targetExists: boolean }[] = [];
  proto.sync = function (this: { fd: number }) {
    synced.push({ path: readlinkSync(`/proc/self/fd/${this.fd}`), targetExists: existsSync(target) });
    return original.call(this);
  };
  try {
    await writeFileAtomic(target, Uint8Array.from([1, 2, 3]));
  } finally {
    proto.sync = original;
  }
  assert.equal(Array.from(readFileSync(target)), [1, 2, 3]);
  assert.equal(readdirSync(join(dir, 'out')), ['model.bin']);
  if (process.platform !== 'linux') return;
  assert.is(synced.length, 2, JSON.stringify(synced));
  assert.match(synced[0].path, /\.model\.bin\.\d+\.\d+\.tmp$/);
  assert.is(synced[0].targetExists, false, 'the temp file is flushed before the rename');
  assert.is(synced[1].path, join(dir, 'out'));
  assert.is(synced[1].targetExists, true, 'the directory is flushed after the rename');
});

test('writeFileAtomic: a file where a directory should be, and a directory as the target, are explained', async () => {
  writeFileSync(join(dir, 'plain'), 'x');
  const e = await failure(() => writeFileAtomic(join(dir, 'plain', 'model.bin'), new Uint8Array(1)));
  assert.match(e.message, /^cannot write .*plain\/model\.bin: a part of the path before the file name is a file, not a directory/);
  mkdirSync(join(dir, 'adir'));
  const d = await failure(() => writeFileAtomic(join(dir, 'adir'), new Uint8Array(1)));
  assert.match(d.message, /adir: it is a directory; give a file name/);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
});

test('readFileOrExplain: missing, a directory, a file in place of a directory', async () => {
  assert.match((await failure(() => readFileOrExplain(join(dir, 'nope'), 'model file'))).message, /^model file .*nope does not exist: check the path$/);
  const d = await failure(() => readFileOrExplain(dir, 'model file'));
  assert.is(d.code, 'EISDIR');
  assert.match(d.message, /is a directory, expected a file/);
  writeFileSync(join(dir, 'f'), 'x');
  assert.match((await failure(() => readFileOrExplain(join(dir, 'f', 'g'), 'model file'))).message, /not a directory/);
  assert.equal(Array.from(await readFileOrExplain(join(dir, 'f'), 'model file')), [0x78]);
});

test.run();
