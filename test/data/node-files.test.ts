import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DatasetNotFoundError, NpzFormatError } from '../../src/data/index.ts';
import { loadDataset, loadMedMnistFile, resolveDataDir } from '../../src/node/data/index.ts';
import { FileAccessError } from '../../src/node/files.ts';
import { REAL_DIR, realFile } from './helpers.ts';

test('data directory: --data-dir, else MEDNAS_DATA, else the per-user default per platform', () => {
  const env = { MEDNAS_DATA: '/srv/med' };
  assert.equal(resolveDataDir({ dataDir: '/x/y', env }), { path: '/x/y', source: 'flag' });
  assert.equal(resolveDataDir({ env }), { path: '/srv/med', source: 'env' });
  assert.equal(resolveDataDir({ env: {}, platform: 'linux', home: '/home/a' }), { path: '/home/a/.local/share/mednas', source: 'default' });
  assert.is(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', home: '/h' }).path, '/xdg/mednas');
  assert.is(resolveDataDir({ env: {}, platform: 'darwin', home: '/Users/a' }).path, '/Users/a/Library/Application Support/mednas');
});

test('loadDataset: the default is the built-in synthetic set', async () => {
  const ds = await loadDataset();
  assert.is(ds.name, 'synthetic');
  assert.is(ds.splits.train.count, 2000);
});

test('loadDataset: an absent subset says how to download it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mednas-files-'));
  try {
    await loadDataset('dermamnist', { dataDir: dir });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DatasetNotFoundError);
    assert.match((e as Error).message, /mednas data download dermamnist/);
  }
  writeFileSync(join(dir, 'retinamnist.npz'), 'not really');
  try {
    await loadMedMnistFile(join(dir, 'retinamnist.npz'));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, NpzFormatError);
    assert.match((e as Error).message, /^retinamnist\.npz: not a zip/);
  }
  for (const [path, pattern] of [
    [join(dir, 'absent.npz'), /^MedMNIST file .*absent\.npz does not exist: check the path$/],
    [dir, /^MedMNIST file .* is a directory, expected a file/],
  ] as const) {
    try {
      await loadMedMnistFile(path);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, FileAccessError);
      assert.match((e as Error).message, pattern);
    }
  }
  rmSync(dir, { recursive: true });
});

test('loadDataset: a real file from the data directory', async () => {
  if (!realFile('retinamnist')) return void console.log('  (skipped: retinamnist.npz not present)');
  const ds = await loadDataset('retina', { dataDir: REAL_DIR });
  assert.equal([ds.name, ds.channels, ds.splits.test.count], ['retinamnist', 3, 400]);
});

test.run();
