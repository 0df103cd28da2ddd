// `mednas worker` and `--redis` as a user types them: the flags are checked before anything starts
// (no Redis is needed to be told what is wrong), and the password in a URL is never echoed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from './helpers.ts';

test('mednas worker needs --redis, and a Redis URL; search and truth build check --redis the same way', async () => {
  const none = await cli(['worker']);
  assert.is(none.status, 1);
  assert.match(none.stderr, /mednas worker needs --redis URL/);
  const http = await cli(['worker', '--redis', 'http://:hunter2@localhost:6379']);
  assert.is(http.status, 1);
  assert.match(http.stderr, /--redis: 'http:\/\/:\*\*\*@localhost:6379\/?' is not a Redis URL \(it starts with http:\/\/\)/);
  assert.not.match(http.stderr, /hunter2/);
  const dir = mkdtempSync(join(tmpdir(), 'mednas-worker-cli-'));
  const search = await cli(['search', '--pop', '4', '--gens', '1', '--out', join(dir, 's'), '--redis', 'redis://localhost:6379/queue']);
  rmSync(dir, { recursive: true, force: true });
  assert.is(search.status, 1);
  assert.match(search.stderr, /--redis: .*the path must be a database number/);
  const help = await cli(['truth', 'build', '--help']);
  assert.match(help.stdout, /--redis <url>/);
});

test.run();
