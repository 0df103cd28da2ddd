// `mednas truth simulate` and `mednas truth choose` as child processes on a hand-made table: the
// terminal tables, --json rows equal to the library's, and flags refused where they do not belong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseObjectives } from '../../src/truth/choose.ts';
import { simulateSearchPicks } from '../../src/truth/simulate.ts';
import { parseObjectivesLabel } from '../../src/truth/simulated-objectives.ts';
import { encodeTruthTable } from '../../src/truth/table.ts';
import { fakeTable } from '../truth/helpers.ts';
import { cliAll } from './helpers.ts';

const table = fakeTable({
  count: 12,
  auc: (a, s) => 0.6 + 0.02 * a + 0.01 * s,
  proxies: (a) => ({ jacob_cov: a, synflow: 12 - a, fisher: (a * 7) % 12, grad_norm: a % 3, flops: 1000 + a }),
});
const dir = mkdtempSync(join(tmpdir(), 'mednas-simulate-'));
const path = join(dir, 'fake.mednas');
writeFileSync(path, encodeTruthTable(table));

test('truth simulate: a row per objective, the baselines, the skipped; --json equals the library', async () => {
  const [text, json] = await cliAll([
    ['truth', 'simulate', path, '--runs', '20', '--subset', '6'],
    ['truth', 'simulate', path, '--runs', '20', '--subset', '6', '--population', '4', '--objectives', 'fisher+grad_norm,rank:synflow', '--json'],
  ]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /12 candidates/);
  assert.match(text.stdout, /20 runs, each a random subset of 6; pick rule score/);
  assert.match(text.stdout, /^jacob_cov\+synflow\s+0\.\d{3} \+- 0\.\d{3}/m);
  assert.match(text.stdout, /^oracle .* 0\.000\s+0\.00/m);
  assert.match(text.stdout, /skipped rank:naswot\+zico\+meco: the table holds no naswot, zico, meco/);
  assert.is(json.status, 0, json.stderr);
  const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; mean: number; picks: number[]; population: number });
  const lib = simulateSearchPicks(table, { runs: 20, subset: 6, population: 4, objectives: [parseObjectivesLabel('fisher+grad_norm'), parseObjectivesLabel('rank:synflow')] });
  assert.equal(rows.map((r) => r.name), ['fisher+grad_norm', 'rank:synflow', 'random', 'oracle']);
  assert.equal(rows.map((r) => r.picks), lib.rows.map((r) => r.picks));
  assert.is(rows[0].mean, lib.rows[0].mean);
  assert.is(rows[0].population, 4);
});

