// The table file: a round trip keeps every number (NaN included); a damaged, cut, foreign or
// inconsistent file is refused with a FileFormatError that says what is wrong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEnvelope } from '../../src/util/envelope.ts';
import { FileFormatError } from '../../src/util/file-format-error.ts';
import { decodeTruthTable, encodeTruthTable, TRUTH_FORMAT, type TruthTable } from '../../src/truth/table.ts';
import { fakeTable } from './helpers.ts';

const table = fakeTable({ count: 4, seeds: 2, auc: (a, s) => 0.7 + a / 100 + s / 1000, proxies: (a) => ({ synflow: a, grasp: a === 2 ? NaN : -a }) });

const refused = (bytes: Uint8Array, pattern: RegExp) => {
  try {
    decodeTruthTable(bytes, 'table.mednas');
  } catch (e) {
    assert.instance(e, FileFormatError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted; expected ${pattern}`);
};

test('a round trip keeps every field and number, NaN included', () => {
  const back = decodeTruthTable(encodeTruthTable(table), 'table.mednas');
  assert.equal(back, table);
  assert.ok(Number.isNaN(back.proxies.find((r) => r.arch === 2)!.values.grasp));
});

test('a flipped byte, a cut file and another format are refused with the reason', () => {
  const bytes = encodeTruthTable(table);
  const flipped = bytes.slice();
  flipped[flipped.length >> 1] ^= 0x10;
  refused(flipped, /damaged: its CRC-32/);
  refused(bytes.subarray(0, bytes.length - 9), /truncated/);
  refused(encodeEnvelope('mednas-search', 1, { config: {} }), /is a mednas-search file, not mednas-truth/);
  refused(new TextEncoder().encode('genotype,auc\n1,0.8\n'), /not a mednas file/);
  refused(encodeEnvelope(TRUTH_FORMAT, 2, {}), /version 2/);
});

test('inconsistent contents are refused naming the field', () => {
  const bad = (t: unknown) => encodeEnvelope(TRUTH_FORMAT, 1, t);
  refused(bad({ ...table, runs: [...table.runs, table.runs[0]] }), /runs\[8\].*one run per architecture and seed/);
  refused(bad({ ...table, runs: [{ ...table.runs[0], key: table.architectures[1].key }] }), /runs\[0\]\.key/);
  refused(bad({ ...table, runs: [{ ...table.runs[0], seed: 7 }] }), /runs\[0\]\.seed .*protocol's seeds 0, 1/);
  refused(bad({ ...table, architectures: table.architectures.slice(1) }), /architectures .*4 architectures/);
  refused(bad({ ...table, protocol: { ...table.protocol, count: 0 } }), /protocol\.count/);
  const { sessions: _, ...noSessions } = table as TruthTable & Record<string, unknown>;
  refused(bad(noSessions), /no 'sessions'/);
});

test.run();
