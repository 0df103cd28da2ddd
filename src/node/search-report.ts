// Writes a search's report page (src/report) for a run directory or a checkpoint file: the
// checkpoint read and checked, the chosen architecture's picture rendered, the page written
// atomically (default: report.html beside the checkpoint). `mednas report` and the end of
// `mednas search` both call this, so the two make the same page.
import { dirname, join, resolve } from 'node:path';
import { renderSearchReport } from '../report/render.ts';
import type { SearchCheckpoint } from '../search/checkpoint.ts';
import { searchResult } from '../search/result.ts';
import { genotypeToSvg } from '../space/svg.ts';
import { readSearchCheckpoint, searchCheckpointPath, SEARCH_REPORT_FILE, writeTextAtomic } from './search-run.ts';

export interface WrittenSearchReport {
  /** The page's path (absolute). */
  readonly path: string;
  readonly checkpointPath: string;
  readonly bytes: number;
  readonly generations: number;
  readonly finished: boolean;
  readonly chosenKey: string;
}

export async function writeSearchReport(runDirOrCheckpoint: string, outPath?: string): Promise<WrittenSearchReport> {
  const checkpointPath = resolve(await searchCheckpointPath(runDirOrCheckpoint));
  const c = await readSearchCheckpoint(checkpointPath);
  if (c.history.length === 0) throw new Error(`${checkpointPath} holds no finished generation yet: nothing to report`);
  return writeCheckpointReport(c, checkpointPath, resolve(outPath ?? join(dirname(checkpointPath), SEARCH_REPORT_FILE)));
}

/**
 * The page of a checkpoint already in memory (the end of `mednas search`, which has just written
 * it and rendered the chosen picture: `pictureSvg` saves rendering it again).
 */
export async function writeCheckpointReport(c: SearchCheckpoint, checkpointPath: string, path: string, pictureSvg?: string): Promise<WrittenSearchReport> {
  const chosen = searchResult(c).chosen.record;
  const html = renderSearchReport(c, { pictureSvg: pictureSvg ?? (await genotypeToSvg(chosen.genotype)) });
  await writeTextAtomic(path, html);
  return { path, checkpointPath, bytes: new TextEncoder().encode(html).length, generations: c.history.length, finished: c.finished, chosenKey: chosen.key };
}
