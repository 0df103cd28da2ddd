import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MEDMNIST, MEDMNIST_NAMES, SIZES_PX, UnknownDatasetError, UnknownSizeError, getMedMnistInfo, medMnistFileName, medMnistMd5,
  medMnistUrl, releaseByMd5, releaseBySplits,
} from '../../src/data/index.ts';

test('all twelve MedMNIST2D subsets, each with 28/64/128/224 MD5s', () => {
  assert.equal([...MEDMNIST_NAMES].sort(), [
    'bloodmnist', 'breastmnist', 'chestmnist', 'dermamnist', 'octmnist', 'organamnist', 'organcmnist', 'organsmnist',
    'pathmnist', 'pneumoniamnist', 'retinamnist', 'tissuemnist',
  ]);
  const allMd5 = new Set<string>();
  for (const name of MEDMNIST_NAMES) {
    const info = MEDMNIST[name];
    assert.ok(info.classNames.length >= 2, name);
    for (const size of SIZES_PX) {
      const md5 = medMnistMd5(name, size);
      assert.match(md5, /^[0-9a-f]{32}$/);
      assert.not.ok(allMd5.has(md5), `duplicate MD5 ${md5}`);
      allMd5.add(md5);
    }
  }
  assert.is(allMd5.size, 48);
});

test('tasks, channels and class counts as in medmnist/info.py', () => {
  const expected: Record<string, [string, number, number]> = {
    pathmnist: ['multi-class', 3, 9], chestmnist: ['multi-label, binary-class', 1, 14], dermamnist: ['multi-class', 3, 7],
    octmnist: ['multi-class', 1, 4], pneumoniamnist: ['binary-class', 1, 2], retinamnist: ['ordinal-regression', 3, 5],
    breastmnist: ['binary-class', 1, 2], bloodmnist: ['multi-class', 3, 8], tissuemnist: ['multi-class', 1, 8],
    organamnist: ['multi-class', 1, 11], organcmnist: ['multi-class', 1, 11], organsmnist: ['multi-class', 1, 11],
  };
  for (const [name, [task, ch, k]] of Object.entries(expected)) {
    const info = MEDMNIST[name];
    assert.equal([info.task, info.channels, info.classNames.length], [task, ch, k], name);
  }
});

test('file names and URLs on Zenodo record 10519652; base URL override', () => {
  assert.is(medMnistFileName('pneumoniamnist'), 'pneumoniamnist.npz');
  assert.is(medMnistFileName('pneumonia', 64), 'pneumoniamnist_64.npz');
  assert.is(medMnistUrl('chestmnist', 224), 'https://zenodo.org/records/10519652/files/chestmnist_224.npz?download=1');
  assert.is(medMnistUrl('breastmnist', 28, 'http://127.0.0.1:8080/mirror/'), 'http://127.0.0.1:8080/mirror/breastmnist.npz');
});

test('name aliases; unknown names and sizes give typed errors listing the choices', () => {
  assert.is(getMedMnistInfo('PneumoniaMNIST').name, 'pneumoniamnist');
  assert.is(getMedMnistInfo('organa').name, 'organamnist');
  try {
    getMedMnistInfo('kneemnist');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, UnknownDatasetError);
    assert.match((e as Error).message, /pathmnist/);
  }
  try {
    medMnistFileName('breastmnist', 32);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, UnknownSizeError);
    assert.match((e as Error).message, /28, 64, 128, 224/);
  }
});

test('OrganA/C/S: both releases are accepted and told apart by split sizes and MD5', () => {
  assert.is(releaseBySplits('organamnist', { train: 34561, val: 6491, test: 17778 })?.id, 'v3');
  assert.is(releaseBySplits('organamnist', { train: 34581, val: 6491, test: 17778 })?.id, 'v2');
  assert.is(releaseBySplits('organcmnist', { train: 13000, val: 2392, test: 8268 })?.id, 'v2');
  assert.is(releaseBySplits('organsmnist', { train: 13932, val: 2452, test: 8827 })?.id, 'v3');
  assert.is(releaseBySplits('organsmnist', { train: 1, val: 2, test: 3 }), null);
  assert.is(releaseByMd5('organamnist', 28, '866b832ed4eeba67bfb9edee1d5544e6')?.id, 'v2');
  assert.is(releaseByMd5('organamnist', 28, '68e3f8846a6bd62f0c9bf841c0d9eacc')?.id, 'v3');
  assert.is(medMnistMd5('organamnist'), '68e3f8846a6bd62f0c9bf841c0d9eacc'); // download fetches the current one
  // The other subsets have one release.
  for (const name of MEDMNIST_NAMES.filter((n) => !n.startsWith('organ'))) assert.is(MEDMNIST[name].releases.length, 1);
});

test.run();
