// The genotype: B x 14 integers. Per block, 5 normal-cell nodes as [op, input] pairs (node k takes
// state `input` in 0..k: 0 is the cell input, j the output of node j-1), then 4 reduction-cell
// pooling genes. Bounds, validation (messages name the block, node and gene), decoding, and which
// states a normal cell outputs. Pure data: nothing here touches a GPU.
import { GenotypeError, type GenePlace } from './errors.ts';
import { listOps, NORMAL_OP_NAMES, REDUCTION_OP_NAMES } from './op-names.ts';

/** A genotype: B x GENES_PER_BLOCK integers (see the file comment). */
export type Genotype = readonly number[];

export const NODES_PER_CELL = 5;
export const POOL_GENES = 4;
export const GENES_PER_BLOCK = 2 * NODES_PER_CELL + POOL_GENES;
export const DEFAULT_BLOCKS = 3;

/** The paper's PneumoniaMNIST architecture (MSTF-NAS, IEEE TEVC 2024); `paper` wherever a genotype is asked for. */
export const PAPER_GENOTYPE: Genotype = Object.freeze([
  2, 0, 4, 1, 3, 0, 2, 0, 2, 4, 0, 5, 5, 2,
  7, 0, 2, 1, 7, 0, 2, 3, 1, 4, 5, 2, 5, 5,
  4, 0, 5, 0, 4, 2, 3, 3, 1, 0, 4, 1, 2, 4,
]);

/** One normal-cell node: op index and the state it reads (0 = cell input, j = node j-1). */
export interface NormalNode {
  readonly op: number;
  readonly input: number;
}

/** One block's genes, decoded. */
export interface BlockGenes {
  readonly normal: readonly NormalNode[];
  /** The four reduction branches' pooling op indices. */
  readonly pools: readonly number[];
}

/** Where gene `position` sits: its block (1-based), role, and node or branch. */
export function genePlace(position: number): GenePlace {
  const block = Math.floor(position / GENES_PER_BLOCK) + 1;
  const within = position % GENES_PER_BLOCK;
  if (within < 2 * NODES_PER_CELL) {
    return { position, block, role: within % 2 === 0 ? 'op' : 'input', index: Math.floor(within / 2) };
  }
  return { position, block, role: 'pool', index: within - 2 * NODES_PER_CELL };
}

/** The largest value gene `position` may take (the smallest is always 0). */
function upperBound(position: number): number {
  const place = genePlace(position);
  if (place.role === 'op') return NORMAL_OP_NAMES.length - 1;
  if (place.role === 'input') return place.index;
  return REDUCTION_OP_NAMES.length - 1;
}

/** Per-gene integer bounds, both ends included, for an optimiser (pymoo's xl, xu). */
export function genotypeBounds(blocks = DEFAULT_BLOCKS): { lower: number[]; upper: number[] } {
  checkBlocks(blocks);
  const n = blocks * GENES_PER_BLOCK;
  return { lower: new Array<number>(n).fill(0), upper: Array.from({ length: n }, (_, i) => upperBound(i)) };
}

function checkBlocks(blocks: number): void {
  if (!Number.isInteger(blocks) || blocks < 1) throw new GenotypeError(`the number of blocks must be a whole number >= 1, got ${blocks}`);
}

function describePlace(p: GenePlace): string {
  const what = p.role === 'pool' ? `reduction branch ${p.index} pool` : `node ${p.index} ${p.role}`;
  return `gene ${p.position} (block ${p.block}, ${what})`;
}

function rangeAdvice(p: GenePlace): string {
  if (p.role === 'op') return `normal ops are 0..${NORMAL_OP_NAMES.length - 1} (${listOps(NORMAL_OP_NAMES)})`;
  if (p.role === 'input') {
    return `node ${p.index} takes input 0..${p.index} (0 = the cell input, j = the output of node j-1)`;
  }
  return `pooling genes are 0..${REDUCTION_OP_NAMES.length - 1} (${listOps(REDUCTION_OP_NAMES)})`;
}

export interface GenotypeOptions {
  /** The number of blocks the genotype must have; by default any whole number of blocks. */
  blocks?: number;
}

/**
 * Throws a GenotypeError unless `g` is an array of integers in the space: length a whole number of
 * blocks (exactly `blocks` when given), every gene within its bounds. The message names the block,
 * node and gene, and the allowed values.
 */
export function validateGenotype(g: unknown, options: GenotypeOptions = {}): asserts g is Genotype {
  if (!Array.isArray(g)) throw new GenotypeError(`a genotype is an array of integers, got ${g === null ? 'null' : typeof g}`);
  const layout = `${GENES_PER_BLOCK} integers per block (${NODES_PER_CELL} [op, input] pairs, then ${POOL_GENES} pooling genes)`;
  if (options.blocks !== undefined) {
    checkBlocks(options.blocks);
    const want = options.blocks * GENES_PER_BLOCK;
    if (g.length !== want) {
      throw new GenotypeError(`a genotype has ${layout}: expected ${want} for ${options.blocks} block(s), got ${g.length}`);
    }
  } else if (g.length === 0 || g.length % GENES_PER_BLOCK !== 0) {
    throw new GenotypeError(`a genotype has ${layout}: its length must be a positive multiple of ${GENES_PER_BLOCK} (42 for 3 blocks), got ${g.length}`);
  }
  g.forEach((v: unknown, i: number) => {
    const place = genePlace(i);
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new GenotypeError(`${describePlace(place)} is ${JSON.stringify(v) ?? String(v)}, not an integer: ${rangeAdvice(place)}`, place);
    }
    if (v < 0 || v > upperBound(i)) throw new GenotypeError(`${describePlace(place)} is ${v}: ${rangeAdvice(place)}`, place);
  });
}

/** The number of blocks of a valid genotype. */
export function blockCount(g: Genotype): number {
  return g.length / GENES_PER_BLOCK;
}

/** Splits a genotype into its blocks (validating it first). */
export function decodeGenotype(g: Genotype, options: GenotypeOptions = {}): BlockGenes[] {
  validateGenotype(g, options);
  const blocks: BlockGenes[] = [];
  for (let b = 0; b < blockCount(g); b++) {
    const genes = g.slice(b * GENES_PER_BLOCK, (b + 1) * GENES_PER_BLOCK);
    const normal = Array.from({ length: NODES_PER_CELL }, (_, k) => ({ op: genes[2 * k], input: genes[2 * k + 1] }));
    blocks.push({ normal, pools: genes.slice(2 * NODES_PER_CELL) });
  }
  return blocks;
}

/**
 * The states a normal cell averages into its output: every state 1..5 (node outputs) that no node
 * takes as its input. State 0, the cell input, is always read by node 0, so never an output.
 */
export function normalCellOutputs(nodes: readonly NormalNode[]): number[] {
  const read = new Set(nodes.map((n) => n.input));
  return Array.from({ length: nodes.length }, (_, k) => k + 1).filter((s) => !read.has(s));
}

/** A genotype given as an array, or `paper` for the paper's architecture. */
export type GenotypeInput = Genotype | 'paper';

/** `paper` -> PAPER_GENOTYPE; an array is validated and returned. */
export function resolveGenotype(g: GenotypeInput, options: GenotypeOptions = {}): Genotype {
  const genotype = g === 'paper' ? PAPER_GENOTYPE : g;
  validateGenotype(genotype, options);
  return genotype;
}
