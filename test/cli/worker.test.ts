// `mednas worker` and `--redis` as a user types them: the flags are checked before anything starts
// (no Redis is needed to be told what is wrong), and the password in a URL is never echoed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from './helpers.ts';

test('mednas worker needs --redis, and a Redis URL; search, truth build and reproduce run check --redis the same way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mednas-worker-cli-'));
  // The commands are independent: started together, they share the machine's cores.
  const [none, http, search, reproduce, help] = await Promise.all([
    cli(['worker']),
    cli(['worker', '--redis', 'http://:hunter2@localhost:6379']),
    cli(['search', '--pop', '4', '--gens', '1', '--out', join(dir, 's'), '--redis', 'redis://localhost:6379/queue']),
    cli(['reproduce', 'run', '--seeds', '1', '--out', join(dir, 'r'), '--redis', 'rediss://:hunter2@localhost:6380/x']),
    cli(['truth', 'build', '--help']),
  ]);
  rmSync(dir, { recursive: true, force: true });
  assert.is(none.status, 1);
  assert.match(none.stderr, /mednas worker needs --redis URL/);
  assert.is(http.status, 1);
  assert.match(http.stderr, /--redis: 'http:\/\/:\*\*\*@localhost:6379\/?' is not a Redis URL \(it starts with http:\/\/\)/);
  assert.not.match(http.stderr, /hunter2/);
  assert.is(search.status, 1);
  assert.match(search.stderr, /--redis: .*the path must be a database number/);
  assert.is(reproduce.status, 1, reproduce.stderr);
  assert.match(reproduce.stderr, /--redis: .*the path must be a database number/);
  assert.not.match(reproduce.stderr, /hunter2/);
  assert.match(help.stdout, /--redis <url>/);
});

test.run();
