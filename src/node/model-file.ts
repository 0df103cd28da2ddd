// Model files (src/train/model-file.ts) on disk: read and checked, or written atomically.
import { decodeModelFile, type ModelFile } from '../train/model-file.ts';
import { readFileOrExplain, writeFileAtomic, type WriteAtomicOptions } from './files.ts';

/** The file name a training run keeps its model in, inside its --out directory. */
export const MODEL_FILE_NAME = 'model.mednas';

/** Reads a model file; a missing, unreadable, truncated, damaged or foreign file is a typed error naming the path. */
export async function readModelFile(path: string): Promise<ModelFile> {
  return decodeModelFile(await readFileOrExplain(path, 'model file'), path);
}

/** Writes a model file's bytes atomically (the previous file stays whole until the new one is). */
export async function writeModelFile(path: string, bytes: Uint8Array, options: WriteAtomicOptions = {}): Promise<void> {
  await writeFileAtomic(path, bytes, options);
}
