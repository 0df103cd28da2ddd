// `mednas reproduce` (issue 21) as child processes on the synthetic set with tiny settings: an
// uninterrupted run, and another SIGKILLed in the middle of a search then resumed, end equal in
// every number but the times, as does one stopped by Ctrl-C and continued with the command it
// printed; a finished file is never overwritten; `show` and --results-json
// print and write the means. The summary's rules (median and best-by-validation of the random
// architectures, sample std over seeds) on handmade results. Side by side (a training runner given,
// as --redis gives one): results stored as they come, in a local run's order, on fake results.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeReproduction, encodeReproduction, reproductionProtocol, reproductionUnits, runId, runReproduction, summarise,
  type ReproductionResults, type ReproductionRun, type ReproductionTraining, type ReproductionTrainingRunner,
} from '../../src/reproduce/index.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { mstfArchitecture, RESNET18 } from '../../src/train/architecture.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { cli, cliSignal, printedContinue } from '../cli/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-reproduce-'));
/** One seed, 2 random architectures; 1 epoch on 32 images per split at C = 4; searches of 4 x 2 at C = 4 on 8 images. */
const TINY = [
  'reproduce', 'run', '--seeds', '1', '--random', '2', '--epochs', '1', '--max-images', '32', '--init-channels', '4', '--resnet-width', '4',
  '--pop', '4', '--gens', '2', '--search-init-channels', '4', '--proxy-batch', '8',
];
const results = (name: string): ReproductionResults => decodeReproduction(new Uint8Array(readFileSync(join(dir, name, 'results.mednas'))), name);

