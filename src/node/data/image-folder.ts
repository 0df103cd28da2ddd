// The Node edge of image-folder datasets: listing a folder (class folders, train/val/test
// folders, symbolic links followed with loops caught) and reading its files. Decoding, resizing
// and splitting are the core's (src/data/image-folder.ts).
import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ImageFileError, ImageFolderError } from '../../data/errors.ts';
import {
  imageFolderDataset, type ImageFolderFile, type ImageFolderListing, type ImageFolderOptions, type ImageFolderSummary,
} from '../../data/image-folder.ts';
import type { ImageDataset } from '../../data/dataset.ts';
import { SPLITS, type SplitName } from '../../data/registry.ts';
import { FileAccessError } from '../files.ts';

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** stat() that follows links and turns a loop or a dangling link into an error naming `path`. */
async function statOrExplain(path: string, root: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if (code(e) === 'ELOOP') throw new ImageFolderError(path, 'is a symbolic link loop (a link that leads back to itself)', 'Remove the link, or point it at a real folder.');
    if (code(e) === 'ENOENT') return null; // a dangling link: reported where it is met
    if (code(e) === 'EACCES' || code(e) === 'EPERM') throw new FileAccessError(path, code(e) ?? null, `${path} in the image folder ${root} cannot be read: permission denied`);
    throw e;
  }
}

async function entries(dir: string, root: string): Promise<Dirent[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    if (code(e) === 'EACCES' || code(e) === 'EPERM') throw new FileAccessError(dir, code(e) ?? null, `folder ${dir} in the image folder ${root} cannot be read: permission denied`);
    throw e;
  }
}

interface Walk {
  readonly root: string;
  readonly files: ImageFolderFile[];
  readonly ignored: string[];
}

/**
 * Every file under a class folder, sub-folders included, links followed. `ancestors` holds the real
 * paths of the folders above, so a link back to one of them is a loop, named, not an endless walk.
 */
async function walkClass(dir: string, className: string, split: SplitName | null, ancestors: readonly string[], w: Walk): Promise<number> {
  const real = await realpath(dir).catch((e: unknown) => {
    if (code(e) === 'ELOOP') throw new ImageFolderError(dir, 'is a symbolic link loop (a link that leads back to itself)', 'Remove the link.');
    throw e;
  });
  const loop = ancestors.indexOf(real);
  if (loop >= 0) {
    throw new ImageFolderError(dir, `is a symbolic link back to ${real}, a folder that holds it (a symlink loop)`, 'Remove the link, or point it elsewhere.');
  }
  let found = 0;
  for (const entry of await entries(dir, w.root)) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) {
      w.ignored.push(path);
      continue;
    }
    const s = entry.isSymbolicLink() ? await statOrExplain(path, w.root) : null;
    if (entry.isDirectory() || s?.isDirectory()) {
      found += await walkClass(path, className, split, [...ancestors, real], w);
    } else {
      // Files, dangling links and anything else: the core reads each and says what is wrong with it.
      w.files.push({ path, className, split });
      found++;
    }
  }
  return found;
}

async function isDirectory(path: string, entry: Dirent, root: string): Promise<boolean> {
  if (entry.isDirectory()) return true;
  return entry.isSymbolicLink() && ((await statOrExplain(path, root))?.isDirectory() ?? false);
}

/**
 * Lists an image folder: `ROOT/CLASS/...` or `ROOT/{train,val,test}/CLASS/...`. Errors name the
 * folder: not a folder, split folders incomplete or mixed with class folders, an empty class
 * folder, a symlink loop. Hidden entries (dot files) and loose files beside the class folders are
 * left out and listed in `ignored`.
 */
