// `mednas arch score` run as a user runs it (a child process through the sources): the values are the
// library's, bit for bit on the same adapter; text output with times; bad input gives one line, no stack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import { proxyBatch, scoreArchitecture } from '../../src/proxies/index.ts';
import { PAPER_GENOTYPE } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';
import { cliAll, mednas } from './helpers.ts';

const rt = await testRuntime();

test('arch score --json: the library values, bit for bit', async () => {
  const run = mednas('arch', 'score', 'paper', '--init-channels', '8', '--proxy-batch', '8', '--seed', '2', '--proxies', 'jacob_cov,synflow,snip,flops', '--json');
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '', 'only mednas words on stderr: Dawn\'s start-up warnings are filtered');
  const out = JSON.parse(run.stdout) as { genotype: number[]; values: Record<string, number>; logValues: Record<string, number>; timesMs: Record<string, number>; batch: { id: string }; higherIsBetter: Record<string, boolean> };
  const batch = proxyBatch(syntheticDataset(), { size: 8, seed: 2 });
  const lib = await scoreArchitecture('paper', ['jacob_cov', 'synflow', 'snip', 'flops'], batch, { rt, initChannels: 8, seed: 2 });
  assert.equal(out.genotype, [...PAPER_GENOTYPE]);
  assert.is(out.batch.id, batch.id);
  assert.equal(out.values, lib.values);
  assert.equal(out.logValues, lib.logValues);
  assert.equal(Object.keys(out.timesMs), ['jacob_cov', 'synflow', 'snip', 'flops']);
  assert.equal(out.higherIsBetter, { jacob_cov: true, synflow: true, snip: true, flops: false });
});

test('arch score prints each value with its time; a dead genotype says why', async () => {
  const [run, dead] = await cliAll([
    ['arch', 'score', 'paper', '--init-channels', '8', '--proxy-batch', '4'],
    ['arch', 'score', '0,0,0,1,0,2,0,3,0,4,0,1,2,3'.concat(',', PAPER_GENOTYPE.slice(14).join(',')), '--init-channels', '8', '--proxy-batch', '4', '--proxies', 'jacob_cov,synflow'],
  ]);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /network: synthetic \(1 x 28 x 28, 4 classes\), C = 8, weights seed 0/);
  assert.match(run.stdout, /jacob_cov\s+-?\d+\.\d{6}\s+\d+ ms|jacob_cov\s+-?\d+\.\d{6}\s+[\d.]+ s/);
  assert.match(run.stdout, /synflow\s+\d\.\d{6}e\+\d+\s+.*ln \d+\.\d{4}/);
  assert.match(run.stdout, /flops\s+8,795,840/);
  assert.is(dead.status, 0, dead.stderr);
  assert.match(dead.stdout, /\(dead: block 1\)/);
  assert.match(dead.stdout, /note: jacob_cov: dead genotype/);
  assert.match(dead.stdout, /synflow\s+0\s/);
});

test('arch score: bad input gives one line that says what to do, exit 1, no stack trace', async () => {
  const cases: [string[], RegExp][] = [
    [['--proxies', 'jacob_cov,synflo'], /mednas: unknown proxy 'synflo': known proxies are jacob_cov, jacob_cov_batchstats, .*grasp, flops, params/],
    [['--proxy-batch', '1'], /mednas: jacob_cov needs a proxy batch of at least 2 images, got 1/],
    [['--proxy-batch', 'many'], /mednas: --proxy-batch: got "many"; allowed: a whole number/],
    [['--init-channels', '6'], /mednas: initChannels 6 is not divisible by 4/],
    [['--dataset', 'nosuchmnist'], /mednas: .*nosuchmnist/],
  ];
  const runs = await cliAll(cases.map(([flags]) => ['arch', 'score', 'paper', ...(flags.includes('--init-channels') ? [] : ['--init-channels', '8']), ...flags]));
  cases.forEach(([flags, message], i) => {
    const run = runs[i];
    assert.is(run.status, 1, `${flags.join(' ')}: ${run.stdout}`);
    assert.match(run.stderr, message);
    assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
  });
});

test.run();
