// MedMNIST files checked by MD5 on first use (issue 22, item 7): a file that is not the published
// one for its name and size is refused with the reason (another subset's file under this name, or
// a damaged or foreign one), by name from the data directory and by path; a verified file is
// remembered by its size and modification time (a touched or replaced one is hashed again); a
// read-only data directory keeps no cache; --no-verify uses a file as it is. Runs without the real
// files (a fake file, a cache entry written by hand); with ../shared/data/medmnist also on them.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MedMnistVerifyError, medMnistMd5 } from '../../src/data/index.ts';
import { loadDataset, md5OfFile, medMnistFileByMd5, VERIFIED_CACHE_FILE, verifyMedMnistFile } from '../../src/node/data/index.ts';
import { encodeEnvelope } from '../../src/util/envelope.ts';
import { cliAll } from '../cli/helpers.ts';
import { REAL_DIR, fakeNpz, realFile } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-verify-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const fake = join(dir, 'fake');
mkdirSync(fake);
writeFileSync(join(fake, 'breastmnist.npz'), fakeNpz());
writeFileSync(join(fake, 'breastmnist_64.npz'), fakeNpz({ sizePx: 64 }));
const BREAST = medMnistMd5('breastmnist', 28);

async function refusal(load: Promise<unknown>): Promise<MedMnistVerifyError> {
  const e = await load.then(() => null, (x: unknown) => x);
  assert.instance(e, MedMnistVerifyError);
  return e as MedMnistVerifyError;
}

test('a file that is no published one for its name is refused, by name and by path, saying the MD5 found and expected', async () => {
  const md5 = await md5OfFile(join(fake, 'breastmnist.npz'));
  const byName = await refusal(loadDataset('breastmnist', { dataDir: fake }));
  assert.is(byName.message, `breastmnist.npz has MD5 ${md5}, which is no published breastmnist file at 28 px (expected ${BREAST}): it is damaged, modified or from elsewhere. Download it again (\`mednas data download breastmnist\`, after moving this one away); if it is your own data, give it a file name that is no MedMNIST subset's; or add --no-verify to use it as it is.`);
  assert.equal([byName.md5, byName.other], [md5, null]);
  const byPath = await refusal(loadDataset(join(fake, 'breastmnist_64.npz')));
  assert.match(byPath.message, /^breastmnist_64\.npz has MD5 [0-9a-f]{32}, which is no published breastmnist file at 64 px .*`mednas data download breastmnist --size 64`/);
  assert.not.ok(existsSync(join(fake, VERIFIED_CACHE_FILE)), 'a refused file is not remembered');
  // --no-verify: used as it is (an unofficial copy: release null).
  const used = await loadDataset('breastmnist', { dataDir: fake, verify: false });
  assert.equal([used.name, used.release, used.splits.train.count], ['breastmnist', null, 6]);
});

test('the registry knows every file by its MD5: the subset, size and release', () => {
  assert.equal(medMnistFileByMd5(medMnistMd5('pneumoniamnist', 28)), { name: 'pneumoniamnist', sizePx: 28, release: 'v3', fileName: 'pneumoniamnist.npz' });
  assert.equal(medMnistFileByMd5(medMnistMd5('chestmnist', 224).toUpperCase()), { name: 'chestmnist', sizePx: 224, release: 'v3', fileName: 'chestmnist_224.npz' });
  assert.equal(medMnistFileByMd5('0afa5834fb105f7705a7d93372119a21'), { name: 'organcmnist', sizePx: 28, release: 'v2', fileName: 'organcmnist.npz' });
  assert.is(medMnistFileByMd5('0'.repeat(32)), null);
});

test('the cache answers by size and modification time; a touched file is hashed again', async () => {
  const cached = join(dir, 'cached');
  mkdirSync(cached);
  const path = join(cached, 'breastmnist.npz');
  writeFileSync(path, fakeNpz());
  const s = statSync(path);
  // An entry as a verification writes it, for this file's size and time (the real MD5 of breastmnist.npz).
  writeFileSync(join(cached, VERIFIED_CACHE_FILE), encodeEnvelope('mednas-verified', 1, { files: { 'breastmnist.npz': { bytes: s.size, mtimeMs: s.mtimeMs, md5: BREAST } } }));
  const hashed: string[] = [];
  const v = await verifyMedMnistFile(path, 'breastmnist', 28, { onHash: (f) => hashed.push(f) });
  assert.equal([v.cached, v.md5, v.release, hashed], [true, BREAST, 'v3', []]);
  utimesSync(path, s.atime, new Date(s.mtimeMs + 5000));
  await refusal(loadDataset('breastmnist', { dataDir: cached, onVerify: (f) => hashed.push(f) }));
  assert.equal(hashed, ['breastmnist.npz'], 'hashed again, and refused');
  // A damaged cache is no cache.
  writeFileSync(join(cached, VERIFIED_CACHE_FILE), 'not an envelope');
  await refusal(verifyMedMnistFile(path, 'breastmnist', 28));
});

const pneumonia = realFile('pneumoniamnist');
const breast = realFile('breastmnist');
(pneumonia && breast ? test : test.skip)('real files: another subset under this name is named; a verified file is hashed once; a read-only directory works without a cache', async () => {
  const swapped = join(dir, 'swapped');
  mkdirSync(swapped);
  copyFileSync(pneumonia!, join(swapped, 'breastmnist.npz'));
  const e = await refusal(loadDataset('breastmnist', { dataDir: swapped }));
  assert.match(e.message, /^breastmnist\.npz has the MD5 of pneumoniamnist\.npz \(pneumoniamnist at 28 px, MedMNIST v3\), not of breastmnist at 28 px: it is that file under another name\. Rename it to pneumoniamnist\.npz/);
  assert.equal(e.other, { fileName: 'pneumoniamnist.npz', release: 'v3', name: 'pneumoniamnist', sizePx: 28 });
  const good = join(dir, 'good');
  mkdirSync(good);
  copyFileSync(breast!, join(good, 'breastmnist.npz'));
  const hashed: string[] = [];
  const onVerify = (f: string) => hashed.push(f);
  const first = await loadDataset('breast', { dataDir: good, onVerify });
  assert.equal([first.name, first.release], ['breastmnist', 'v3']);
  assert.ok(existsSync(join(good, VERIFIED_CACHE_FILE)));
  await loadDataset('breast', { dataDir: good, onVerify });
  assert.equal(hashed, ['breastmnist.npz'], 'hashed on first use only');
  // The shared folder may be read-only: verified every time, nothing written, no error.
  const shared = await loadDataset('breast', { dataDir: REAL_DIR });
  assert.is(shared.release, 'v3');
});

test('CLI: the refusal as one line with --no-verify offered; --no-verify goes on', async () => {
  const args = ['arch', 'score', 'paper', '--dataset', 'breastmnist', '--data-dir', fake, '--proxies', 'flops', '--proxy-batch', '2', '--init-channels', '4'];
  const [refused, used] = await cliAll([args, [...args, '--no-verify']]);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /^mednas: breastmnist\.npz has MD5 [0-9a-f]{32}, which is no published breastmnist file at 28 px .* or add --no-verify to use it as it is\.\n$/);
  assert.is(used.status, 0, used.stderr);
  assert.match(used.stdout, /network: breastmnist \(1 x 28 x 28, 2 classes\)/);
});

test.run();
