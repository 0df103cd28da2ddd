// The shared option parser: every kind of value, and the one error style (flag, what was given,
// what is allowed).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cac } from 'cac';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CliUsageError, bytesValue, choiceValue, countOf, floatValue, intValue, listValue, pathValue, protectValues, stringValue, urlValue, shellQuote,
} from '../../cli/options.ts';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, CliUsageError, String(e));
    return (e as Error).message;
  }
  throw new Error('expected a CliUsageError');
}

/** Parses argv with a cac program that has --batch <n>, --lr <x>, --json, as the CLI does. */
function parsed(...argv: string[]): Record<string, unknown> {
  const cli = cac('t');
  cli.command('run').option('--batch <n>', '').option('--lr <x>', '').option('--json', '');
  cli.parse(['node', 't', ...protectValues(argv, cli)], { run: false });
  return cli.options;
}

test('values reach the parser as typed: negative, empty, exponent, hex', () => {
  assert.is(usage(() => intValue(parsed('run', '--batch', '-3').batch, '--batch', { min: 1, max: 4096 })), '--batch: got "-3"; allowed: a whole number from 1 to 4096');
  assert.is(usage(() => intValue(parsed('run', '--batch=').batch, '--batch', { min: 1 })), '--batch: got ""; allowed: a whole number >= 1');
  assert.match(usage(() => intValue(parsed('run', '--batch', '1e9').batch, '--batch', { min: 1, max: 4096 })), /got "1e9"/);
  assert.match(usage(() => intValue(parsed('run', '--batch', '0x10').batch, '--batch')), /got "0x10"/);
  assert.match(usage(() => intValue(parsed('run', '--batch', '2', '--batch', '3').batch, '--batch')), /--batch: given 2 times; give it once/);
  assert.is(intValue(parsed('run', '--batch', '64').batch, '--batch', { min: 1 }), 64);
  assert.is(floatValue(parsed('run', '--lr', '-1e-3').lr, '--lr'), -0.001);
  assert.is(parsed('run', '--json', '--batch', '2').json, true);
  assert.is(intValue(64, '--batch'), 64, 'cac defaults are numbers');
});

test('numbers, sizes, choices, lists, strings, URLs', () => {
  assert.match(usage(() => floatValue('NaN', '--lr')), /--lr: got "NaN"; allowed: a number/);
  assert.match(usage(() => floatValue('2', '--lr', { min: 0, max: 1 })), /allowed: a number from 0 to 1/);
  assert.is(bytesValue('512MB', '--mem'), 512e6);
  assert.is(bytesValue('2GiB', '--mem'), 2 * 2 ** 30);
  assert.is(bytesValue('4096', '--mem'), 4096);
  assert.match(usage(() => bytesValue('12 parsecs', '--mem')), /--mem: got "12 parsecs"; allowed: a size such as 4096, 512MB or 2GiB/);
  assert.is(choiceValue('64', '--size', [28, 64, 128, 224]), 64);
  assert.is(usage(() => choiceValue('abc', '--size', [28, 64, 128, 224])), '--size: got "abc"; allowed: 28, 64, 128, 224');
  assert.equal(listValue('1,2, 3', '--seeds', (t, f) => intValue(t, f)), [1, 2, 3]);
  assert.match(usage(() => listValue('1,,3', '--seeds', (t, f) => intValue(t, f))), /--seeds: got "1,,3"; allowed: a comma-separated list/);
  assert.match(usage(() => listValue('1,x', '--seeds', (t, f) => intValue(t, f))), /--seeds: got "x"; allowed: a whole number/);
  assert.match(usage(() => stringValue('  ', '--backend')), /allowed: a non-empty value/);
  assert.is(urlValue('https://example.org/a.npz', '--url'), 'https://example.org/a.npz');
  assert.match(usage(() => urlValue('http://[bad', '--url')), /--url: got "http:\/\/\[bad" \(not a valid URL\); allowed: a whole http/);
  assert.match(usage(() => urlValue('ftp://x/y', '--url')), /ftp: URLs are not supported/);
});

test('paths: a file where a directory is expected and the other way round', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mednas-opts-'));
  try {
    writeFileSync(join(dir, 'f'), 'x');
    const fail = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        assert.instance(e, CliUsageError);
        return (e as Error).message;
      }
      throw new Error('expected a CliUsageError');
    };
    assert.match(await fail(pathValue(join(dir, 'f'), '--data-dir', 'dir-or-missing')), /--data-dir: got ".*f" \(a file\); allowed: a directory \(created if missing\)/);
    assert.match(await fail(pathValue(dir, '--model', 'file')), /\(a directory\); allowed: an existing file/);
    assert.match(await fail(pathValue(join(dir, 'nope'), '--model', 'file')), /\(it does not exist\)/);
    assert.match(await fail(pathValue(join(dir, 'f', 'g'), '--out', 'file-or-missing')), /a part of the path is a file/);
    assert.is(await pathValue(join(dir, 'new'), '--data-dir', 'dir-or-missing'), join(dir, 'new'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shellQuote: plain words as they are, anything else single-quoted so a shell reads it back as one word', () => {
  assert.is(shellQuote('runs/search-breastmnist'), 'runs/search-breastmnist');
  for (const text of ['my runs/a b', "it's", 'tête/ø', '$HOME', 'a;b', '']) {
    const quoted = shellQuote(text);
    const echoed = spawnSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' }).stdout;
    assert.is(echoed, text, `${text} -> ${quoted}`);
  }
});

test('countOf: singular for 1, plural otherwise ("1 generation", "1 epoch", "0 epochs")', () => {
  assert.equal([countOf(1, 'generation'), countOf(20, 'generation'), countOf(1, 'epoch'), countOf(0, 'epoch'), countOf(2, 'match', 'matches')], ['1 generation', '20 generations', '1 epoch', '0 epochs', '2 matches']);
});

test.run();