test('truth simulate --refine: a validated row beside each pick, judged on the other seeds; --json equals the library', async () => {
  const [text, json, alone, tooLong] = await cliAll([
    ['truth', 'simulate', path, '--runs', '9', '--subset', '6', '--objectives', 'jacob_cov+synflow', '--refine', '2', '--refine-epochs', '2'],
    ['truth', 'simulate', path, '--runs', '9', '--subset', '6', '--objectives', 'jacob_cov+synflow', '--refine', '2', '--json'],
    ['truth', 'simulate', path, '--refine-epochs', '2'],
    ['truth', 'simulate', path, '--refine', '2', '--refine-epochs', '4'],
  ]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /target: mean test AUC over the training seeds other than the refinement's \(run r refines at seed r mod 3 of 0, 1, 2\)/);
  assert.match(text.stdout, /\+refine 2: the first 2 of the front .* within epoch 2 of 3 chosen \(the 3-epoch run read part-way/);
  assert.match(text.stdout, /^jacob_cov\+synflow \+refine 2\s+0\.\d{3} \+- /m);
  assert.match(text.stdout, /^random \+refine 2 \(the best on validation of 2 random members\)/m);
  assert.is(json.status, 0, json.stderr);
  const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; picks: number[]; refined: number; refine: unknown });
  const lib = simulateSearchPicks(table, { runs: 9, subset: 6, objectives: [parseObjectivesLabel('jacob_cov+synflow')], refine: { candidates: 2 } });
  assert.equal(rows.map((r) => [r.name, r.refined]), lib.rows.map((r) => [r.name, r.refined]));
  assert.equal(rows.map((r) => r.picks), lib.rows.map((r) => r.picks));
  assert.equal(rows[0].refine, { candidates: 2, epochs: 3 });
  assert.is(alone.status, 1);
  assert.match(alone.stderr, /--refine-epochs goes with --refine K/);
  const [boot, bootJson] = await cliAll([
    ['truth', 'simulate', path, '--runs', '6', '--subset', '6', '--objectives', 'jacob_cov+synflow', '--bootstrap', '8'],
    ['truth', 'simulate', path, '--runs', '6', '--subset', '6', '--objectives', 'jacob_cov+synflow', '--bootstrap', '8', '--json'],
  ]);
  assert.is(boot.status, 0, boot.stderr);
  assert.match(boot.stdout, /percentile \[95%\]\s+vs random \[95%\]/);
  assert.match(boot.stdout, /^jacob_cov\+synflow .* \d\.\d\d \[\d\.\d\d, \d\.\d\d\]\s+[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]/m);
  assert.match(boot.stdout, /over 8 bootstrap resamples of the table's architectures/);
  const bootRows = bootJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as { interval: unknown; bootstrap: number });
  const bootLib = simulateSearchPicks(table, { runs: 6, subset: 6, objectives: [parseObjectivesLabel('jacob_cov+synflow')], bootstrap: 8 });
  assert.equal(bootRows.map((r) => r.interval), bootLib.rows.map((r) => JSON.parse(JSON.stringify(r.interval))));
  assert.is(bootRows[0].bootstrap, 8);
  assert.is(tooLong.status, 1);
  assert.match(tooLong.stderr, /--refine-epochs/);
});

test('truth simulate: bad objectives and misplaced flags are refused with what to do', async () => {
  const [one, show, choose, two, unknown, refineChoose] = await cliAll([
    ['truth', 'simulate', path, '--objectives', 'synflow'], ['truth', 'show', path, '--runs', '5'], ['truth', 'choose', path, '--subset', '4'], ['truth', 'show', path, path],
    ['truth', 'frob', path, path], ['truth', 'choose', path, '--refine', '3'],
  ]);
  assert.is(one.status, 1);
  assert.match(one.stderr, /exactly two proxies/);
  assert.is(show.status, 1);
  assert.match(show.stderr, /--runs is an option of `truth simulate` and `truth choose`, not of `truth show`/);
  assert.match(choose.stderr, /--subset is an option of `truth simulate`, not of `truth choose`/);
  assert.match(two.stderr, /truth show takes one table \(got 2/);
  assert.match(unknown.stderr, /unknown truth action 'frob': use build, show, score, simulate or choose/);
  assert.match(refineChoose.stderr, /--refine is an option of `truth simulate`, not of `truth choose`/);
});

test('truth choose: every candidate and pick ranked over the tables, the choice and why; --json equals the library', async () => {
  const [text, json] = await cliAll([['truth', 'choose', path, path, '--runs', '20'], ['truth', 'choose', path, '--runs', '20', '--json']]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /20 runs of 16 per table; average over synthetic, synthetic/);
  assert.match(text.stdout, /^jacob_cov\+synflow\s+score\s+0\.\d{3}\s+0\.\d{3}\s+0\.\d{3}/m);
  assert.match(text.stdout, /skipped rank:ms_fisher: synthetic: the table holds no ms_fisher/);
  assert.match(text.stdout, /^chosen: .+, (score|knee) pick \(/m);
  assert.is(json.status, 0, json.stderr);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; name: string; pick: string; average: number });
  const lib = chooseObjectives([table], { runs: 20 });
  const chosen = lines.find((l) => l.event === 'chosen')!;
  assert.equal([chosen.name, chosen.pick], [lib.chosen.name, lib.chosen.pick]);
  assert.equal(lines.filter((l) => l.event === 'candidate').map((l) => [l.name, l.pick, l.average]), lib.ranking.map((r) => [r.name, r.pick, r.average]));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
