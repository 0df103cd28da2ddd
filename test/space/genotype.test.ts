// Genotypes as data: bounds, validation (every kind of invalid one, named by block, node and gene),
// dead cells, seeded sampling, the key, the readable form and parsing. No GPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  blockCount, deadCells, decodeGenotype, formatGenotype, GENES_PER_BLOCK, genotypeBounds, genotypeKey, GenotypeError,
  isDeadCell, normalCellOutputs, PAPER_GENOTYPE, parseGenotype, randomGenotype, validateGenotype, type NormalNode,
} from '../../src/space/index.ts';
import { Rng } from '../../src/util/rng.ts';

function rejects(g: unknown, pattern: RegExp, position?: number, options = {}): void {
  try {
    validateGenotype(g, options);
  } catch (e) {
    assert.instance(e, GenotypeError);
    assert.match((e as Error).message, pattern);
    assert.is((e as GenotypeError).gene?.position, position, `gene position in ${(e as Error).message}`);
    return;
  }
  assert.unreachable(`${JSON.stringify(g)} was accepted`);
}

test('bounds: op 0..7, input of node k 0..k, pooling 0..5, per block', () => {
  const block = [7, 0, 7, 1, 7, 2, 7, 3, 7, 4, 5, 5, 5, 5];
  const { lower, upper } = genotypeBounds();
  assert.equal(upper, [...block, ...block, ...block]);
  assert.equal(lower, new Array(42).fill(0));
  assert.is(genotypeBounds(1).upper.length, GENES_PER_BLOCK);
  assert.equal(genotypeBounds(4).upper, [...block, ...block, ...block, ...block]);
  assert.throws(() => genotypeBounds(0), (e: Error) => e instanceof GenotypeError);
});

test('the paper genotype is valid and decodes to the paper cells', () => {
  validateGenotype(PAPER_GENOTYPE, { blocks: 3 });
  assert.is(PAPER_GENOTYPE.length, 42);
  const blocks = decodeGenotype(PAPER_GENOTYPE);
  assert.equal(blocks[0].normal[1], { op: 4, input: 1 });
  assert.equal(blocks[2].pools, [4, 1, 2, 4]);
  // Outputs: the states no node reads (state j = node j-1).
  assert.equal(blocks.map((b) => normalCellOutputs(b.normal)), [[2, 3, 5], [2, 5], [1, 4, 5]]);
  assert.equal(deadCells(PAPER_GENOTYPE), []);
  assert.equal(deadCells('paper'), []);
  assert.is(genotypeKey('paper'), genotypeKey(PAPER_GENOTYPE));
  assert.is(formatGenotype('paper'), formatGenotype(PAPER_GENOTYPE));
});

