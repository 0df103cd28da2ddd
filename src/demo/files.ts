// What the user drops on the demo page, turned into what the core reads: an .npz (a MedMNIST
// subset by its official file name, or one of the user's own in MedMNIST's layout), a folder of
// images (one subfolder per class, optionally inside train/, val/ and test/), or a search
// checkpoint. No DOM here: the page lists the dropped files as paths and hands over their bytes.
//
// Names and folder rules follow the Node side (src/node/data/source.ts, image-folder.ts), so that
// `mednas replay --verify --dataset FILE_OR_FOLDER` and `mednas search --dataset ...` on the same
// data give the dataset the page searched (same name, same images in the same order, same CRC-32).
import type { ImageDataset } from '../data/dataset.ts';
import { UnknownDatasetError } from '../data/errors.ts';
import type { ImageFolderFile, ImageFolderListing } from '../data/image-folder.ts';
import { parseCustomNpz, parseMedMnist } from '../data/medmnist.ts';
import { MEDMNIST_NAMES, SPLITS, type SplitName } from '../data/registry.ts';
import { datasetShape } from '../data/shape.ts';
import { isEnvelope } from '../util/envelope.ts';

/** What a dropped file is. */
export type DroppedFileKind = 'npz' | 'checkpoint' | 'other';

/** An .npz by its name, a mednas envelope (a checkpoint) by its first bytes, else 'other'. */
export function droppedFileKind(name: string, head: Uint8Array): DroppedFileKind {
  if (isEnvelope(head)) return 'checkpoint';
  if (/\.npz$/i.test(name)) return 'npz';
  return 'other';
}

/** Whether `name` is the built-in set's or a MedMNIST subset's (as src/node/data/source.ts decides). */
function isRegistered(name: string): boolean {
  try {
    datasetShape(name);
    return true;
  } catch (e) {
    if (e instanceof UnknownDatasetError) return false;
    throw e;
  }
}

/** The name of the user's own data (file or folder name, lower case; '-custom' after a registered name), as the CLI gives it. */
export function ownDatasetName(base: string): string {
  const name = base.toLowerCase();
  return isRegistered(name) ? `${name}-custom` : name;
}

/**
 * An .npz's dataset: a MedMNIST subset when the file has its official name (breastmnist.npz,
 * breastmnist_64.npz), checked as that subset; else the user's own, named after the file.
 */
export function npzDataset(bytes: Uint8Array, fileName: string): ImageDataset {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.npz$/i, '');
  const official = base.toLowerCase().replace(/_\d+$/, '');
  if ((MEDMNIST_NAMES as readonly string[]).includes(official)) return parseMedMnist(bytes, official, fileName);
  return parseCustomNpz(bytes, ownDatasetName(base), fileName);
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The listing of a dropped folder from its files' relative paths ('skin/benign/a.png', as a
 * directory picker's webkitRelativePath or a drop's entries give them; the first segment is the
 * folder). As on the Node side: hidden entries (a segment starting with '.') and files beside the
 * class folders are left out and listed in `ignored`; with any of train/, val/, test/ at the top,
 * all three must be there and nothing else. Empty folders never show up in a list of files, so
 * the core's checks (one class, too few images) say the rest.
 */
export function folderListing(paths: readonly string[]): ImageFolderListing {
  if (paths.length === 0) throw new Error('the dropped folder holds no files');
  const split = paths.map((p) => p.split('/').filter((s) => s !== ''));
  const roots = [...new Set(split.map((s) => s[0]))];
  if (roots.length !== 1) throw new Error(`drop one folder at a time (these files come from ${roots.join(', ')})`);
  const root = roots[0];
  const tops = new Set(split.filter((s) => s.length > 2 && !s[1].startsWith('.')).map((s) => s[1]));
  const splitDirs = [...tops].filter((d) => (SPLITS as readonly string[]).includes(d));
  const splitFolders = splitDirs.length > 0;
  if (splitFolders) {
    const missing = SPLITS.filter((s) => !splitDirs.includes(s));
    if (missing.length > 0) {
      throw new Error(`${root} has ${splitDirs.map((s) => `${s}/`).join(', ')} but no ${missing.map((s) => `${s}/`).join(', ')}: give all three split folders (each holding the class folders), or none (then a seeded, stratified 70/10/20 split is made)`);
    }
    const others = [...tops].filter((d) => !splitDirs.includes(d));
    if (others.length > 0) throw new Error(`${root} holds train/, val/, test/ and other folders too (${others.join(', ')}): with split folders, the class folders go inside each of them`);
  }
  const files: ImageFolderFile[] = [];
  const ignored: string[] = [];
  const classNames = new Set<string>();
  const classAt = splitFolders ? 2 : 1;
  split.forEach((segments, i) => {
    const path = paths[i];
    const rest = segments.slice(1);
    if (rest.some((s) => s.startsWith('.'))) {
      ignored.push(path);
      return;
    }
    // A file directly in the folder (or directly in a split folder) is beside the class folders.
    if (segments.length <= classAt + 1) {
      ignored.push(path);
      return;
    }
    const className = segments[classAt];
    classNames.add(className);
    files.push({ path: segments.join('/'), className, split: splitFolders ? (segments[1] as SplitName) : null });
  });
  return {
    name: ownDatasetName(root),
    root,
    classNames: [...classNames].sort(byCodeUnits),
    files,
    splitFolders,
    ignored: ignored.sort(byCodeUnits),
  };
}
