// The two op sets of the space by gene value, and nothing else: the genotype code (bounds, messages,
// text form) needs the names without the modules; the op table (ops.ts) adds what each op builds
// and costs. Order is the encoding: changing it changes what every saved genotype means.
import { GenotypeError } from './errors.ts';

/** Normal-cell ops: the gene value is the index. */
export const NORMAL_OP_NAMES = [
  'zero',
  'identity',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'sep_conv_7x7',
  'dil_sep_conv_3x3',
  'dil_sep_conv_5x5',
  'dual_conv_7x7',
] as const;

/** Reduction-cell pooling ops (each a whole branch: pool, ReLU, conv 1x1, BN): the gene value is the index. */
export const REDUCTION_OP_NAMES = [
  'avg_pool_2x2',
  'max_pool_2x2',
  'avg_pool_3x3',
  'max_pool_3x3',
  'avg_pool_4x4',
  'max_pool_4x4',
] as const;

export type NormalOpName = (typeof NORMAL_OP_NAMES)[number];
export type ReductionOpName = (typeof REDUCTION_OP_NAMES)[number];

/** "0 zero, 1 identity, ..." for messages. */
export function listOps(names: readonly string[]): string {
  return names.map((n, i) => `${i} ${n}`).join(', ');
}

/** The gene value of a normal op name; unknown names are a GenotypeError listing the known ones. */
export function normalOpIndex(name: string): number {
  const i = (NORMAL_OP_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new GenotypeError(`unknown normal-cell op '${name}': known ops are ${NORMAL_OP_NAMES.join(', ')}`);
  return i;
}

/** The gene value of a pooling op name; unknown names are a GenotypeError listing the known ones. */
export function reductionOpIndex(name: string): number {
  const i = (REDUCTION_OP_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new GenotypeError(`unknown reduction-cell op '${name}': known ops are ${REDUCTION_OP_NAMES.join(', ')}`);
  return i;
}
