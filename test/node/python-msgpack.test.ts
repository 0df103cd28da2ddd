// Files any msgpack reader opens (issue 23): a model file, a search checkpoint and a ground-truth
// table written by the CLI are read by Python's msgpack (Debian's python3-msgpack), which checks
// the CRC-32 with zlib and finds the values mednas wrote. Skipped, saying so, where Python or its
// msgpack is missing (.ci/run installs python3-msgpack).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeTruthTable } from '../../src/truth/table.ts';
import { cliAll } from '../cli/helpers.ts';
import { fakeTable } from '../truth/helpers.ts';

const PYTHON = '/usr/bin/python3';
const hasMsgpack = spawnSync(PYTHON, ['-c', 'import msgpack'], { encoding: 'utf8' }).status === 0;

/** The five lines of docs/files.md, then a JSON summary of what was read. */
const READER = `
import json, sys, zlib, msgpack
doc = msgpack.unpackb(open(sys.argv[1], 'rb').read())
head = f"{doc['format']}\\n{doc['version']}\\n{doc['encoding']}\\n".encode()
assert zlib.crc32(doc['payload'], zlib.crc32(head)) == doc['crc32'], 'CRC-32 mismatch'
value = msgpack.unpackb(doc['payload'])
summary = {'format': doc['format'], 'version': doc['version'], 'keys': sorted(value.keys())}
if doc['format'] == 'mednas-model': summary['epochs'] = value['config']['epochs']; summary['architecture'] = value['architecture']['kind']; summary['genes'] = len(value['architecture']['genotype'])
if doc['format'] == 'mednas-search': summary['popSize'] = value['config']['popSize']; summary['archive'] = len(value['archive'])
if doc['format'] == 'mednas-truth': summary['architectures'] = len(value['architectures']); summary['auc'] = value['runs'][0]['test']['auc']
print(json.dumps(summary))
`;

function readWithPython(path: string): Record<string, unknown> {
  const r = spawnSync(PYTHON, ['-c', READER, path], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const dir = mkdtempSync(join(tmpdir(), 'mednas-python-'));
const maybe = hasMsgpack ? test : test.skip;
if (!hasMsgpack) console.log('  (skipped: no Python msgpack here; apt-get install python3-msgpack)');

maybe('Python reads a model file and a search checkpoint the CLI wrote, CRC-32 checked', async () => {
  const [train, search] = await cliAll([
    ['train', '--epochs', '1', '--max-images', '32', '--init-channels', '4', '--out', join(dir, 'train')],
    ['search', '--pop', '4', '--gens', '1', '--init-channels', '4', '--proxy-batch', '8', '--no-report', '--out', join(dir, 'search')],
  ]);
  assert.is(train.status, 0, train.stderr);
  const model = readWithPython(join(dir, 'train', 'model.mednas'));
  assert.equal({ format: model.format, version: model.version, epochs: model.epochs, architecture: model.architecture, genes: model.genes }, { format: 'mednas-model', version: 3, epochs: 1, architecture: 'mstf', genes: 42 });
  assert.is(search.status, 0, search.stderr);
  const ckpt = readWithPython(join(dir, 'search', 'checkpoint.mednas'));
  assert.equal({ format: ckpt.format, popSize: ckpt.popSize, archive: ckpt.archive }, { format: 'mednas-search', popSize: 4, archive: 4 });
});

maybe('Python reads a ground-truth table; a damaged one fails its CRC check there too', () => {
  const table = fakeTable({ count: 3, seeds: 2, auc: (a) => 0.75 + a / 100, proxies: (a) => ({ synflow: a }) });
  const bytes = encodeTruthTable(table);
  writeFileSync(join(dir, 't.mednas'), bytes);
  const t = readWithPython(join(dir, 't.mednas'));
  assert.equal({ format: t.format, version: t.version, architectures: t.architectures, auc: t.auc }, { format: 'mednas-truth', version: 1, architectures: 3, auc: 0.75 });
  const bad = bytes.slice();
  bad[bad.length - 5] ^= 0x20; // inside the payload
  writeFileSync(join(dir, 'bad.mednas'), bad);
  const r = spawnSync(PYTHON, ['-c', READER, join(dir, 'bad.mednas')], { encoding: 'utf8' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /CRC-32 mismatch/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
