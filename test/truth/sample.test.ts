// The architecture sample: a seeded sequence (paper first, then uniform live and spread entries in
// turn) whose prefixes are the smaller tables, the same at any C, with no duplicate or dead cell,
// and whose spread half reaches further into the parameter range than the uniform half.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deadCells } from '../../src/space/dead.ts';
import { genotypeKey } from '../../src/space/text.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import { sampleArchitectures, vanDerCorput } from '../../src/truth/sample.ts';

const net = { inChannels: 1, numClasses: 2, initChannels: 8, inputSize: 28 };
const big = sampleArchitectures(40, 0, net);

test('the paper genotype first, then random and spread in turn; distinct and live', () => {
  assert.is(big.length, 40);
  assert.is(big[0].key, genotypeKey(PAPER_GENOTYPE));
  assert.equal(big.slice(1, 5).map((a) => a.origin), ['random', 'spread', 'random', 'spread']);
  assert.is(new Set(big.map((a) => a.key)).size, 40);
  for (const a of big) assert.equal(deadCells(a.genotype), [], `${a.key} has a dead cell`);
});

test('a smaller table is a prefix of a larger one, at any C; another seed gives another sample', () => {
  const small = sampleArchitectures(12, 0, { ...net, initChannels: 16 });
  assert.equal(small.map((a) => a.key), big.slice(0, 12).map((a) => a.key));
  assert.ok(small[1].params > big[1].params, 'params are counted at the table C');
  const other = sampleArchitectures(12, 1, net);
  assert.is.not(other[1].key, big[1].key);
  assert.equal(sampleArchitectures(1, 0, net).map((a) => a.origin), ['paper']);
});

test('the spread half covers more of the parameter range than the uniform half', () => {
  const logs = (origin: string) => big.filter((a) => a.origin === origin).map((a) => Math.log(a.params));
  const width = (v: number[]) => Math.max(...v) - Math.min(...v);
  assert.ok(width(logs('spread')) > width(logs('random')), `${width(logs('spread'))} vs ${width(logs('random'))}`);
});

test('van der Corput: 1/2, 1/4, 3/4, 1/8, 5/8', () => {
  assert.equal([0, 1, 2, 3, 4].map(vanDerCorput), [0.5, 0.25, 0.75, 0.125, 0.625]);
});

test.run();
