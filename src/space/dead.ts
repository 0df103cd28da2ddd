// Dead cells, from the genotype alone. A state is dead when the path from the cell input to it
// passes through a zero op (x * 0): it is exactly zero whatever the input (an identity of a dead
// state is dead too). When every output state of a block's normal cell is dead, the cell outputs
// zeros, every later layer sees a constant, and the network's output does not depend on its input:
// jacob_cov is undefined and gradient proxies are 0 (about 1 in 6 random genotypes of 3 blocks).
import { decodeGenotype, normalCellOutputs, resolveGenotype, type GenotypeInput, type NormalNode } from './genotype.ts';

/** Which of the cell's states 0..5 are exactly zero for every input (state 0, the input, never is). */
export function deadStates(nodes: readonly NormalNode[]): boolean[] {
  const dead = [false];
  for (const n of nodes) dead.push(n.op === 0 || dead[n.input]);
  return dead;
}

/** True when every output state of the normal cell is dead. */
export function isDeadCell(nodes: readonly NormalNode[]): boolean {
  const dead = deadStates(nodes);
  return normalCellOutputs(nodes).every((s) => dead[s]);
}

/** The 0-based indices of the blocks whose normal cell is dead; empty for a live network. */
export function deadCells(g: GenotypeInput): number[] {
  return decodeGenotype(resolveGenotype(g))
    .map((b, i) => (isDeadCell(b.normal) ? i : -1))
    .filter((i) => i >= 0);
}
