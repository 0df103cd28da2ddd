// The browser demo's pure parts, against the CLI's own (no browser, no GPU): the settings from the
// URL hash and the form give the config `mednas search` makes from the same flags; a dropped .npz
// or folder of images gives the dataset (name, images, order, CRC-32) that `--dataset PATH` loads
// on the Node side, so replay --verify and a CLI search run on the data the page searched; the page
// is assembled safely around its script.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageFolderDataset } from '../../src/data/image-folder.ts';
import { droppedFileKind, folderListing, npzDataset, ownDatasetName } from '../../src/demo/files.ts';
import { DEMO_CSP, renderDemoPage, scriptText } from '../../src/demo/page.ts';
import { defaultDemoSettings, demoSearchCommand, demoSearchConfig, parseDemoHash } from '../../src/demo/settings.ts';
import { datasetSource, loadDataset } from '../../src/node/index.ts';
import { encodeSearchCheckpoint } from '../../src/search/checkpoint.ts';
import { searchPreset } from '../../src/search/config.ts';
import { datasetId } from '../../src/train/dataset-id.ts';
import { fakeNpz } from '../data/helpers.ts';
import { fakeSearch } from '../report/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-demo-data-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the hash: autorun and the settings under their mednas search flag names', () => {
  assert.equal(parseDemoHash('#autorun&pop=4&gens=2'), { autorun: true, settings: { popSize: 4, generations: 2 } });
  assert.equal(parseDemoHash(''), { autorun: false, settings: {} });
  assert.equal(parseDemoHash('#init-channels=4&proxy-batch=2&algo=moead&proxies=naswot,zico&objectives=rank&seed=7&pick=knee&synflow-scale=raw').settings, {
    initChannels: 4, proxyBatch: 2, algorithm: 'moead', proxies: ['naswot', 'zico'], objectives: 'rank', seed: 7, pick: 'knee', synflowScale: 'raw',
  });
  assert.throws(() => parseDemoHash('#autorun&population=4'), /'population', which is not a setting; known: autorun, algo, pop, gens/);
  assert.throws(() => parseDemoHash('#pop=1'), /pop: got '1'; allowed: a whole number in 2\.\.10000/);
  assert.throws(() => parseDemoHash('#init-channels=6'), /init-channels: got 6; allowed: a multiple of 4/);
  assert.throws(() => parseDemoHash('#gens'), /gens without a value/);
});

test('the config is the one mednas search makes from the same flags (the quick preset, then the flags)', () => {
  const d = defaultDemoSettings();
  assert.equal(demoSearchConfig(d, 'synthetic'), { ...searchPreset('quick', 'synthetic', 0), preset: 'quick', refine: null });
  const c = demoSearchConfig({ ...d, popSize: 4, generations: 2, initChannels: 4, proxyBatch: 2, seed: 3 }, 'synthetic');
  assert.equal(c, { ...searchPreset('quick', 'synthetic', 3), popSize: 4, generations: 2, initChannels: 4, proxyBatch: 2, preset: 'quick', refine: null });
  assert.is(demoSearchCommand(c, 'synthetic'), 'mednas search --pop 4 --gens 2 --proxy-batch 2 --init-channels 4 --seed 3');
  assert.is(demoSearchCommand(demoSearchConfig(d, 'my data'), 'my data/'), "mednas search --dataset 'my data/'");
  assert.throws(() => demoSearchConfig({ ...d, objectives: 'paper', proxies: ['jacob_cov'] }, 'synthetic'), /exactly two proxies/);
  // The page's default is the quick preset's rank objectives; eq. 1 is a flag away, with its pair.
  assert.equal(parseDemoHash('#objectives=paper').settings, { objectives: 'paper', proxies: ['jacob_cov', 'synflow'] });
  assert.is(demoSearchCommand(demoSearchConfig({ ...d, objectives: 'paper', proxies: ['jacob_cov', 'synflow'] }, 'synthetic'), 'synthetic'), 'mednas search --objectives paper --proxies jacob_cov,synflow');
  assert.throws(() => demoSearchConfig({ ...d, proxies: ['nope', 'synflow'] }, 'synthetic'), /nope/);
});

