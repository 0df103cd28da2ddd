// The command a search prints when it is stopped (Ctrl-C) to continue it: it carries what finds
// the data and the device again, and --redis for a queued search, the password never printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resumeCommand } from '../../cli/search.ts';
import { searchPreset } from '../../src/search/index.ts';

const config = searchPreset('quick', 'synthetic', 0);

test('a local search: --out and --resume, the GPU flags given', () => {
  assert.is(resumeCommand({}, '/runs/a b', config), "mednas search --out '/runs/a b' --resume");
  assert.is(resumeCommand({ backend: 'vulkan' }, '/runs/a', config), 'mednas search --out /runs/a --resume --backend vulkan');
});

test('a queued search keeps --redis; a password is shown as *** with a word to put it back', () => {
  assert.is(resumeCommand({ redis: 'redis://10.0.0.5:6379' }, '/runs/a', config), 'mednas search --out /runs/a --resume --redis redis://10.0.0.5:6379');
  const withPassword = resumeCommand({ redis: 'redis://:hunter2@10.0.0.5:6379/2' }, '/runs/a', config);
  assert.not.match(withPassword, /hunter2/);
  assert.is(withPassword, "mednas search --out /runs/a --resume --redis 'redis://:***@10.0.0.5:6379/2'\n  (with the Redis password in place of ***)");
});

test.run();
