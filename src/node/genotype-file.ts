// A genotype as a user gives it on the command line: `paper`, `2,0,4,...`, a JSON array, the path
// of a file holding any of the forms parseGenotype reads (a list, JSON, a search summary with a
// `genotype` field, the readable text form), or a search run directory, whose `summary.json`
// names the chosen architecture in `chosen.genotype` (docs/training.md), once it is known to belong
// to the checkpoint beside it.
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GenotypeError } from '../space/errors.ts';
import { parseGenotype } from '../space/text.ts';
import { summaryChecksumOk } from '../search/summary.ts';
import type { GenotypeOptions } from '../space/genotype.ts';
import { readFileOrExplain } from './files.ts';
import { SEARCH_CHECKPOINT_FILE, searchCheckpointCrc32 } from './search-run.ts';

async function kindOf(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : null;
  } catch {
    return null;
  }
}

/** The file in a search run directory that names its chosen genotype. */
export const SEARCH_SUMMARY_FILE = 'summary.json';

/** The chosen genotype of a search run directory: `chosen.genotype` in its summary.json. */
export async function readSearchRunGenotype(dir: string, options: GenotypeOptions = {}): Promise<number[]> {
  const path = join(dir, SEARCH_SUMMARY_FILE);
  if ((await kindOf(path)) !== 'file') {
    if ((await kindOf(join(dir, SEARCH_CHECKPOINT_FILE))) === 'file') {
      throw new GenotypeError(`${dir} holds a search checkpoint but no ${SEARCH_SUMMARY_FILE}: that search has not finished (or was started again with --force); finish it (\`mednas search --resume\` with --out ${dir}), or give the genes`);
    }
    throw new GenotypeError(`${dir} is a directory without a ${SEARCH_SUMMARY_FILE}: give a search run directory (mednas search writes one), a genotype file, or the genes`);
  }
  const text = new TextDecoder().decode(await readFileOrExplain(path, 'search summary'));
  let summary: unknown;
  try {
    summary = JSON.parse(text);
  } catch (e) {
    throw new GenotypeError(`${path} is not valid JSON (${(e as Error).message}): it may be truncated; run the search again or give the genes`);
  }
  if (typeof (summary as { crc32?: unknown } | null)?.crc32 === 'number' && !summaryChecksumOk(text)) {
    throw new GenotypeError(`${path} does not match its CRC-32: it was damaged or edited; run \`mednas search --resume\` in ${dir} to write it again, or give the genes`);
  }
  await checkSummaryBelongs(dir, path, summary as SummaryLinks | null);
  const chosen = (summary as { chosen?: { genotype?: unknown } } | null)?.chosen;
  if (chosen === undefined || chosen === null || typeof chosen !== 'object' || chosen.genotype === undefined) {
    throw new GenotypeError(`${path} has no \`chosen.genotype\` field: the search has not chosen an architecture yet (or the file is from something else)`);
  }
  try {
    return parseGenotype(typeof chosen.genotype === 'string' ? chosen.genotype : JSON.stringify(chosen.genotype), options);
  } catch (e) {
    if (e instanceof GenotypeError) throw new GenotypeError(`${path}: chosen.genotype: ${e.message}`, e.gene);
    throw e;
  }
}

interface SummaryLinks {
  readonly checkpointCrc32?: unknown;
  readonly files?: { readonly checkpoint?: unknown };
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/**
 * A summary records the CRC-32 of the checkpoint it was written from: when that checkpoint is beside
 * it and is another file now (a search started again with --force, or continued and not finished,
 * or files copied from two runs), the summary's choice is not that checkpoint's, and is refused.
 * A summary alone (no checkpoint beside it) and summaries from before the CRC was recorded are read.
 */
async function checkSummaryBelongs(dir: string, path: string, summary: SummaryLinks | null): Promise<void> {
  const recorded = summary?.checkpointCrc32;
  if (typeof recorded !== 'number') return;
  const name = typeof summary?.files?.checkpoint === 'string' ? basename(summary.files.checkpoint) : SEARCH_CHECKPOINT_FILE;
  const checkpoint = join(dir, name);
  if ((await kindOf(checkpoint)) !== 'file') return;
  const actual = await searchCheckpointCrc32(checkpoint);
  if (actual === recorded) return;
  throw new GenotypeError(
    `${path} was written from another checkpoint than the ${name} beside it (CRC-32 ${hex(recorded)}; the file's is ${hex(actual)}): ` +
      `the search in ${dir} was started again or went on after the summary was written, so the summary's choice is not that search's. ` +
      `Finish the search (\`mednas search --resume\` with --out ${dir} writes the summary again), or give the genes`,
  );
}

/**
 * The dataset a genotype argument was searched on: for a search run directory, its summary's
 * `dataset.name` (null for anything else, or a summary that names none).
 */
export async function searchRunDatasetName(arg: string): Promise<string | null> {
  if (arg.trim().toLowerCase() === 'paper' || (await kindOf(arg)) !== 'dir') return null;
  const path = join(arg, SEARCH_SUMMARY_FILE);
  if ((await kindOf(path)) !== 'file') return null;
  try {
    const summary = JSON.parse(new TextDecoder().decode(await readFileOrExplain(path, 'search summary'))) as { dataset?: { name?: unknown } } | null;
    return typeof summary?.dataset?.name === 'string' ? summary.dataset.name : null;
  } catch {
    return null; // readSearchRunGenotype says what is wrong with the file
  }
}

/** Parses `arg` as a genotype, or reads the file it names; errors name the file when there is one. */
export async function readGenotypeArgument(arg: string, options: GenotypeOptions = {}): Promise<number[]> {
  const kind = arg.trim().toLowerCase() === 'paper' ? null : await kindOf(arg);
  if (kind === 'dir') return readSearchRunGenotype(arg, options);
  if (kind === 'file') {
    const text = new TextDecoder().decode(await readFileOrExplain(arg, 'genotype file'));
    try {
      return parseGenotype(text, options);
    } catch (e) {
      if (e instanceof GenotypeError) throw new GenotypeError(`${arg}: ${e.message}`, e.gene);
      throw e;
    }
  }
  try {
    return parseGenotype(arg, options);
  } catch (e) {
    // Something that reads like a path, not like genes: say that the file is missing.
    if (e instanceof GenotypeError && /[/\\]|\.(json|txt|genotype)$/i.test(arg) && !/^[\s\d,[\]]+$/.test(arg)) {
      throw new GenotypeError(`genotype file ${arg} does not exist: check the path, or give the genes (e.g. 2,0,4,...) or \`paper\``);
    }
    throw e;
  }
}