test('a dropped .npz gets the name and checks --dataset PATH gives it on the Node side', async () => {
  const bytes = fakeNpz({ classes: 3 });
  for (const name of ['mydata.npz', 'Blood.npz', 'synthetic.npz', 'Skin_Lesions.NPZ']) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const page = npzDataset(bytes, name);
    const node = await loadDataset(path);
    assert.is(page.name, datasetSource(path).name, name);
    assert.equal(datasetId(page), datasetId(node), name);
  }
  assert.is(ownDatasetName('Blood'), 'blood-custom');
  assert.is(droppedFileKind('x.npz', bytes.subarray(0, 32)), 'npz');
  assert.is(droppedFileKind('x.bin', bytes.subarray(0, 32)), 'other');
  const checkpoint = encodeSearchCheckpoint((await fakeSearch(4, 1))[0]);
  assert.is(droppedFileKind('checkpoint.mednas', checkpoint.subarray(0, 32)), 'checkpoint');
});

/** Every file under `root`, as a directory picker lists it: paths from the folder's own name, '/'-separated. */
function relativePaths(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(join(root, '..'), p).split('\\').join('/'));
    }
  };
  walk(root);
  return out.reverse(); // any order: the listing sorts
}

const gray = (seed: number) => encodePng({ width: 9, height: 7, data: Uint8Array.from({ length: 63 }, (_, p) => (p * 5 + seed * 37) % 256), channels: 1, depth: 8 });

function write(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}

test('a dropped folder of images is the dataset --dataset FOLDER loads (class folders, split folders, left-out files)', async () => {
  const flat = join(dir, 'Skin');
  ['benign', 'malignant', 'other'].forEach((c, k) => {
    for (let i = 0; i < 4 + k; i++) write(join(flat, c, i === 2 ? `sub/${i}.png` : `${i}.png`), gray(k * 10 + i));
  });
  write(join(flat, 'notes.txt'), 'beside the class folders');
  write(join(flat, 'benign', '.hidden.png'), gray(99));
  const split = join(dir, 'split-data');
  for (const s of ['train', 'val', 'test']) ['a', 'b'].forEach((c, k) => write(join(split, s, c, `${s}${k}.png`), gray(s.length + k)));
  for (const root of [flat, split]) {
    const listing = folderListing(relativePaths(root));
    const page = await imageFolderDataset(listing, { read: async (f) => new Uint8Array(readFileSync(join(root, '..', f.path))) });
    const node = await loadDataset(root);
    assert.is(page.dataset.name, datasetSource(root).name);
    assert.equal(datasetId(page.dataset), datasetId(node), root);
    assert.equal(page.summary.classNames, node.classNames);
  }
  const listing = folderListing(relativePaths(flat));
  assert.equal(listing.ignored, ['Skin/benign/.hidden.png', 'Skin/notes.txt']);
  assert.is(listing.name, 'skin');
  assert.throws(() => folderListing(['d/train/a/1.png', 'd/val/a/1.png']), /has train\/, val\/ but no test\//);
  assert.throws(() => folderListing(['d/train/a/1.png', 'd/val/a/1.png', 'd/test/a/1.png', 'd/extra/a/1.png']), /and other folders too \(extra\)/);
  assert.throws(() => folderListing(['a/x/1.png', 'b/x/1.png']), /one folder at a time/);
});

test('the page: its CSP, the script inlined once and safe inside its element', () => {
  const html = renderDemoPage('var s = "</script><!-- x"; window.ok = 1;', { version: '9.9.9' });
  assert.ok(html.includes(`content="${DEMO_CSP}"`));
  assert.match(DEMO_CSP, /^default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:/);
  assert.is(html.match(/<script>/g)?.length, 1);
  assert.is(html.match(/<\/script>/g)?.length, 1, 'the script cannot end early');
  assert.ok(!/<!--/.test(html));
  assert.is(scriptText('"</SCRIPT>" + "<!--"'), '"\\x3C/SCRIPT>" + "\\x3C!--"');
  assert.is(Function(`return ${scriptText('"</script><!--"')}`)(), '</script><!--', 'the same string to JavaScript');
  assert.match(html, /mednas 9\.9\.9/);
});

test.run();
