// Every architecture a search has scored, by genotype key: its raw proxy values, their times, its
// size, and why it could not be scored if it could not. A search never scores a genotype twice,
// and its checkpoint stores the archive, so a resumed run takes every known value from it.
import type { NetworkConfig } from '../space/plan.ts';
import { architectureCost } from '../space/costs.ts';
import type { RawValues } from './objectives.ts';

export interface ArchitectureRecord extends RawValues {
  /** genotypeKey(genotype). */
  readonly key: string;
  readonly genotype: readonly number[];
  /** The generation it was first scored in (1-based). */
  readonly generation: number;
  /** Why a value is NaN or a documented substitute (a dead genotype, a constant Jacobian row). */
  readonly reasons: Readonly<Record<string, string>>;
  /** Wall time per proxy. */
  readonly timesMs: Readonly<Record<string, number>>;
  /** Trainable parameters and FLOPs per image (analytic: known even when scoring failed). */
  readonly params: number;
  readonly flops: number;
  /** Why the network could not be scored (it failed to build, ran out of GPU memory): its scores are NaN. */
  readonly failure: string | null;
}

export class Archive {
  private readonly byKey = new Map<string, ArchitectureRecord>();

  constructor(records: readonly ArchitectureRecord[] = []) {
    for (const r of records) this.byKey.set(r.key, r);
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): ArchitectureRecord | undefined {
    return this.byKey.get(key);
  }

  /** The record of `key`; throws when it was never scored (a caller's bug). */
  require(key: string): ArchitectureRecord {
    const r = this.byKey.get(key);
    if (!r) throw new Error(`search archive: genotype ${key} was never scored`);
    return r;
  }

  add(record: ArchitectureRecord): void {
    this.byKey.set(record.key, record);
  }

  /** Every record, in the order scored (plain data: the checkpoint stores it as is). */
  records(): ArchitectureRecord[] {
    return [...this.byKey.values()];
  }

  /** The records first scored in generations up to `generation`. */
  upTo(generation: number): ArchitectureRecord[] {
    return this.records().filter((r) => r.generation <= generation);
  }
}

/** Params and FLOPs of `genotype` for the network config (no GPU). */
export function architectureSize(genotype: readonly number[], config: NetworkConfig): { params: number; flops: number } {
  const c = architectureCost(genotype, config);
  return { params: c.params, flops: c.flops };
}