export async function listImageFolder(root: string, name: string): Promise<ImageFolderListing> {
  const top = await statOrExplain(root, root);
  if (top === null) throw new FileAccessError(root, 'ENOENT', `image folder ${root} does not exist: check the path`);
  if (!top.isDirectory()) throw new ImageFolderError(root, 'is not a folder');
  const w: Walk = { root, files: [], ignored: [] };
  const dirs: string[] = [];
  for (const entry of await entries(root, root)) {
    const path = join(root, entry.name);
    if (entry.name.startsWith('.')) w.ignored.push(path);
    else if (await isDirectory(path, entry, root)) dirs.push(entry.name);
    else w.ignored.push(path);
  }
  const splitDirs = dirs.filter((d) => (SPLITS as readonly string[]).includes(d));
  const rootReal = await realpath(root);
  const classNames = new Set<string>();
  const walkClasses = async (dir: string, split: SplitName | null, ancestors: string[]) => {
    for (const entry of await entries(dir, root)) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.')) {
        if (split !== null) w.ignored.push(path);
        continue;
      }
      if (!(await isDirectory(path, entry, root))) {
        if (split !== null) w.ignored.push(path);
        continue;
      }
      const n = await walkClass(path, entry.name, split, ancestors, w);
      if (n === 0) throw new ImageFolderError(path, 'is an empty class folder (no files)', 'Put the class\'s images in it, or remove it.');
      classNames.add(entry.name);
    }
  };
  if (splitDirs.length > 0) {
    const missing = SPLITS.filter((s) => !splitDirs.includes(s));
    if (missing.length > 0) {
      throw new ImageFolderError(root, `has ${splitDirs.map((s) => `${s}/`).join(', ')} but no ${missing.map((s) => `${s}/`).join(', ')}`, 'Give all three split folders (train/, val/, test/, each holding the class folders), or none: then a seeded, stratified 70/10/20 split is made.');
    }
    const others = dirs.filter((d) => !splitDirs.includes(d));
    if (others.length > 0) {
      throw new ImageFolderError(root, `holds train/, val/, test/ and other folders too (${others.join(', ')})`, 'With split folders, the class folders go inside each of them: move or remove the others.');
    }
    for (const split of SPLITS) {
      const dir = join(root, split);
      await walkClasses(dir, split, [rootReal, await realpath(dir)]);
    }
  } else {
    await walkClasses(root, null, [rootReal]);
  }
  return { name, root, classNames: [...classNames], files: w.files, splitFolders: splitDirs.length > 0, ignored: w.ignored };
}

/** Reads a listed file; a dangling link or a non-file is an ImageFileError (so --skip-bad can skip it). */
async function readListed(file: ImageFolderFile, root: string): Promise<Uint8Array> {
  try {
    const s = await stat(file.path);
    if (!s.isFile()) throw new ImageFileError(file.path, 'is not a regular file');
    return new Uint8Array(await readFile(file.path));
  } catch (e) {
    if (e instanceof ImageFileError) throw e;
    if (code(e) === 'ENOENT') throw new ImageFileError(file.path, 'cannot be read: it is a symbolic link to nothing (dangling)');
    if (code(e) === 'ELOOP') throw new ImageFolderError(file.path, 'is a symbolic link loop (a link that leads back to itself)', 'Remove the link.');
    if (code(e) === 'EACCES' || code(e) === 'EPERM') throw new FileAccessError(file.path, code(e) ?? null, `${file.path} in the image folder ${root} cannot be read: permission denied`);
    throw e;
  }
}

export interface LoadImageFolderOptions extends Omit<ImageFolderOptions, 'read'> {
  /** The dataset's name (default: the folder's name, lower case). */
  readonly name?: string;
}

/** The name a folder's dataset gets: its own name, lower case ('Skin Lesions/' -> 'skin lesions'). */
export function imageFolderName(root: string): string {
  return (basename(resolve(root)) || 'images').toLowerCase();
}

/** Lists, reads, decodes, resizes and splits an image folder (src/data/image-folder.ts says how). */
export async function loadImageFolder(root: string, options: LoadImageFolderOptions = {}): Promise<{ dataset: ImageDataset; summary: ImageFolderSummary }> {
  const listing = await listImageFolder(root, options.name ?? imageFolderName(root));
  return imageFolderDataset(listing, { ...options, read: (f) => readListed(f, root) });
}

/**
 * The image files to predict on from paths given on a command line: a file as it is, a folder's
 * files (sub-folders too, links followed, loops named; hidden entries left out), sorted by path.
 */
export async function listImageArguments(paths: readonly string[]): Promise<{ files: string[]; ignored: string[] }> {
  const w: Walk = { root: '', files: [], ignored: [] };
  const files: string[] = [];
  for (const path of paths) {
    const s = await statOrExplain(path, path);
    if (s === null) throw new FileAccessError(path, 'ENOENT', `image ${path} does not exist: check the path`);
    if (!s.isDirectory()) {
      files.push(path);
      continue;
    }
    const before = w.files.length;
    await walkClass(path, '', null, [], { ...w, root: path });
    const found = w.files.slice(before).map((f) => f.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (found.length === 0) throw new ImageFolderError(path, 'holds no files to predict on', 'Give image files, or a folder that holds some.');
    files.push(...found);
  }
  return { files, ignored: w.ignored };
}

/** Reads an image file to predict on; a dangling link is an ImageFileError (so --skip-bad can skip it). */
export async function readImageFile(path: string): Promise<Uint8Array> {
  return readListed({ path, className: '', split: null }, path);
}
