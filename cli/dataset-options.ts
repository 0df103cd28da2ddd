// --dataset NAME|PATH and the options that go with your own data (--size, --split-seed,
// --skip-bad), shared by every command that loads a dataset (train, search, truth build, eval,
// arch score, predict). Loading itself is the library's loadDataset; this turns flags into its
// options and prints what an image folder held (classes, split, skipped files).
import type { Command } from 'cac';
import { describeImageFolder, parseImageFolderRelease } from '../src/index.ts';
import { datasetSource, isRegisteredDataset, type DatasetSource, type LoadDatasetOptions } from '../src/node/index.ts';
import { CliUsageError, intValue, optional, pathValue, shellQuote, stringValue } from './options.ts';

/** Files whose MD5 check is announced (hashing them takes a second or more). */
const LARGE_FILE_BYTES = 256 * 2 ** 20;

export const DATASET_HELP =
  "synthetic or lesions-small|medium|large (built in), a MedMNIST subset (e.g. breastmnist), or a path: an .npz of your own in MedMNIST's layout, or a folder of images (one subfolder per class; docs/data.md)";

export interface DatasetFlags {
  dataset?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  /** false with --no-verify (replay's --verify N is its own option: a value, never false). */
  verify?: unknown;
  json?: boolean;
}

const SIZE_HELP = "image size in pixels: an image folder is resized to it; a MedMNIST subset's file of that size (28, 64, 128, 224) is read (default 28)";

/** --size (unless size: false), --split-seed, --skip-bad and --no-verify on `command` (which has its own --dataset and --data-dir); `prefix` e.g. 'score: '. */
export function addDatasetOptions(command: Command, options: { prefix?: string; sizeHelp?: string; size?: boolean; skipBadHelp?: string; noVerify?: boolean } = {}): Command {
  // "score: image folder ..." after a prefix, "Image folder ..." without one.
  const text = (help: string) => (options.prefix ? `${options.prefix}${help}` : help[0].toUpperCase() + help.slice(1));
  if (options.size !== false) command.option('--size <N>', text(options.sizeHelp ?? SIZE_HELP));
  // A command with a --verify of its own (replay) keeps the check on: cac would read --no-verify as its negation.
  if (options.noVerify !== false) command.option('--no-verify', text("MedMNIST file: use it without checking its MD5 against the registry's (checked on first use, then remembered by size and time)"));
  return command
    .option('--split-seed <S>', text('image folder without train/val/test folders: seed of its stratified 70/10/20 split (default 0; resuming, or with a model file or checkpoint: the seed it records)'))
    .option('--skip-bad', text(options.skipBadHelp ?? 'image folder: skip files that are not readable PNG/JPEG images (each is listed) instead of stopping'));
}

/** The dataset --dataset names (resolved, not read), or undefined when it was not given. */
export function datasetFlag(flags: DatasetFlags): DatasetSource | undefined {
  return optional(flags.dataset, (v) => datasetSource(stringValue(v, '--dataset')));
}

/**
 * When a run, checkpoint or table was made on your own data and --dataset is not given: says to
 * give the path again (only names of registered datasets are found without it).
 */
export function requireOwnDataPath(name: string, release: string | null, where: string): void {
  if (isRegisteredDataset(name)) return;
  throw new CliUsageError(`${where} was made on your own data '${name}'${release ? ` (${release})` : ''}: give its .npz or folder again with --dataset PATH (its image size and split seed are taken from the file)`);
}

/**
 * loadDataset's options from the flags; `defaults` are a resumed run's (its image size, and the
 * split seed its dataset id records). An image folder's summary is printed: on stdout, or on
 * stderr with --json (stdout is JSON lines then).
 */
export async function datasetLoadOptions(flags: DatasetFlags, defaults: { sizePx?: number; release?: string | null } = {}): Promise<LoadDatasetOptions> {
  const sizePx = optional(flags.size, (v) => intValue(v, '--size', { min: 8, max: 1024 })) ?? defaults.sizePx;
  const recorded = parseImageFolderRelease(defaults.release ?? null);
  const splitSeed = optional(flags.splitSeed, (v) => intValue(v, '--split-seed', { min: 0, max: 2 ** 32 - 1 })) ?? (recorded?.kind === 'stratified' ? recorded.seed : undefined);
  const dataDir = await optional(flags.dataDir, (v) => pathValue(v, '--data-dir', 'dir'));
  const print = flags.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  return {
    dataDir, sizePx, splitSeed, skipBad: flags.skipBad === true, verify: flags.verify !== false,
    onImageFolder: (summary) => describeImageFolder(summary).forEach(print),
    // Hashing takes a while only for the large MedMNIST+ files: say so for those.
    onVerify: (file, bytes) => bytes >= LARGE_FILE_BYTES && print(`checking the MD5 of ${file} (${(bytes / 2 ** 20).toFixed(0)} MiB; once, then remembered by its size and time)`),
  };
}

/** `--dataset ...` (with --size, --split-seed when given) for a command line the output suggests. */
export function datasetArgs(given: DatasetSource | undefined, name: string, flags: DatasetFlags): string {
  const parts = [`--dataset ${shellQuote(given?.path ?? name)}`];
  if (flags.size !== undefined) parts.push(`--size ${intValue(flags.size, '--size')}`);
  if (flags.splitSeed !== undefined) parts.push(`--split-seed ${intValue(flags.splitSeed, '--split-seed')}`);
  if (flags.skipBad) parts.push('--skip-bad');
  return parts.join(' ');
}