test('every kind of invalid genotype is rejected, naming the block, node and gene', () => {
  const g = [...PAPER_GENOTYPE];
  const with_ = (i: number, v: unknown): unknown[] => g.map((x, j) => (j === i ? v : x));
  rejects('2,0,4', /array of integers, got string/);
  rejects(null, /got null/);
  rejects(g.slice(0, 41), /positive multiple of 14 .*got 41/);
  rejects([], /got 0/);
  rejects(g.slice(0, 28), /expected 42 for 3 block\(s\), got 28/, undefined, { blocks: 3 });
  rejects(with_(0, 8), /gene 0 \(block 1, node 0 op\) is 8: normal ops are 0\.\.7 \(0 zero, 1 identity/, 0);
  rejects(with_(14, -1), /gene 14 \(block 2, node 0 op\) is -1/, 14);
  rejects(with_(1, 1), /gene 1 \(block 1, node 0 input\) is 1: node 0 takes input 0\.\.0/, 1);
  rejects(with_(35, 4), /gene 35 \(block 3, node 3 input\) is 4: node 3 takes input 0\.\.3 \(0 = the cell input/, 35);
  rejects(with_(10, 6), /gene 10 \(block 1, reduction branch 0 pool\) is 6: pooling genes are 0\.\.5 \(0 avg_pool_2x2/, 10);
  rejects(with_(41, 9), /gene 41 \(block 3, reduction branch 3 pool\) is 9/, 41);
  rejects(with_(5, 2.5), /gene 5 \(block 1, node 2 input\) is 2\.5, not an integer/, 5);
  rejects(with_(6, Number.NaN), /gene 6 \(block 1, node 3 op\) is null, not an integer|is NaN/, 6);
  rejects(with_(7, '0'), /gene 7 \(block 1, node 3 input\) is "0", not an integer/, 7);
  const err = (() => {
    try {
      validateGenotype(with_(24, 6));
    } catch (e) {
      return e as GenotypeError;
    }
  })();
  assert.equal(err?.gene, { position: 24, block: 2, role: 'pool', index: 0 });
});

test('dead cells: every output state descends from a zero op', () => {
  const nodes = (...pairs: number[]): NormalNode[] => Array.from({ length: 5 }, (_, k) => ({ op: pairs[2 * k], input: pairs[2 * k + 1] }));
  const block = (...pairs: number[]): number[] => [...pairs, 0, 0, 0, 0];
  // A chain through a zero at node 0: every state is dead.
  assert.ok(isDeadCell(nodes(0, 0, 2, 1, 1, 2, 3, 3, 4, 4)));
  // Identity of a zero is still zero; outputs node3 = identity(zero) and node4 = zero.
  assert.ok(isDeadCell(nodes(2, 0, 0, 1, 1, 2, 1, 3, 0, 1)));
  // One live output among dead ones keeps the cell alive.
  assert.not.ok(isDeadCell(nodes(0, 0, 2, 1, 1, 0, 3, 3, 2, 0)));
  // A zero node that another node reads, and a live leaf.
  assert.not.ok(isDeadCell(nodes(2, 0, 0, 1, 3, 0, 1, 2, 4, 0)));
  const dead = block(0, 0, 2, 1, 1, 2, 3, 3, 4, 4);
  const live = PAPER_GENOTYPE.slice(0, 14);
  assert.equal(deadCells([...live, ...dead, ...live]), [1]);
  assert.equal(deadCells([...dead, ...dead, ...live]), [0, 1]);
});

test('dead-cell rate of uniform genotypes matches the exact probability (about 1 in 6)', () => {
  // Exact per-block probability by enumerating every (ops, inputs) of one normal cell.
  let deadBlocks = 0;
  let total = 0;
  const inputs = [0, 0, 0, 0, 0];
  const visit = (k: number): void => {
    if (k === 5) {
      for (let ops = 0; ops < 8 ** 5; ops++) {
        const nodes = inputs.map((input, j) => ({ op: Math.floor(ops / 8 ** j) % 8, input }));
        total++;
        if (isDeadCell(nodes)) deadBlocks++;
      }
      return;
    }
    for (let i = 0; i <= k; i++) {
      inputs[k] = i;
      visit(k + 1);
    }
  };
  visit(0);
  const pBlock = deadBlocks / total;
  const pGenotype = 1 - (1 - pBlock) ** 3;
  const rng = new Rng(11);
  const n = 4000;
  let dead = 0;
  for (let i = 0; i < n; i++) if (deadCells(randomGenotype(rng)).length > 0) dead++;
  const sigma = Math.sqrt((pGenotype * (1 - pGenotype)) / n);
  assert.ok(Math.abs(dead / n - pGenotype) < 4 * sigma, `sampled ${dead / n}, exact ${pGenotype}`);
  assert.ok(pGenotype > 0.12 && pGenotype < 0.2, `exact ${pGenotype}`);
});

test('random genotypes: seeded, within bounds, covering every value; avoidDead samples live ones', () => {
  const a = Array.from({ length: 50 }, ((rng) => () => randomGenotype(rng))(new Rng(5)));
  const b = Array.from({ length: 50 }, ((rng) => () => randomGenotype(rng))(new Rng(5)));
  const c = Array.from({ length: 50 }, ((rng) => () => randomGenotype(rng))(new Rng(6)));
  assert.equal(a, b);
  assert.not.equal(a, c);
  const { upper } = genotypeBounds();
  const seen = upper.map(() => new Set<number>());
  const rng = new Rng(7);
  for (let i = 0; i < 1000; i++) {
    const g = randomGenotype(rng);
    validateGenotype(g, { blocks: 3 });
    g.forEach((v, j) => seen[j].add(v));
  }
  seen.forEach((s, j) => assert.is(s.size, upper[j] + 1, `gene ${j} takes every value`));
  const live = new Rng(8);
  for (let i = 0; i < 500; i++) assert.equal(deadCells(randomGenotype(live, { avoidDead: true })), []);
  assert.is(randomGenotype(new Rng(1), { blocks: 2 }).length, 28);
});

test('key and readable form; the readable form parses back', () => {
  assert.is(genotypeKey(PAPER_GENOTYPE), PAPER_GENOTYPE.join(','));
  const text = formatGenotype(PAPER_GENOTYPE);
  const lines = text.split('\n');
  assert.is(lines.length, 6);
  assert.is(
    lines[0],
    'block 1 normal:    node0 = sep_conv_3x3(in), node1 = sep_conv_7x7(node0), node2 = sep_conv_5x5(in), ' +
      'node3 = sep_conv_3x3(in), node4 = sep_conv_3x3(node3) -> mean(node1, node2, node4)',
  );
  assert.is(lines[1], 'block 1 reduction: avg_pool_2x2, max_pool_4x4, max_pool_4x4, avg_pool_3x3 -> concat, relu, conv 1x1, bn');
  assert.equal(parseGenotype(text), [...PAPER_GENOTYPE]);
  const rng = new Rng(9);
  for (let i = 0; i < 200; i++) {
    const g = randomGenotype(rng);
    assert.equal(parseGenotype(formatGenotype(g)), g);
    assert.equal(parseGenotype(genotypeKey(g)), g);
  }
  const dead = [0, 0, 2, 1, 1, 2, 3, 3, 4, 4, 0, 0, 0, 0];
  assert.match(formatGenotype(dead), /\[dead: every output descends from a zero op\]/);
});

test('parse: paper, comma/space lists with comments, JSON array, JSON object, and clear errors', () => {
  const paper = [...PAPER_GENOTYPE];
  assert.equal(parseGenotype('paper'), paper);
  assert.equal(parseGenotype('  PAPER\n'), paper);
  assert.equal(parseGenotype(paper.join(', ')), paper);
  assert.equal(parseGenotype(`# the paper's\n${paper.slice(0, 14).join(' ')}\n${paper.slice(14).join(',')}  # rest\n`), paper);
  assert.equal(parseGenotype(JSON.stringify(paper)), paper);
  assert.equal(parseGenotype(JSON.stringify({ genotype: paper, score: 1 })), paper);
  assert.equal(parseGenotype(JSON.stringify({ genotype: 'paper' })), paper);
  const fails = (text: string, pattern: RegExp, options = {}): void =>
    assert.throws(() => parseGenotype(text, options), (e: Error) => e instanceof GenotypeError && pattern.test(e.message));
  fails('', /empty/);
  fails('2,0,x,1', /gene 2 of the genotype is 'x', not an integer/);
  fails('[2, 0,', /not valid JSON/);
  fails('{"arch": [1]}', /no `genotype` field/);
  fails(paper.slice(0, 13).join(','), /got 13/);
  fails(paper.join(','), /expected 28 for 2 block/, { blocks: 2 });
  fails(paper.map((v, i) => (i === 3 ? 9 : v)).join(','), /gene 3 \(block 1, node 1 input\) is 9/);
  const text = formatGenotype(PAPER_GENOTYPE);
  fails(text.replace('sep_conv_7x7', 'sep_conv_9x9'), /unknown normal-cell op 'sep_conv_9x9': known ops are zero, identity, sep_conv_3x3/);
  fails(text.replace('max_pool_4x4', 'max_pool_5x5'), /unknown reduction-cell op 'max_pool_5x5': known ops are avg_pool_2x2/);
  fails(text.replace('node1 = sep_conv_7x7(node0)', 'node1 = sep_conv_7x7(node3)'), /gene 3 \(block 1, node 1 input\) is 4/);
  fails(text.split('\n').slice(0, 5).join('\n'), /no 'block 3 reduction:' line/);
  fails('block 1 sideways: x', /cannot read the genotype line/);
  assert.is(blockCount(parseGenotype(text)), 3);
});

test.run();
