// Genotypes as text: a stable key (for caches), a readable form (`block 1 normal: node0 =
// sep_conv_3x3(in), ...`) and one parser for everything a user may type or keep in a file: `paper`,
// `2,0,4,...` (commas or white space, # comments), a JSON array, a JSON object with a `genotype`
// field (e.g. a search summary), or the readable form itself. Reading files is the caller's job
// (src/node, cli): this takes the text.
import { isDeadCell } from './dead.ts';
import { GenotypeError } from './errors.ts';
import {
  decodeGenotype, GENES_PER_BLOCK, NODES_PER_CELL, normalCellOutputs, PAPER_GENOTYPE, resolveGenotype, validateGenotype,
  type GenotypeInput, type GenotypeOptions,
} from './genotype.ts';
import { NORMAL_OP_NAMES, normalOpIndex, REDUCTION_OP_NAMES, reductionOpIndex } from './op-names.ts';

/** A stable string key: the genes joined by commas (it parses back to the same genotype). */
export function genotypeKey(g: GenotypeInput): string {
  return resolveGenotype(g).join(',');
}

const stateName = (s: number): string => (s === 0 ? 'in' : `node${s - 1}`);

/** The readable form: two lines per block (normal cell, reduction cell). parseGenotype reads it back. */
export function formatGenotype(g: GenotypeInput): string {
  const lines: string[] = [];
  decodeGenotype(resolveGenotype(g)).forEach((block, b) => {
    const nodes = block.normal.map((n, k) => `node${k} = ${NORMAL_OP_NAMES[n.op]}(${stateName(n.input)})`);
    const outputs = normalCellOutputs(block.normal).map(stateName).join(', ');
    const dead = isDeadCell(block.normal) ? ' [dead: every output descends from a zero op]' : '';
    lines.push(`block ${b + 1} normal:    ${nodes.join(', ')} -> mean(${outputs})${dead}`);
    const pools = block.pools.map((p) => REDUCTION_OP_NAMES[p]).join(', ');
    lines.push(`block ${b + 1} reduction: ${pools} -> concat, relu, conv 1x1, bn`);
  });
  return lines.join('\n');
}

/** Parses any of the forms in the file comment and validates the result. */
export function parseGenotype(text: string, options: GenotypeOptions = {}): number[] {
  const trimmed = text.trim();
  let genes: unknown;
  if (trimmed.toLowerCase() === 'paper') genes = [...PAPER_GENOTYPE];
  else if (trimmed === '') throw new GenotypeError('the genotype is empty: give `paper`, `2,0,4,...`, a JSON array or a file holding one');
  else if (trimmed.startsWith('[') || trimmed.startsWith('{')) genes = fromJson(trimmed);
  else if (/^\s*block\s+\d+/im.test(trimmed)) genes = fromReadable(trimmed);
  else genes = fromList(trimmed);
  validateGenotype(genes, options);
  return [...genes];
}

function fromJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GenotypeError(`the genotype is not valid JSON (${(e as Error).message}): give a JSON array of integers`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const field = (value as { genotype?: unknown }).genotype;
    if (field === undefined) throw new GenotypeError('the JSON object has no `genotype` field: give a JSON array of integers, or an object with one');
    return typeof field === 'string' ? parseGenotype(field) : field;
  }
  return value;
}

function fromList(text: string): number[] {
  const tokens = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join(' ')
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  return tokens.map((t, i) => {
    if (!/^[+-]?\d+$/.test(t)) {
      throw new GenotypeError(`gene ${i} of the genotype is '${t}', not an integer: give integers separated by commas, e.g. 2,0,4,1,...`);
    }
    return Number(t);
  });
}

function fromReadable(text: string): number[] {
  const normal = new Map<number, number[]>();
  const reduction = new Map<number, number[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const m = /^block\s+(\d+)\s+(normal|reduction)\s*:\s*(.*)$/i.exec(line);
    if (!m) throw new GenotypeError(`cannot read the genotype line '${line}': expected 'block N normal: ...' or 'block N reduction: ...'`);
    const block = Number(m[1]);
    const body = m[3].split('->')[0];
    const target = m[2].toLowerCase() === 'normal' ? normal : reduction;
    if (target.has(block)) throw new GenotypeError(`block ${block} ${m[2]} appears twice in the genotype text`);
    target.set(block, m[2].toLowerCase() === 'normal' ? readNormal(block, body) : readReduction(block, body));
  }
  const blocks = Math.max(0, ...normal.keys(), ...reduction.keys());
  const genes: number[] = [];
  for (let b = 1; b <= blocks; b++) {
    const n = normal.get(b);
    const r = reduction.get(b);
    if (!n || !r) throw new GenotypeError(`the genotype text has no 'block ${b} ${n ? 'reduction' : 'normal'}:' line (blocks are numbered from 1)`);
    genes.push(...n, ...r);
  }
  return genes;
}

function readNormal(block: number, body: string): number[] {
  const parts = body.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length !== NODES_PER_CELL) {
    throw new GenotypeError(`block ${block} normal has ${parts.length} nodes, expected ${NODES_PER_CELL} ('node0 = sep_conv_3x3(in), ...')`);
  }
  return parts.flatMap((p, k) => {
    const m = /^node(\d+)\s*=\s*([a-z0-9_]+)\s*\(\s*(in|node\d+)\s*\)$/i.exec(p);
    if (!m || Number(m[1]) !== k) {
      throw new GenotypeError(`block ${block} normal: cannot read '${p}', expected 'node${k} = OP(in|nodeJ)'`);
    }
    const input = m[3] === 'in' ? 0 : Number(m[3].slice(4)) + 1;
    return [normalOpIndex(m[2]), input];
  });
}

function readReduction(block: number, body: string): number[] {
  const names = body.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (names.length !== GENES_PER_BLOCK - 2 * NODES_PER_CELL) {
    throw new GenotypeError(`block ${block} reduction has ${names.length} pooling ops, expected ${GENES_PER_BLOCK - 2 * NODES_PER_CELL}`);
  }
  return names.map(reductionOpIndex);
}
