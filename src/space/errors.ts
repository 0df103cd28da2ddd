// Typed errors of the search space. Every message names the fault (the block, node and gene of a
// bad genotype; the setting of a bad network) and says what to do, so the CLI prints it as it is.

/** Base class: anything the search space throws on purpose. */
export class SpaceError extends Error {
  override name = 'SpaceError';
}

/** Where in a genotype a fault is: 0-based gene position, 1-based block (as the text form says). */
export interface GenePlace {
  /** 0-based position in the integer array. */
  readonly position: number;
  /** 1-based block number, as the text form prints it. */
  readonly block: number;
  /** 'op' or 'input' of a normal-cell node, or a reduction-cell 'pool' gene. */
  readonly role: 'op' | 'input' | 'pool';
  /** Normal-cell node 0..4 for 'op' and 'input'; reduction branch 0..3 for 'pool'. */
  readonly index: number;
}

/** A genotype that is not in the space: wrong length, a gene out of range, an unknown op name. */
export class GenotypeError extends SpaceError {
  override name = 'GenotypeError';
  constructor(
    message: string,
    /** The offending gene, when one is to blame (not for a wrong length or unreadable text). */
    readonly gene?: GenePlace,
  ) {
    super(message);
  }
}

/** A network setting the space cannot build: channels not divisible by 4, an input too small, ... */
export class SpaceConfigError extends SpaceError {
  override name = 'SpaceConfigError';
}
