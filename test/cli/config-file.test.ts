// `--config FILE` and `--print-config` for search and train, as a user runs them (the CLI as a child
// process): flags over the file over the preset; --print-config's output is a config file that
// gives the same settings (round trip); unknown keys and wrong types name the key and the file;
// --print-config writes nothing and opens no GPU; a search started from a file runs with its settings;
// a file's run keys (out, arch, backend) stand in for their flags.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigFileError, readConfigFile, SEARCH_CONFIG_ALIASES, SEARCH_CONFIG_SCHEMA, TRAIN_CONFIG_ALIASES, TRAIN_CONFIG_SCHEMA } from '../../cli/config-file.ts';
import { PAPER_GENOTYPE, randomGenotype } from '../../src/space/index.ts';
import { decodeModelFile } from '../../src/train/model-file.ts';
import { Rng } from '../../src/util/rng.ts';
import { cli, type Run } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
};

function printed(r: Run): Record<string, unknown> {
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('search: --print-config round trip; flags over the file over the preset; nothing written', async () => {
  const out = join(dir, 'never-made');
  const first = printed(await cli(['search', '--print-config', '--preset', 'paper', '--pop', '20', '--seed', '3', '--proxies', 'fisher,synflow', '--refine', '2', '--out', out]));
  assert.equal(first, {
    ...first, dataset: 'synthetic', preset: 'paper', popSize: 20, seed: 3, generations: 20, initChannels: 128, proxies: ['fisher', 'synflow'],
    refine: { candidates: 2, epochs: 5, maxImages: null },
  });
  const saved = file('search.json', first);
  const partial = file('partial.json', { preset: 'reproduction', popSize: 9, proxies: ['naswot', 'zico'], objectives: 'rank', refine: { candidates: 3, epochs: 2, maxImages: 64 } });
  const [again, over, layered] = await Promise.all([
    cli(['search', '--print-config', '--config', saved]),
    cli(['search', '--print-config', '--config', saved, '--gens', '5', '--seed', '4']),
    cli(['search', '--print-config', '--config', partial, '--pop', '7', '--refine-epochs', '1']),
  ]);
  assert.equal(printed(again), first, 'the printed config, given back, is the same config');
  assert.equal(printed(over), { ...first, generations: 5, seed: 4 }, 'flags win over the file');
  // The file's preset (reproduction: MOEA/D, 10 generations, C = 128), its fields over it, the flags over both.
  assert.equal(printed(layered), {
    dataset: 'synthetic', preset: 'reproduction', algorithm: 'moead', popSize: 7, generations: 10, objectives: 'rank', proxies: ['naswot', 'zico'],
    proxyBatch: 480, initChannels: 128, synflowScale: 'log', pick: 'score', refine: { candidates: 3, epochs: 1, maxImages: 64 }, seed: 0,
  });
  assert.not.ok(existsSync(out), '--print-config makes no run directory');
  // The quick preset ranks ms_fisher (issue 20); `--objectives paper` alone gives eq. 1 with the paper's pair.
  const [quick, paper] = await Promise.all([cli(['search', '--print-config']), cli(['search', '--print-config', '--objectives', 'paper'])]);
  const q = printed(quick);
  assert.equal([q.preset, q.objectives, q.proxies, q.pick], ['quick', 'rank', ['ms_fisher'], 'score']);
  assert.equal(printed(paper), { ...q, objectives: 'paper', proxies: ['jacob_cov', 'synflow'] });
});

test('bad config files are refused, naming the file and the key (each check in-process; two through the CLI)', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown.json', { pop: 3 }, /unknown key "pop" \(the key for --pop is "popSize"\)/],
    ['typo.json', { popsize: 3 }, /unknown key "popsize" \(the keys of a search config: dataset, preset, algorithm, popSize/],
    ['string.json', { popSize: '20' }, /"popSize" is the string "20"; expected a whole number from 2 to 10000/],
    ['fraction.json', { generations: 2.5 }, /"generations" is the number 2\.5; expected a whole number from 1 to 100000/],
    ['choice.json', { algorithm: 'nsga3' }, /"algorithm" is the string "nsga3"; expected one of "nsga2", "moead"/],
    ['list.json', { proxies: 'jacob_cov,synflow' }, /"proxies" is the string "jacob_cov,synflow"; expected an array of at least 1 name/],
    ['nested.json', { refine: { candidates: 2, epochs: 1 } }, /"refine\.maxImages" is missing; expected a value \(refine needs all of candidates, epochs, maxImages\)/],
    ['extra.json', { refine: { candidates: 2, epochs: 1, maxImages: null, k: 1 } }, /"refine\.k" is the number 1; expected no such key/],
    ['array.json', [1, 2], /holds an array of 2, not a JSON object of settings/],
    ['broken.json', '{"popSize": 4,', /not a JSON file \(/],
  ];
  for (const [name, content, message] of cases) {
    const path = file(name, content);
    const err = await readConfigFile(path, SEARCH_CONFIG_SCHEMA, 'search', SEARCH_CONFIG_ALIASES).then(() => null, (e: Error) => e);
    assert.ok(err instanceof ConfigFileError, `${name}: ${String(err)}`);
    assert.ok(err.message.startsWith(`--config ${path}: `), err.message);
    assert.match(err.message, message, name);
  }
  const trainCases: [string, unknown, RegExp][] = [
    ['bad-train.json', { nesterov: 'yes' }, /"nesterov" is the string "yes"; expected true or false/],
    ['alias-train.json', { batch: 4 }, /unknown key "batch" \(the key for --batch is "batchSize"\)/],
    ['augmix.json', { augmix: { severity: 3, width: 3, depth: -1, alpha: 1, posterizeBits: 6 } }, /"augmix\.posterizeBits" is the number 6; expected one of 4, 8/],
    ['gamma.json', { gamma: 'none' }, /"gamma" is the string "none"; expected a number >= 0 and <= 1/],
  ];
  for (const [name, content, message] of trainCases) {
    const err = await readConfigFile(file(name, content), TRAIN_CONFIG_SCHEMA, 'train', TRAIN_CONFIG_ALIASES).then(() => null, (e: Error) => e);
    assert.match(String(err), message, name);
  }
  const [unknown, wrong, notFour, missing, dataset] = await Promise.all([
    cli(['search', '--print-config', '--config', join(dir, 'unknown.json')]),
    cli(['train', '--print-config', '--config', join(dir, 'bad-train.json')]),
    // In range for the file's check, not for the search's (C must be a multiple of 4): the library's check says so.
    cli(['search', '--print-config', '--config', file('c.json', { initChannels: 6 })]),
    cli(['search', '--print-config', '--config', join(dir, 'nope.json')]),
    cli(['search', '--print-config', '--config', file('dataset.json', { dataset: 'kneemnist' })]),
  ]);
  for (const r of [unknown, wrong, notFour, missing, dataset]) {
    assert.is(r.status, 1, r.stderr);
    assert.is(r.stdout, '');
  }
  assert.is(unknown.stderr, `mednas: --config ${join(dir, 'unknown.json')}: unknown key "pop" (the key for --pop is "popSize")\n`);
  assert.is(wrong.stderr, `mednas: --config ${join(dir, 'bad-train.json')}: "nesterov" is the string "yes"; expected true or false\n`);
  assert.match(notFour.stderr, /C \(init channels\) must be a multiple of 4/);
  assert.match(missing.stderr, /--config: got ".*nope\.json" \(it does not exist\); allowed: an existing file/);
  assert.match(dataset.stderr, new RegExp(`--config ${join(dir, 'dataset.json').replace(/[.]/g, '\\.')}: "dataset": .*kneemnist`));
});

test('train: --print-config round trip, flags over the file, a dataset path relative to the file, AugMix off', async () => {
  const first = printed(await cli(['train', '--print-config', '--dataset', 'breastmnist', '--preset', 'paper', '--lr', '0.1', '--max-images', '64']));
  assert.equal(first, {
    ...first, dataset: 'breastmnist', preset: 'paper', epochs: 100, initChannels: 128, batchSize: 128, lr: 0.1, maxImages: 64, augmix: { severity: 3, width: 3, depth: -1, alpha: 1, posterizeBits: 4 },
  });
  const saved = file('train.json', first);
  // Your own data: a folder named relative to the config file (printed back as an absolute path).
  mkdirSync(join(dir, 'images', 'a'), { recursive: true });
  mkdirSync(join(dir, 'configs'), { recursive: true });
  const own = file('configs/own.json', { dataset: '../images', augmix: null, schedule: 'exponential', gamma: 0.9, nesterov: true, weightDecayOn: 'weights' });
  const [again, over, ownRun] = await Promise.all([
    cli(['train', '--print-config', '--config', saved]),
    cli(['train', '--print-config', '--config', saved, '--dataset', 'synthetic', '--epochs', '2']),
    cli(['train', '--print-config', '--config', own]),
  ]);
  assert.equal(printed(again), first);
  // --dataset and --epochs over the file's; every other field is the file's (it names them all, so the preset's row for synthetic does not show).
  assert.equal(printed(over), { ...first, dataset: 'synthetic', epochs: 2 });
  const ownConfig = printed(ownRun);
  assert.equal(ownConfig, { ...ownConfig, dataset: join(dir, 'images'), augmix: null, schedule: 'exponential', gamma: 0.9, nesterov: true, weightDecayOn: 'weights', preset: 'quick', epochs: 15 });
});

test('train: run keys in the file (arch and out relative to it, backend); --arch over the file; wrong types named', async () => {
  const genotype = randomGenotype(new Rng(5), { avoidDead: true });
  mkdirSync(join(dir, 'runs-config'), { recursive: true });
  file('runs-config/g.json', { genotype });
  const config = file('runs-config/run.json', { arch: 'g.json', out: '../train-out', backend: 'vulkan', epochs: 1, maxImages: 32, initChannels: 4 });
  const [shown, over, wrong] = await Promise.all([
    cli(['train', '--print-config', '--config', config]),
    cli(['train', '--print-config', '--config', config, '--arch', 'paper']),
    cli(['train', '--print-config', '--config', file('bad-out.json', { out: 5 })]),
  ]);
  assert.is(printed(shown).arch, genotype.join(','), 'the genotype the file names, printed as a genotype: the printed config trains the same network');
  assert.is(printed(over).arch, PAPER_GENOTYPE.join(','));
  assert.is(wrong.stderr, `mednas: --config ${join(dir, 'bad-out.json')}: "out" is the number 5; expected a non-empty string, as --out takes\n`);
  const run = await cli(['train', '--config', config]);
  assert.is(run.status, 0, run.stderr);
  const model = decodeModelFile(readFileSync(join(dir, 'train-out', 'model.mednas')), 'model');
  assert.equal(model.architecture, { kind: 'mstf', genotype });
  assert.equal([model.config.epochs, model.config.maxImages, model.config.initChannels], [1, 32, 4]);
});

test('a search started from a config file runs with its settings (the start event), flags over it', async () => {
  const config = file('tiny.json', { popSize: 4, generations: 1, initChannels: 4, proxyBatch: 8, seed: 5 });
  const run = await cli(['search', '--config', config, '--seed', '6', '--json', '--out', join(dir, 'run')], { onLine: (line) => line.includes('"event":"start"') });
  const start = JSON.parse(run.stdout.split('\n').find((l) => l.includes('"event":"start"')) ?? 'null') as { config: Record<string, unknown> } | null;
  assert.ok(start, `no start event: ${run.stderr}`);
  assert.equal(start.config, { ...start.config, popSize: 4, generations: 1, initChannels: 4, proxyBatch: 8, seed: 6, preset: 'quick', dataset: 'synthetic' });
});

test.run();
