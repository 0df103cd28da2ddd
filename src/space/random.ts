// Seeded random genotypes: every gene uniform within its bounds, drawn from the library's Rng in
// gene order, so the same seed gives the same genotypes on every machine.
import type { Rng } from '../util/rng.ts';
import { isDeadCell } from './dead.ts';
import { decodeGenotype, DEFAULT_BLOCKS, GENES_PER_BLOCK, genotypeBounds, type Genotype } from './genotype.ts';

export interface RandomGenotypeOptions {
  blocks?: number;
  /**
   * Redraw a block until its normal cell is not dead (see dead.ts). Blocks are independent, so this
   * samples uniformly among live genotypes. Default false: uniform over the whole space.
   */
  avoidDead?: boolean;
}

/** One genotype drawn from `rng`. */
export function randomGenotype(rng: Rng, options: RandomGenotypeOptions = {}): number[] {
  const blocks = options.blocks ?? DEFAULT_BLOCKS;
  const { upper } = genotypeBounds(blocks);
  const g: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const bounds = upper.slice(b * GENES_PER_BLOCK, (b + 1) * GENES_PER_BLOCK);
    let genes: number[];
    do genes = bounds.map((u) => rng.integer(0, u));
    while (options.avoidDead && isDeadCell(decodeGenotype(genes as Genotype)[0].normal));
    g.push(...genes);
  }
  return g;
}
