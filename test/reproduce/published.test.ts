// The paper's figures quoted beside a reproduction are the ones docs/RESULTS.md's first table
// cites (one source of truth checked against the other), and no other dataset gets any.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { publishedFigures } from '../../src/reproduce/published.ts';

test("the quoted figures equal docs/RESULTS.md's table of the paper's (MSTF-NAS, ResNet-18 (28), random search)", () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'RESULTS.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| (BreastMNIST|PneumoniaMNIST|RetinaMNIST) \| (.+) \|$/gm)].slice(0, 3);
  assert.is(rows.length, 3);
  for (const [, subset, cells] of rows) {
    const quoted = cells.split(' | ').map((c) => c.split(' / ').map((x) => Number(x)));
    const figures = publishedFigures(subset.toLowerCase());
    assert.equal(figures.map((f) => [f.acc, f.auc]), quoted, subset);
  }
  assert.equal(publishedFigures('breastmnist').map((f) => f.label), ['MSTF-NAS', 'ResNet-18 (28)', 'random search']);
});

test('a dataset the paper did not report has no figures', () => {
  assert.equal(publishedFigures('synthetic'), []);
  assert.equal(publishedFigures('dermamnist'), []);
});

test.run();