function withoutTimes(r: ReproductionResults): unknown {
  return JSON.parse(JSON.stringify({ ...r, elapsedSeconds: 0, sessions: 0 }, (k, v) => (k === 'seconds' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

test('an uninterrupted run: both searches, their picks, the paper genotype, ResNet-18 and the random architectures', async () => {
  const run = await cli([...TINY, '--out', join(dir, 'a'), '--json', '--results-json', join(dir, 'medmnist.json')]);
  assert.is(run.status, 0, run.stderr);
  const r = results('a');
  assert.equal(r.searches.map((s) => s.method), ['search-paper', 'search-best']);
  assert.equal(r.runs.map((x) => `${x.method}/${x.index}`), ['search-paper/0', 'search-best/0', 'paper-genotype/0', 'resnet18/0', 'random/0', 'random/1']);
  assert.ok(r.runs.every((x) => x.test !== null && x.test.auc >= 0 && x.test.auc <= 1 && x.params > 0));
  assert.equal(r.runs[0].architecture, mstfArchitecture(r.searches[0].genotype), 'the search-paper run trains its pick');
  assert.is(r.runs[3].architecture.kind, 'resnet18');
  assert.equal([r.protocol.searchBest.objectives, r.protocol.searchBest.proxies, r.protocol.searchBest.pick], ['rank', ['ms_fisher'], 'score'], "search-best: the quick preset's frozen objectives");
  assert.equal([r.protocol.searchPaper.objectives, r.protocol.searchPaper.proxies], ['paper', ['jacob_cov', 'synflow']]);
  const doc = JSON.parse(readFileSync(join(dir, 'medmnist.json'), 'utf8')) as { runs: unknown[]; means: { method: string; dataset: string; seeds: number }[] };
  assert.is(doc.runs.length, 6);
  assert.equal(doc.means.map((m) => m.method), ['search-paper', 'search-best', 'paper-genotype', 'resnet18', 'random-median', 'random-best']);
  assert.ok(doc.means.every((m) => m.dataset === 'synthetic' && m.seeds === 1));
});

test('SIGKILL in the middle of a search, then --resume: the same results as the uninterrupted run', async () => {
  // Unit 3 is search-best's search: killed after its first generation (its checkpoint is kept).
  const killed = await cli([...TINY, '--out', join(dir, 'b')], { env: { MEDNAS_TEST_KILL_IN_UNIT: '3' } });
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status}: ${killed.stderr}`);
  assert.is(results('b').searches.length, 1, 'the finished search is kept');
  assert.ok(existsSync(join(dir, 'b', 'searches', 'search-best-s0.mednas')), "the search in progress left its checkpoint");
  const again = await cli([...TINY, '--out', join(dir, 'b')]);
  assert.is(again.status, 1);
  assert.match(again.stderr, /already holds a reproduction: add --resume/);
  const resumed = await cli(['reproduce', 'run', '--out', join(dir, 'b'), '--resume']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.not.match(resumed.stderr, /artificially reduced/, "Dawn's start-up lines are filtered, as for every command that opens the GPU");
  assert.equal(withoutTimes(results('b')), withoutTimes(results('a')));
  const other = await cli([...TINY.map((v) => (v === '--epochs' ? '--epochs' : v === '1' ? '2' : v)), '--out', join(dir, 'b'), '--resume']);
  assert.is(other.status, 1);
  assert.match(other.stderr, /another protocol \(.*epochs/);
  const shown = await cli(['reproduce', 'show', join(dir, 'b')]);
  assert.is(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /resnet18 +1 {2}\d\.\d{3} \+- 0\.000/);
  assert.not.match(shown.stdout, /the paper/, 'the paper reported no synthetic figures');
  assert.ok(shown.stdout.split('\n').includes(`device: ${results('b').runs[0].adapter}`), `the device the units ran on: ${shown.stdout}`);
});

test('--resume --seeds 2 on a finished 1-seed run adds seed 1 of every method after seed 0 (kept as it was); fewer seeds refused', async () => {
  const out = join(dir, 'grown');
  cpSync(join(dir, 'a'), out, { recursive: true });
  const grown = await cli(['reproduce', 'run', '--out', out, '--resume', '--seeds', '2']);
  assert.is(grown.status, 0, grown.stderr);
  const g = results('grown');
  const a = results('a');
  assert.equal(g.protocol.seeds, [0, 1]);
  const seed0 = { ...g, protocol: a.protocol, searches: g.searches.filter((x) => x.seed === 0), runs: g.runs.filter((x) => x.seed === 0) };
  assert.equal(withoutTimes(seed0), withoutTimes(a), "seed 0's units untouched");
  assert.equal(g.runs.slice(a.runs.length).map((x) => `${x.method}/${x.index}/${x.seed}`), a.runs.map((x) => `${x.method}/${x.index}/1`), "seed 1's runs follow, in a run's order");
  assert.equal(g.searches.map((x) => `${x.method}/${x.seed}`), ['search-paper/0', 'search-best/0', 'search-paper/1', 'search-best/1']);
  const fewer = await cli(['reproduce', 'run', '--out', out, '--resume', '--seeds', '1']);
  assert.is(fewer.status, 1);
  assert.match(fewer.stderr, /--seeds 1: the reproduction in .* runs 2 seeds and never loses any/);
});

function run(method: ReproductionRun['method'], seed: number, index: number, auc: number, valAuc: number): ReproductionRun {
  return {
    method, seed, index, architecture: method === 'resnet18' ? RESNET18 : mstfArchitecture(PAPER_GENOTYPE), params: 100, macs: 1000, bestEpoch: 0,
    val: { acc: 0.5, auc: valAuc }, test: { acc: auc - 0.1, auc }, failure: null, seconds: 1, adapter: 'test', mednasVersion: '0',
  };
}

test('Ctrl-C after the first unit: exit 130, the units saved and the command that continues, which ends as the uninterrupted run', async () => {
  const out = join(dir, 'int');
  const stopped = await cliSignal([...TINY, '--out', out, '--json'], 'SIGINT', (l) => l.includes('"event":"unit-done"'));
  assert.is(stopped.status, 130, `${stopped.signal}: ${stopped.stderr}`);
  const saved = results('int');
  assert.match(stopped.stderr, new RegExp(`mednas: interrupted\\. .*results\\.mednas holds ${saved.searches.length + saved.runs.length} of 8 units .*; continue with:\\n  mednas reproduce run --out ${out} --resume\\n`));
  const resumed = await cli(printedContinue(stopped.stderr));
  assert.is(resumed.status, 0, resumed.stderr);
  assert.equal(withoutTimes(results('int')), withoutTimes(results('a')));
});

test('the summary: random-median is the middle test AUC of a seed, random-best the best by validation; std over seeds (n - 1)', () => {
  const protocol = reproductionProtocol({ dataset: 'synthetic', seeds: 2, methods: ['resnet18', 'random'] });
  assert.is(reproductionUnits(protocol).length, 8);
  const r: ReproductionResults = {
    mednasVersion: '0', protocol, dataset: { name: 'synthetic', task: 'multi-class', sizePx: 28, channels: 1, classes: 4, release: null, counts: { train: 1, val: 1, test: 1 }, crc32: 1 } as never,
    searches: [],
    runs: [
      run('resnet18', 0, 0, 0.8, 0.8), run('resnet18', 1, 0, 0.9, 0.9),
      run('random', 0, 0, 0.6, 0.9), run('random', 0, 1, 0.7, 0.1), run('random', 0, 2, 0.8, 0.2),
      run('random', 1, 0, 0.5, 0.3), run('random', 1, 1, 0.4, 0.2), run('random', 1, 2, 0.3, 0.8),
    ],
    elapsedSeconds: 1, sessions: 1,
  };
  const s = Object.fromEntries(summarise(r).map((m) => [m.method, m]));
  assert.equal(Object.keys(s), ['resnet18', 'random-median', 'random-best']);
  assert.ok(Math.abs(s.resnet18.aucMean - 0.85) < 1e-12 && Math.abs(s.resnet18.aucStd - Math.sqrt(0.005)) < 1e-12);
  assert.ok(Math.abs(s['random-median'].aucMean - (0.7 + 0.4) / 2) < 1e-12, 'the medians 0.7 and 0.4');
  assert.ok(Math.abs(s['random-best'].aucMean - (0.6 + 0.3) / 2) < 1e-12, 'best by validation: 0.6 (val 0.9) and 0.3 (val 0.8)');
  const back = decodeReproduction(encodeReproduction(r), 'mem');
  assert.equal(back.runs, r.runs);
  const damaged = encodeReproduction(r);
  damaged[damaged.length - 5] ^= 0xff;
  assert.throws(() => decodeReproduction(damaged, 'damaged.mednas'), (e: unknown) => e instanceof FileFormatError && /damaged\.mednas/.test((e as Error).message));
});

test('side by side: every training at once, each result stored as it comes at its place in a local run; a resume hands over only the missing', async () => {
  const protocol = reproductionProtocol({ dataset: 'synthetic', seeds: 2, randomCount: 2, methods: ['paper-genotype', 'resnet18', 'random'], train: { epochs: 1, initChannels: 8 }, resnetWidth: 4 });
  const dataset = syntheticDataset({ sizes: { train: 16, val: 8, test: 8 } });
  const handed: ReproductionTraining[][] = [];
  const saved: ReproductionResults[] = [];
  /** Fake results, the last training's first (no GPU: nothing here trains). */
  const runTrainings: ReproductionTrainingRunner = async (trainings, context, onResult) => {
    assert.is(context.protocol, protocol);
    handed.push([...trainings]);
    for (let i = trainings.length - 1; i >= 0; i--) {
      await onResult(i, { bestEpoch: 0, val: { acc: 0.5, auc: 0.5 }, test: { acc: 0.5, auc: trainings[i].unit.seed / 10 }, failure: null, seconds: 1, adapter: 'fake', mednasVersion: '0' });
    }
  };
  const options = { rt: null as never, dataset, protocol, runTrainings, saveResults: async (r: ReproductionResults) => void saved.push(r) };
  const r = await runReproduction(options);
  const order = reproductionUnits(protocol).map((u) => runId(u.method, u.seed, u.kind === 'train' ? u.index : 0));
  assert.equal(r.runs.map((x) => runId(x.method, x.seed, x.index)), order);
  assert.is(handed.length, 1, 'one hand-over: no training waits for a search');
  assert.is(handed[0].length, 8);
  for (const t of handed[0]) {
    assert.is(t.config.seed, t.unit.seed);
    assert.is(t.config.initChannels, t.architecture.kind === 'resnet18' ? 4 : 8, "ResNet-18 at its width, MSTF networks at the recipe's C");
  }
  assert.ok(r.runs.every((x) => x.params > 0 && x.adapter === 'fake' && x.test!.auc === x.seed / 10));
  assert.is(saved.length, 10, 'saved at the start, after every result, and at the end');
  assert.equal([saved[0].runs.length, saved[0].searches.length, saved[0].protocol], [0, 0, protocol], 'the file exists from the start: a run killed before its first unit ends resumes');
  // Resumed from the file as it was after three results: the other five are handed over, and it ends the same.
  handed.length = 0;
  const again = await runReproduction({ ...options, resumeFrom: saved[3] });
  assert.equal(handed.map((h) => h.length), [5]);
  assert.equal(again.runs, r.runs);
  assert.is(again.sessions, 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
