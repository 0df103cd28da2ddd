// Pictures: DOT names every node and op; the SVG (Graphviz through WebAssembly) is well-formed XML
// whose text names every op of the genotype, with dead states and zero edges marked.
import { DOMParser, onWarningStopParsing } from '@xmldom/xmldom';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeGenotype, formatGenotype, genotypeToDot, genotypeToSvg, NORMAL_OP_NAMES, PAPER_GENOTYPE, randomGenotype,
  REDUCTION_OP_NAMES, type Genotype,
} from '../../src/space/index.ts';
import { Rng } from '../../src/util/rng.ts';

/** Parses SVG strictly (any warning or error fails) and returns every <text> content. */
function svgTexts(svg: string): string[] {
  const doc = new DOMParser({ onError: onWarningStopParsing }).parseFromString(svg, 'image/svg+xml');
  assert.is(doc.documentElement?.nodeName, 'svg');
  const texts = doc.getElementsByTagName('text');
  return Array.from({ length: texts.length }, (_, i) => texts.item(i)!.textContent ?? '');
}

function opNames(g: Genotype): string[] {
  return decodeGenotype(g).flatMap((b) => [...b.normal.map((n) => NORMAL_OP_NAMES[n.op]), ...b.pools.map((p) => REDUCTION_OP_NAMES[p])]);
}

test('SVG of the paper genotype: well-formed, names every op, the cells and the costs', async () => {
  const svg = await genotypeToSvg('paper', { config: { inChannels: 1, numClasses: 2, initChannels: 16 }, title: 'paper' });
  const texts = svgTexts(svg);
  // Edge labels are whole <text> elements; each normal op appears once per use.
  const normalUses = decodeGenotype(PAPER_GENOTYPE).flatMap((b) => b.normal.map((n) => NORMAL_OP_NAMES[n.op]));
  for (const name of new Set(normalUses)) {
    assert.is(texts.filter((t) => t === name).length, normalUses.filter((n) => n === name).length, `${name} edges`);
  }
  for (const name of opNames(PAPER_GENOTYPE)) assert.ok(texts.some((t) => t.includes(name)), `${name} in the SVG`);
  for (let b = 1; b <= 3; b++) {
    assert.ok(texts.some((t) => t.startsWith(`block ${b} normal cell: ${16 * 2 ** (b - 1)} ch`)), `block ${b} normal title`);
    assert.ok(texts.some((t) => t.startsWith(`block ${b} reduction cell`)), `block ${b} reduction title`);
  }
  assert.ok(texts.some((t) => /103\.5 k params, 13\.92 M MACs in all/.test(t)), 'totals');
  assert.ok(texts.filter((t) => t === 'concat').length === 3);
});

test('SVG of random genotypes (zero ops and dead cells included) names every op', async () => {
  const rng = new Rng(4);
  for (let i = 0; i < 5; i++) {
    const g = randomGenotype(rng);
    const texts = svgTexts(await genotypeToSvg(g));
    for (const name of opNames(g)) assert.ok(texts.some((t) => t.includes(name)), `${name} of ${formatGenotype(g)}`);
  }
  const dead = [0, 0, 2, 1, 1, 2, 3, 3, 4, 4, 0, 1, 2, 3, ...PAPER_GENOTYPE.slice(14)];
  const texts = svgTexts(await genotypeToSvg(dead));
  assert.ok(texts.some((t) => t.includes('dead: every output descends from a zero op')), 'dead cell marked');
});

test('DOT: one cluster per cell, an edge per node, dashed zero edges', () => {
  const dead = [0, 0, 2, 1, 1, 2, 3, 3, 4, 4, 0, 1, 2, 3, ...PAPER_GENOTYPE.slice(14)];
  const dot = genotypeToDot(dead);
  assert.ok(dot.startsWith('digraph mstf_nas {') && dot.trimEnd().endsWith('}'));
  assert.is((dot.match(/subgraph cluster_b\d_normal/g) ?? []).length, 3);
  assert.is((dot.match(/subgraph cluster_b\d_reduction/g) ?? []).length, 3);
  assert.match(dot, /b1_in -> b1_n0 \[label="zero", style="dashed"/);
  assert.match(dot, /b2_in -> b2_n0 \[label="dual_conv_7x7"\];/);
  assert.match(dot, /b3_mean -> b3_p3;/);
  assert.match(dot, /b3_fuse -> head;/);
});

test.run();
