// The Node edge of training: a search run directory names its chosen genotype in summary.json
// (chosen.genotype), and removeStaleTempFiles clears what a killed writer left, not a live one's.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeStaleTempFiles } from '../../src/node/files.ts';
import { readGenotypeArgument } from '../../src/node/genotype-file.ts';
import { GenotypeError } from '../../src/space/errors.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-run-files-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function genotypeError(arg: string, pattern: RegExp): Promise<void> {
  try {
    await readGenotypeArgument(arg);
  } catch (e) {
    assert.instance(e, GenotypeError, String(e));
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a GenotypeError');
}

test('--arch SEARCH_RUN reads chosen.genotype from the directory summary.json (array or text)', async () => {
  const run = join(dir, 'search-1');
  mkdirSync(run);
  const genes = [...PAPER_GENOTYPE];
  genes[0] = 3;
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ front: [], chosen: { genotype: genes, objectives: [0.1, 0.2] } }));
  assert.equal(await readGenotypeArgument(run), genes);
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ chosen: { genotype: 'paper' } }));
  assert.equal(await readGenotypeArgument(run), [...PAPER_GENOTYPE]);
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ front: [] }));
  await genotypeError(run, /summary\.json has no `chosen\.genotype` field: the search has not chosen an architecture yet/);
  writeFileSync(join(run, 'summary.json'), '{"chosen": {"genotype": [1, 2');
  await genotypeError(run, /summary\.json is not valid JSON .*: it may be truncated/);
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ chosen: { genotype: [1, 2, 3] } }));
  await genotypeError(run, /summary\.json: chosen\.genotype: /);
  mkdirSync(join(dir, 'empty'));
  await genotypeError(join(dir, 'empty'), /is a directory without a summary\.json/);
});

test('removeStaleTempFiles removes a dead writer temp file, keeps a live one and other files', async () => {
  const target = join(dir, 'run', 'model.mednas');
  mkdirSync(join(dir, 'run'));
  // A pid far above Linux's pid_max (4194304) belongs to no process.
  writeFileSync(join(dir, 'run', '.model.mednas.99999999.1700000000000.tmp'), 'partial');
  writeFileSync(join(dir, 'run', `.model.mednas.${process.ppid}.1700000000000.tmp`), 'a live writer');
  writeFileSync(join(dir, 'run', 'model.mednas'), 'kept');
  writeFileSync(join(dir, 'run', '.other.99999999.1.tmp'), 'not ours');
  assert.is(await removeStaleTempFiles(target), 1);
  assert.equal(readdirSync(join(dir, 'run')).sort(), [`.model.mednas.${process.ppid}.1700000000000.tmp`, '.other.99999999.1.tmp', 'model.mednas'].sort());
});

test.run();
