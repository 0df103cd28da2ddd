// Reading a MedMNIST .npz held in memory into a checked ImageDataset.
import { customDatasetFromArrays, datasetFromArrays, type ImageDataset } from './dataset.ts';
import { readNpz } from './npz.ts';
import { SPLITS } from './registry.ts';

const KEYS = SPLITS.flatMap((s) => [`${s}_images`, `${s}_labels`]);

/**
 * Parses a MedMNIST .npz (the bytes of e.g. pneumoniamnist.npz) for subset `name`. `file` names
 * the source in errors. Throws NpzFormatError for a damaged archive, MedMnistFileError for one
 * whose arrays are not that subset.
 */
export function parseMedMnist(bytes: Uint8Array, name: string, file: string, expectedSizePx?: number): ImageDataset {
  return datasetFromArrays(readNpz(bytes, file, KEYS), file, name, expectedSizePx);
}

/**
 * Parses an .npz in MedMNIST's layout that is not a registry subset (customDatasetFromArrays):
 * `name` is the dataset's name, `file` names it in errors.
 */
export function parseCustomNpz(bytes: Uint8Array, name: string, file: string, expectedSizePx?: number): ImageDataset {
  return customDatasetFromArrays(readNpz(bytes, file, KEYS), file, name, expectedSizePx);
}
