// The downloader against a local HTTP server on 127.0.0.1 (no other network access).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChecksumError, DownloadBusyError, DownloadError } from '../../src/data/index.ts';
import { downloadFile, downloadMedMnist, listLocalDatasets } from '../../src/node/data/index.ts';
import { runAsync, type Finished } from '../spawn.ts';
import { CLI } from '../cli/helpers.ts';
import { realFile } from './helpers.ts';

const fixture = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24);
const fixtureMd5 = createHash('md5').update(fixture).digest('hex');
const breast = realFile('breastmnist');
const ranges: Record<string, (string | undefined)[]> = {};
let server: Server;
let base = '';
let dir = '';
const held: (() => void)[] = [];
let released = false;
/** Lets every held response (and any later one) finish. */
const release = () => {
  released = true;
  held.splice(0).forEach((f) => f());
};

function serveBody(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: Uint8Array, honourRange: boolean): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && honourRange) {
    const start = Number(m[1]);
    if (start >= body.length) return void res.writeHead(416).end();
    res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    return void res.end(body.subarray(start));
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mednas-dl-'));
  server = createServer((req, res) => {
    const [, kind] = (req.url ?? '').split('/');
    (ranges[kind] ??= []).push(req.headers.range);
    const calls = ranges[kind].length;
    if (kind === 'ok') return serveBody(req, res, fixture, true);
    if (kind === 'real' && breast) return serveBody(req, res, readFileSync(breast), true);
    if (kind === 'corrupt') return serveBody(req, res, fixture.map((v, i) => (i === 1000 ? v ^ 1 : v)), true);
    if (kind === 'redirect') return void res.writeHead(302, { location: '/ok/file.bin' }).end();
    if (kind === 'drop' || kind === 'dropnorange' || kind === 'alwaysdrop') {
      if (calls === 1 || kind === 'alwaysdrop') {
        // Full length announced, half sent, then the connection is cut.
        res.writeHead(200, { 'content-length': fixture.length });
        res.write(fixture.subarray(0, 150_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      return serveBody(req, res, fixture, kind === 'drop');
    }
    if (kind === 'always206') {
      // Partial content from byte 10, whatever was asked for: this server cannot be resumed from.
      res.writeHead(206, { 'content-length': fixture.length - 10, 'content-range': `bytes 10-${fixture.length - 1}/${fixture.length}` });
      return void res.end(fixture.subarray(10));
    }
    if (kind === 'wrongresume') {
      // A resume answered from byte 0 with a 206; a fresh request gets the whole file.
      if (req.headers.range) {
        res.writeHead(206, { 'content-length': fixture.length, 'content-range': `bytes 0-${fixture.length - 1}/${fixture.length}` });
        return void res.end(fixture);
      }
      return serveBody(req, res, fixture, false);
    }
    if (kind === 'hold') {
      // Half the fixture, then the rest only once the test calls release(): a second download
      // meets the first however slowly this machine starts processes.
      res.writeHead(200, { 'content-length': fixture.length });
      res.write(fixture.subarray(0, 1000));
      if (released) res.end(fixture.subarray(1000));
      else held.push(() => res.end(fixture.subarray(1000)));
      return;
    }
    res.writeHead(404, 'Not Found').end('not here');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const dest = (name: string) => join(dir, name);
const noFiles = (p: string) => !existsSync(p) && !existsSync(`${p}.part`);
const fast = { retryDelayMs: 0, idleTimeoutMs: 5000 };

test('fixture served OK: file in place, MD5 checked, progress reported, no .part left', async () => {
  const seen: number[] = [];
  const r = await downloadFile(`${base}/ok/file.bin`, dest('ok.bin'), { ...fast, expectedMd5: fixtureMd5, onProgress: (p) => seen.push(p.receivedBytes) });
  assert.is(r.md5, fixtureMd5);
  assert.is(r.resumes, 0);
  assert.equal(new Uint8Array(readFileSync(dest('ok.bin'))), fixture);
  assert.not.ok(existsSync(dest('ok.bin.part')));
  assert.is(seen.at(-1), fixture.length);
});

test('redirects are followed', async () => {
  const r = await downloadFile(`${base}/redirect/file.bin`, dest('redir.bin'), { ...fast, expectedMd5: fixtureMd5 });
  assert.is(r.bytes, fixture.length);
});

test('corrupt file -> ChecksumError, and nothing left under either name', async () => {
  try {
    await downloadFile(`${base}/corrupt/file.bin`, dest('corrupt.bin'), { ...fast, expectedMd5: fixtureMd5 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ChecksumError);
    assert.match((e as Error).message, /corrupt\.bin: MD5 is [0-9a-f]{32}, expected/);
  }
  assert.ok(noFiles(dest('corrupt.bin')));
});

test('connection dropped halfway -> resumes with a Range request and completes', async () => {
  const r = await downloadFile(`${base}/drop/file.bin`, dest('drop.bin'), { ...fast, expectedMd5: fixtureMd5 });
  assert.is(r.resumes, 1);
  assert.is(ranges.drop[0], undefined);
  assert.match(ranges.drop[1] ?? '', /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(ranges.drop[1]!)![0]) > 0);
  assert.equal(new Uint8Array(readFileSync(dest('drop.bin'))), fixture);
  assert.not.ok(existsSync(dest('drop.bin.part')));
});

test('server that ignores Range -> restarts cleanly from zero', async () => {
  const r = await downloadFile(`${base}/dropnorange/file.bin`, dest('norange.bin'), { ...fast, expectedMd5: fixtureMd5 });
  assert.is(r.resumes, 1);
  assert.equal(new Uint8Array(readFileSync(dest('norange.bin'))), fixture);
});

test('dropped with no retries -> clear error, half file only as .part; the next run resumes', async () => {
  const p = dest('later.bin');
  try {
    await downloadFile(`${base}/alwaysdrop/file.bin`, p, { ...fast, retries: 0, expectedMd5: fixtureMd5 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DownloadError);
    assert.match((e as Error).message, /interrupted.*kept in later\.bin\.part.*again: it resumes/);
  }
  assert.not.ok(existsSync(p), 'no half file under the real name');
  const kept = statSync(`${p}.part`).size;
  assert.ok(kept > 0 && kept < fixture.length, `kept ${kept}`);
  const r = await downloadFile(`${base}/ok/file.bin`, p, { ...fast, retries: 0, expectedMd5: fixtureMd5 });
  assert.is(ranges.ok.at(-1), `bytes=${kept}-`);
  assert.equal(new Uint8Array(readFileSync(p)), fixture);
  assert.is(r.bytes, fixture.length);
});

test('a stale .part from another file fails the MD5 once, then downloads cleanly', async () => {
  const p = dest('stale.bin');
  writeFileSync(`${p}.part`, new Uint8Array(1000).fill(7));
  const r = await downloadFile(`${base}/ok/file.bin`, p, { ...fast, expectedMd5: fixtureMd5 });
  assert.is(r.md5, fixtureMd5);
});

test('404 -> DownloadError that says HTTP 404 and what to check; no files', async () => {
  try {
    await downloadFile(`${base}/missing/file.bin`, dest('missing.bin'), fast);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DownloadError);
    assert.match((e as Error).message, /HTTP 404 Not Found.*check the dataset name/);
  }
  assert.ok(noFiles(dest('missing.bin')));
});

test('downloadMedMnist: MEDNAS_DATA_URL base, registry MD5, then "already present"', async () => {
  if (!breast) return void console.log('  (skipped: breastmnist.npz not present to serve)');
  const dataDir = join(dir, 'data');
  const env = { MEDNAS_DATA_URL: `${base}/real` };
  const r = await downloadMedMnist('breast', { dataDir, env, ...fast });
  assert.is(r.url, `${base}/real/breastmnist.npz`);
  assert.is(r.alreadyPresent, false);
  assert.is(r.md5, '750601b1f35ba3300ea97c75c52ff8f6');
  const again = await downloadMedMnist('breastmnist', { dataDir, env, ...fast });
  assert.is(again.alreadyPresent, true);
  const listed = await listLocalDatasets({ dataDir, sizesPx: [28] });
  const row = listed.find((x) => x.name === 'breastmnist')!;
  assert.equal([row.status, row.release], ['verified', 'v3']);
  assert.is(listed.filter((x) => x.status === 'absent').length, 11);
});

test('a 206 from the wrong offset: a resume restarts once from zero; a server that always does it is a clear error', async () => {
  const p = dest('wrongresume.bin');
  writeFileSync(`${p}.part`, fixture.subarray(0, 1000));
  const r = await downloadFile(`${base}/wrongresume/file.bin`, p, { ...fast, expectedMd5: fixtureMd5 });
  assert.equal(new Uint8Array(readFileSync(p)), fixture);
  assert.is(r.md5, fixtureMd5);
  try {
    await downloadFile(`${base}/always206/file.bin`, dest('always206.bin'), { ...fast, expectedMd5: fixtureMd5 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DownloadError);
    assert.match((e as Error).message, /HTTP 206 \(partial content\) from byte 10 to a request for the whole file.*a rerun will not help/);
    assert.not.match((e as Error).message, /no data received|it resumes/);
  }
  assert.ok(noFiles(dest('always206.bin')));
});

test('a lock file: a second download of the same file waits its turn; a stale lock is taken over', async () => {
  const p = dest('locked.bin');
  const first = downloadFile(`${base}/hold/file.bin`, p, { ...fast, expectedMd5: fixtureMd5 });
  while (!existsSync(`${p}.lock`)) await new Promise((r) => setTimeout(r, 10));
  // The same process counts as "another download" too: the lock is per file, not per process.
  try {
    await downloadFile(`${base}/ok/file.bin`, p, { ...fast, expectedMd5: fixtureMd5 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DownloadBusyError);
    assert.match((e as Error).message, /Another download of locked\.bin into this directory is running \(process \d+\)/);
  }
  release();
  await first;
  released = false;
  assert.not.ok(existsSync(`${p}.lock`), 'the lock is released');
  // A lock left by a process that is gone (killed mid-download) does not block the next run.
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
  const q = dest('stale-lock.bin');
  writeFileSync(`${q}.lock`, `${dead}\n`);
  const r = await downloadFile(`${base}/ok/file.bin`, q, { ...fast, expectedMd5: fixtureMd5 });
  assert.is(r.md5, fixtureMd5);
});

test('downloads into a data directory that is a file say so', async () => {
  writeFileSync(dest('afile'), 'x');
  try {
    await downloadFile(`${base}/ok/file.bin`, join(dest('afile'), 'x.bin'), fast);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DownloadError);
    assert.match((e as Error).message, /afile cannot be made \(a file is in the way\)/);
  }
});

const ROOT = resolve(import.meta.dirname, '../..');
/** Runs the CLI asynchronously (so that this process's server can answer it). */
function cli(...args: string[]): Promise<Finished> {
  return runAsync(CLI[0], [...CLI.slice(1), 'data', ...args], {
    cwd: ROOT,
    env: { ...process.env, MEDNAS_DATA: '', MEDNAS_DATA_URL: '' },
  });
}

test('CLI: data list, data download from loopback, 404 and unknown names exit 1 with the message', async () => {
  const dataDir = join(dir, 'cli');
  const [listed, missing, unknown, got] = await Promise.all([
    cli('list', '--data-dir', dataDir),
    cli('download', 'breastmnist', '--data-dir', dataDir, '--url', `${base}/missing/breastmnist.npz`),
    cli('download', 'kneemnist', '--data-dir', dataDir),
    breast ? cli('download', 'breastmnist', '--data-dir', join(dataDir, 'ok'), '--url', `${base}/real/breastmnist.npz`) : null,
  ]);
  assert.is(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /data directory: .*cli \(--data-dir\)/);
  assert.match(listed.stdout, /synthetic .*built in/);
  assert.match(listed.stdout, /organamnist .*34561\/6491\/17778 or 34581\/6491\/17778/);
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /mednas: Download of .*breastmnist\.npz failed: server answered HTTP 404/);
  assert.ok(!existsSync(join(dataDir, 'breastmnist.npz')));
  assert.is(unknown.status, 1);
  assert.match(unknown.stderr, /Unknown dataset 'kneemnist'/);
  // Two CLI downloads into one directory: the second says that the first is running.
  const lockDir = join(dataDir, 'lock');
  const slow = cli('download', 'breastmnist', '--data-dir', lockDir, '--url', `${base}/hold/breastmnist.npz`);
  while (!existsSync(join(lockDir, 'breastmnist.npz.lock'))) await new Promise((r) => setTimeout(r, 20));
  const second = await cli('download', 'breastmnist', '--data-dir', lockDir, '--url', `${base}/ok/breastmnist.npz`);
  assert.is(second.status, 1);
  assert.match(second.stderr, /^mednas: Another download of breastmnist\.npz into this directory is running \(process \d+\)/);
  release();
  const slowDone = await slow;
  assert.is(slowDone.status, 1); // the served bytes are not breastmnist: MD5 mismatch, nothing kept
  assert.match(slowDone.stderr, /MD5 is/);
  if (!got) return void console.log('  (CLI download of a real file skipped: breastmnist.npz not present)');
  assert.is(got.status, 0, got.stderr);
  assert.match(got.stdout, /saved .*breastmnist\.npz \(559580 bytes, MD5 750601b1f35ba3300ea97c75c52ff8f6 ok\)/);
});

test.run();
