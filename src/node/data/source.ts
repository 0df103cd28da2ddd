// What a `--dataset` value names: the built-in synthetic set or a MedMNIST subset by name, or a
// path: a MedMNIST file (its official name), an .npz of the user's own in MedMNIST's layout, or a
// folder of images. Every command resolves it here, through loadDataset (files.ts).
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { ImageFolderError, UnknownDatasetError } from '../../data/errors.ts';
import { MEDMNIST_NAMES } from '../../data/registry.ts';
import { datasetShape } from '../../data/shape.ts';
import { LESION_DATASET_NAMES, lesionSizeOf } from '../../data/lesions.ts';
import { SYNTHETIC_NAME } from '../../data/synthetic.ts';
import { FileAccessError } from '../files.ts';
import { imageFolderName } from './image-folder.ts';

export type DatasetSourceKind = 'synthetic' | 'lesions' | 'medmnist' | 'medmnist-file' | 'custom-npz' | 'image-folder';

export interface DatasetSource {
  /** The dataset's name: the registered one, or for the user's own data the file or folder name (lower case). */
  readonly name: string;
  readonly kind: DatasetSourceKind;
  /** The path as given, for files and folders; null for a name. */
  readonly path: string | null;
}

/** Suffix of an own dataset whose file or folder name is also a registered one's ('blood' -> 'blood-custom'). */
export const CUSTOM_NAME_SUFFIX = '-custom';

/** Whether `name` is the built-in set's or a MedMNIST subset's (so it is not the user's own data). */
export function isRegisteredDataset(name: string): boolean {
  try {
    datasetShape(name);
    return true;
  } catch (e) {
    if (e instanceof UnknownDatasetError) return false;
    throw e;
  }
}

/** An own dataset's name that cannot be taken for a registered one (MedMNIST names have aliases: 'blood'). */
function ownName(base: string): string {
  const name = base.toLowerCase();
  return isRegisteredDataset(name) ? `${name}${CUSTOM_NAME_SUFFIX}` : name;
}

const KNOWN = [SYNTHETIC_NAME, ...LESION_DATASET_NAMES, ...MEDMNIST_NAMES];
const PATH_HINT = "or give the path of an .npz in MedMNIST's layout or of a folder of images (one subfolder per class)";

/**
 * Resolves a `--dataset` value without reading the data. A registered name wins over a file or
 * folder of the same name (write ./NAME for the folder). Errors: UnknownDatasetError for a name
 * that is neither registered nor an existing path; FileAccessError for a path that does not exist.
 */
export function datasetSource(spec: string): DatasetSource {
  const text = spec.trim();
  if (isRegisteredDataset(text)) {
    const name = datasetShape(text).name;
    return { name, kind: name === SYNTHETIC_NAME ? 'synthetic' : lesionSizeOf(name) !== null ? 'lesions' : 'medmnist', path: null };
  }
  let kind: 'dir' | 'file' | 'other' | null;
  try {
    const s = statSync(text);
    kind = s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ImageFolderError(text, 'is a symbolic link loop (a link that leads back to itself)', 'Give the real folder or file.');
    if (code === 'EACCES' || code === 'EPERM') throw new FileAccessError(text, code, `dataset ${text} cannot be read: permission denied`);
    kind = null;
  }
  if (kind === null) {
    if (/[\\/]/.test(text) || /\.npz$/i.test(text)) {
      throw new FileAccessError(text, 'ENOENT', `dataset ${text} does not exist: check the path (a dataset is a name such as breastmnist, an .npz file or a folder of images)`);
    }
    throw new UnknownDatasetError(text, KNOWN, PATH_HINT);
  }
  if (kind === 'dir') return { name: ownName(imageFolderName(text)), kind: 'image-folder', path: text };
  if (kind === 'other' || !/\.npz$/i.test(text)) {
    throw new ImageFolderError(text, 'is a file but not an .npz', "A dataset is a name (mednas data list), an .npz in MedMNIST's layout (train/val/test _images and _labels), or a folder of images with one subfolder per class.");
  }
  const base = basename(text).replace(/\.npz$/i, '');
  // A MedMNIST subset by its official file name (breastmnist.npz, breastmnist_64.npz): read and checked as that subset.
  const official = base.toLowerCase().replace(/_\d+$/, '');
  if ((MEDMNIST_NAMES as readonly string[]).includes(official)) return { name: official, kind: 'medmnist-file', path: text };
  return { name: ownName(base), kind: 'custom-npz', path: text };
}
