// The run directory's summary.json: what a user (or `mednas train --arch RUN_DIR`) reads first. The
// chosen architecture is `chosen.genotype`: the refined choice when the search refined its pick
// (`chosen.rule` 'refine'; `zeroCost` is then the pick rule's own choice), else the pick rule's. It carries a format name, a version and a CRC-32 of its
// own JSON text (computed with `crc32` set to 0), so a cut or edited copy can be told apart.
import { formatGenotype } from '../space/text.ts';
import { crc32 } from '../util/crc32.ts';
import type { PopulationMember } from './pick.ts';
import type { SearchResult } from './result.ts';

export const SUMMARY_FORMAT = 'mednas-search-summary';
export const SUMMARY_VERSION = 1;

/** NaN and infinities as null (JSON has none). */
const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
const nums = (r: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, num(v)]));

function member(m: PopulationMember) {
  return {
    key: m.record.key,
    genotype: [...m.record.genotype],
    values: nums(m.record.values),
    logValues: nums(m.record.logValues),
    params: m.record.params,
    flops: m.record.flops,
    objectives: m.objectives.map(num),
    normalised: nums(Object.fromEntries(Object.entries(m.normalised))),
    failure: m.record.failure,
  };
}

export interface SummaryFiles {
  /** File names inside the run directory. */
  readonly checkpoint: string;
  readonly picture: string | null;
  readonly report: string | null;
}

/**
 * The summary's JSON text for `result` (with its checksum), given the run's file names, the train
 * command and the CRC-32 of the checkpoint file's bytes it was written from (`checkpointCrc32`:
 * readers check that the checkpoint beside the summary is that one; null when unknown).
 */
export function searchSummaryJson(result: SearchResult, files: SummaryFiles, trainCommand: string, checkpointCrc32: number | null = null): string {
  const c = result.checkpoint;
  const body = {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    crc32: 0,
    mednasVersion: c.mednasVersion,
    finished: result.finished,
    generations: result.generations,
    config: result.config,
    dataset: c.dataset,
    adapter: c.adapter,
    objectives: { kind: result.config.objectives, proxies: result.config.proxies, cost: 'flops', synflowScale: result.config.synflowScale },
    chosen: { ...member(result.chosen), text: formatGenotype(result.chosen.record.genotype), rule: result.refine?.chosen ? 'refine' : result.config.pick },
    zeroCost: { key: result.zeroCost.record.key, rule: result.config.pick },
    refine: result.refine && {
      train: result.refine.train,
      planned: result.refine.planned,
      candidates: result.refine.candidates.map((c) => ({
        key: c.key, epochs: c.epochs, bestEpoch: c.bestEpoch, valAuc: num(c.valAuc), valAcc: num(c.valAcc), testAuc: num(c.testAuc), testAcc: num(c.testAcc),
        seconds: c.seconds, failure: c.failure,
      })),
      chosen: result.refine.chosen,
      seconds: result.refine.candidates.reduce((s, c) => s + c.seconds, 0),
    },
    front: result.front.map(member),
    architecturesScored: result.archive.length,
    failures: result.archive.filter((a) => a.failure !== null).length,
    hypervolume: result.history.map((g) => num(g.hypervolume)),
    elapsedMs: result.elapsedMs,
    sessions: c.sessions,
    files,
    checkpointCrc32,
    trainCommand,
  };
  const text = (b: typeof body) => `${JSON.stringify(b, null, 2)}\n`;
  return text({ ...body, crc32: crc32(new TextEncoder().encode(text(body))) });
}

/** Whether a summary's text carries the checksum of its content (false for a cut or edited file). */
export function summaryChecksumOk(text: string): boolean {
  let parsed: { crc32?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed.crc32 !== 'number') return false;
  const zeroed = `${JSON.stringify({ ...parsed, crc32: 0 }, null, 2)}\n`;
  return crc32(new TextEncoder().encode(zeroed)) === parsed.crc32;
}
