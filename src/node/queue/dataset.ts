// Which data a job runs on, both ends. The coordinator describes the dataset it loaded (datasetRef):
// the file a worker must have in its data directory and the CRC-32 of the coordinator's copy. A
// worker reads that file from its own data directory and nowhere else (loadJobDataset); it
// downloads nothing it was not told to, and refuses a job whose file it lacks, naming the file, or
// whose copy differs from the coordinator's.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImageDataset } from '../../data/dataset.ts';
import { parseImageFolderRelease } from '../../data/image-folder.ts';
import { MEDMNIST_NAMES, medMnistFileName } from '../../data/registry.ts';
import { SYNTHETIC_NAME } from '../../data/synthetic.ts';
import { datasetId } from '../../train/dataset-id.ts';
import { loadDataset } from '../data/files.ts';
import type { DatasetSource } from '../data/source.ts';
import { JobRejectedError } from './errors.ts';
import type { DatasetRef } from './jobs.ts';

/**
 * The reference to `dataset` for jobs: `source` is what --dataset named (undefined: a registered
 * name, found by name in the data directory). Hashes every split once (about 1 s for the largest).
 */
export function datasetRef(dataset: ImageDataset, source: DatasetSource | undefined, options: { skipBad?: boolean } = {}): DatasetRef {
  const id = datasetId(dataset);
  let file: string | null;
  if (source?.path) file = basename(source.path.replace(/[\\/]+$/, ''));
  else if (dataset.name === SYNTHETIC_NAME) file = null;
  else file = medMnistFileName(dataset.name, dataset.sizePx);
  const split = parseImageFolderRelease(dataset.release);
  return {
    name: id.name, source: file === null ? 'synthetic' : 'file', file, sizePx: dataset.sizePx,
    splitSeed: split?.kind === 'stratified' ? split.seed : null, skipBad: options.skipBad === true, crc32: id.crc32, counts: id.counts,
  };
}

const hex = (crc: number) => crc.toString(16).padStart(8, '0');

/**
 * The job's dataset from `dataDir` (the synthetic set is generated), checked to be the
 * coordinator's copy. A JobRejectedError names the file when it is absent or differs.
 */
export async function loadJobDataset(ref: DatasetRef, dataDir: string): Promise<ImageDataset> {
  const what = `${ref.name} (${ref.counts.train}/${ref.counts.val}/${ref.counts.test} images, ${ref.sizePx} px, CRC-32 ${hex(ref.crc32)})`;
  let dataset: ImageDataset;
  let path: string;
  if (ref.source === 'synthetic') {
    path = 'the synthetic set';
    dataset = await loadDataset(SYNTHETIC_NAME, { sizePx: ref.sizePx });
  } else {
    path = join(dataDir, ref.file!);
    if (!existsSync(path)) {
      const download = (MEDMNIST_NAMES as readonly string[]).includes(ref.name)
        ? ` (\`mednas data download ${ref.name}${ref.sizePx === 28 ? '' : ` --size ${ref.sizePx}`} --data-dir ${dataDir}\` fetches the official one)`
        : '';
      throw new JobRejectedError(
        `this worker lacks the dataset file ${ref.file}: the job needs ${path}, ${what}. Copy the coordinator's file there${download}, ` +
          'or start the worker with --data pointing at the folder that holds it; a worker downloads nothing by itself',
      );
    }
    dataset = await loadDataset(path, { sizePx: ref.sizePx, splitSeed: ref.splitSeed ?? undefined, skipBad: ref.skipBad });
  }
  const id = datasetId(dataset);
  const same = id.name === ref.name && id.crc32 === ref.crc32 && id.counts.train === ref.counts.train && id.counts.val === ref.counts.val && id.counts.test === ref.counts.test;
  if (!same) {
    throw new JobRejectedError(
      `this worker's ${path} is not the coordinator's data: it holds ${id.name} (${id.counts.train}/${id.counts.val}/${id.counts.test} images, CRC-32 ${hex(id.crc32)}), the job needs ${what}. Copy the coordinator's file to this worker`,
    );
  }
  return dataset;
}
