// MSTF-NAS as a problem of the optimiser library (src/moo): 42 integer genes within the space's
// bounds (the optimisers repair by rounding and clamping), raw proxy values from the scorer, kept in
// the archive, and objectives normalised over whichever set the optimiser compares (relativeTo).
import type { Evaluation, Problem } from '../moo/problem.ts';
import { genotypeBounds } from '../space/genotype.ts';
import { genotypeKey } from '../space/text.ts';
import type { Archive, ArchitectureRecord } from './archive.ts';
import { mstfObjectives, type SearchObjectives } from './objectives.ts';

/** Scores one genotype not in the archive yet (the search wraps scoreArchitecture). */
export type ScoreNew = (genotype: number[]) => Promise<ArchitectureRecord>;

/** Scores several genotypes not in the archive yet, together (a queue of workers); records in their order. */
export type ScoreMany = (genotypes: number[][]) => Promise<ArchitectureRecord[]>;

export class MstfProblem implements Problem {
  readonly nVar: number;
  readonly nObj = 2;
  readonly lower: number[];
  readonly upper: number[];
  readonly varType = 'int' as const;
  /** Look-ups answered from the archive since the last `takeHits`. */
  private hits = 0;

  constructor(
    private readonly archive: Archive,
    private readonly objectives: SearchObjectives,
    private readonly scoreNew: ScoreNew,
    /** When given, a call's new genotypes are scored together (distinct, in order of first appearance). */
    private readonly scoreMany?: ScoreMany,
  ) {
    const { lower, upper } = genotypeBounds();
    this.nVar = lower.length;
    this.lower = lower;
    this.upper = upper;
  }

  async evaluate(X: number[][]): Promise<Evaluation> {
    if (this.scoreMany) {
      // The same archive and hit count as one at a time: a repeat within X is a hit.
      const fresh = new Map<string, number[]>();
      for (const x of X) {
        const key = genotypeKey(x);
        if (this.archive.get(key) || fresh.has(key)) this.hits++;
        else fresh.set(key, [...x]);
      }
      if (fresh.size > 0) for (const r of await this.scoreMany([...fresh.values()])) this.archive.add(r);
      return { F: this.relativeTo(X) };
    }
    for (const x of X) {
      const key = genotypeKey(x);
      if (this.archive.get(key)) {
        this.hits++;
        continue;
      }
      this.archive.add(await this.scoreNew([...x]));
    }
    return { F: this.relativeTo(X) };
  }

  relativeTo(X: number[][]): number[][] {
    return mstfObjectives(X.map((x) => this.archive.require(genotypeKey(x))), this.objectives);
  }

  /** Candidates answered from the archive since the last call (the scorer counts the new ones). */
  takeHits(): number {
    const hits = this.hits;
    this.hits = 0;
    return hits;
  }
}
