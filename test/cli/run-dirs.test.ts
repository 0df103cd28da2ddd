// Train run directories as a user meets them (issue 22, the smaller items), as child processes:
// `train --force` starts again where a model file is (never with --resume); `eval` takes a train
// run directory as replay and train --arch take theirs, and says what a search run directory or an
// empty one is; one epoch is "1 epoch".
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliAll } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-run-dirs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const TINY = ['--init-channels', '4', '--max-images', '16', '--epochs', '1'];
const run = join(dir, 'train');
const OTHER = '3,0,4,1,3,0,2,0,2,4,0,5,5,2,7,0,2,1,7,0,2,3,1,4,5,2,5,5,4,0,5,0,4,2,3,3,1,0,4,1,2,4';

test('train --force starts again in a run directory that holds a model file; with --resume it is refused', async () => {
  const first = await cli(['train', ...TINY, '--out', run]);
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, /C = 4, 1 epoch, batch /);
  assert.not.match(first.stdout, /1 epochs/);
  const before = readFileSync(join(run, 'model.mednas'));
  const both = await cli(['train', ...TINY, '--out', run, '--force', '--resume']);
  assert.is(both.status, 1);
  assert.match(both.stderr, /--resume and --force contradict each other/);
  const again = await cli(['train', ...TINY, '--arch', OTHER, '--out', run, '--force']);
  assert.is(again.status, 0, again.stderr);
  assert.not.ok(readFileSync(join(run, 'model.mednas')).equals(before), 'the model file is the new run\'s');
});

test('eval RUN_DIR reads its model.mednas; a search run directory and an empty one are said to be what they are', async () => {
  const evaluated = await cli(['eval', run, '--json']);
  assert.is(evaluated.status, 0, evaluated.stderr);
  const out = JSON.parse(evaluated.stdout) as { model: string; acc: number; auc: number };
  assert.is(out.model, join(run, 'model.mednas'));
  assert.ok(evaluated.stdout.includes(OTHER), 'the model trained with --force');
  const search = join(dir, 'search');
  mkdirSync(search);
  writeFileSync(join(search, 'checkpoint.mednas'), 'a search checkpoint stands here');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const [refused, none] = await cliAll([['eval', search], ['eval', empty]]);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /is a search run directory and holds no model: train its choice first \(`mednas train --arch .*search`\)/);
  assert.is(none.status, 1);
  assert.match(none.stderr, /is a directory without a model\.mednas: give a model file, or the --out directory of a `mednas train` run/);
});

test.run();
