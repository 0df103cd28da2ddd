// Typed errors of the data layer. Every message names the file (or dataset) and the fault, and
// says what to do about it, so that the CLI can print `e.message` and nothing else.

/** Base class: anything the data layer throws on purpose. */
export class DataError extends Error {
  override name = 'DataError';
}

/** A file is not a readable .npz/.npy: not a zip, truncated, bad CRC, unsupported dtype, ... */
export class NpzFormatError extends DataError {
  override name = 'NpzFormatError';
  constructor(
    readonly file: string,
    readonly fault: string,
    advice = 'The file is damaged or not a numpy .npz: download it again (mednas data download NAME).',
  ) {
    super(`${file}: ${fault}. ${advice}`);
  }
}

/** A readable .npz whose content is not a MedMNIST dataset (missing split, count mismatch, ...). */
export class MedMnistFileError extends DataError {
  override name = 'MedMnistFileError';
  constructor(
    readonly file: string,
    readonly fault: string,
    advice = 'Use the official file (mednas data download NAME) or fix the arrays in it.',
  ) {
    super(`${file}: ${fault}. ${advice}`);
  }
}

/** A dataset name that the registry does not know. */
export class UnknownDatasetError extends DataError {
  override name = 'UnknownDatasetError';
  constructor(
    readonly dataset: string,
    readonly known: readonly string[],
    /** Said after the list, e.g. that a path to the user's own data is accepted too. */
    hint = '',
  ) {
    super(`Unknown dataset '${dataset}'. Known: ${known.join(', ')} (mednas data list shows them)${hint ? `; ${hint}` : ''}.`);
  }
}

/** A known dataset at a size that was never published (e.g. a 3D size, or a typo). */
export class UnknownSizeError extends DataError {
  override name = 'UnknownSizeError';
  constructor(
    readonly dataset: string,
    readonly sizePx: number,
    readonly sizesPx: readonly number[],
  ) {
    super(`${dataset} has no ${sizePx}x${sizePx} release. Available sizes: ${sizesPx.join(', ')}.`);
  }
}

/** A downloaded or local file whose MD5 is not the registry's. */
export class ChecksumError extends DataError {
  override name = 'ChecksumError';
  constructor(
    readonly file: string,
    readonly expectedMd5: string,
    readonly actualMd5: string,
    advice = 'The partial file was removed; run the download again, and check --url if you gave one.',
  ) {
    super(`${file}: MD5 is ${actualMd5}, expected ${expectedMd5}. ${advice}`);
  }
}

/** A download that failed: HTTP error, too many redirects, dropped connection, timeout. */
export class DownloadError extends DataError {
  override name = 'DownloadError';
  constructor(
    readonly url: string,
    readonly fault: string,
    advice = 'Check the URL and your connection, then run the same command again (it resumes).',
  ) {
    super(`Download of ${url} failed: ${fault}. ${advice}`);
  }
}

/** A dataset file that is not in the data directory. */
export class DatasetNotFoundError extends DataError {
  override name = 'DatasetNotFoundError';
  constructor(
    readonly dataset: string,
    readonly path: string,
  ) {
    super(
      `${dataset} is not in the data directory (looked for ${path}). Run ` +
        `\`mednas data download ${dataset}\`, or point --data-dir / MEDNAS_DATA at the folder that holds it.`,
    );
  }
}

/** Another process is downloading the same file into the same directory. */
export class DownloadBusyError extends DataError {
  override name = 'DownloadBusyError';
  constructor(
    readonly file: string,
    readonly lockPath: string,
    readonly pid: number | null,
  ) {
    super(
      `Another download of ${file} into this directory is running${pid ? ` (process ${pid})` : ''}: wait for it to finish, ` +
        `then run the command again (it will find the file). If no download is running, remove ${lockPath}.`,
    );
  }
}

/** An image file that cannot be used: not a PNG or JPEG, corrupt, truncated, or of a kind we cannot read. */
export class ImageFileError extends DataError {
  override name = 'ImageFileError';
  constructor(
    readonly file: string,
    readonly fault: string,
    advice = 'Replace or remove the file, or add --skip-bad to skip files that are not readable images (they are listed).',
  ) {
    super(`${file}: ${fault}. ${advice}`);
  }
}

/** A folder of images that cannot be a dataset: no images, an empty class folder, one class only, a symlink loop, ... */
export class ImageFolderError extends DataError {
  override name = 'ImageFolderError';
  constructor(
    readonly folder: string,
    readonly fault: string,
    advice = 'A dataset folder holds one subfolder of images per class (or train/, val/, test/ each holding the class folders): docs/data.md, "Your own data".',
  ) {
    super(`${folder}: ${fault}. ${advice}`);
  }
}

/**
 * A MedMNIST file whose MD5 is none of the published ones for its name and size: another subset's
 * file under this name (`other`), or a damaged, modified or foreign file. Says which, and what to do.
 */
export class MedMnistVerifyError extends DataError {
  override name = 'MedMnistVerifyError';
  constructor(
    readonly file: string,
    readonly md5: string,
    /** The published MD5s of this subset at this size (one per release). */
    readonly expectedMd5: readonly string[],
    readonly dataset: string,
    readonly sizePx: number,
    /** The registry file that has this MD5, when one has. */
    readonly other: { readonly fileName: string; readonly release: string; readonly name: string; readonly sizePx: number } | null,
  ) {
    const skip = 'add --no-verify to use it as it is';
    super(
      other
        ? `${file} has the MD5 of ${other.fileName} (${other.name} at ${other.sizePx} px, MedMNIST ${other.release}), not of ${dataset} at ${sizePx} px: ` +
            `it is that file under another name. Rename it to ${other.fileName}, and get ${dataset} with \`mednas data download ${dataset}${sizePx === 28 ? '' : ` --size ${sizePx}`}\`; or ${skip}.`
        : `${file} has MD5 ${md5}, which is no published ${dataset} file at ${sizePx} px (expected ${expectedMd5.join(' or ')}): it is damaged, modified or from elsewhere. ` +
            `Download it again (\`mednas data download ${dataset}${sizePx === 28 ? '' : ` --size ${sizePx}`}\`, after moving this one away); if it is your own data, give it a file name that is no MedMNIST subset's; or ${skip}.`,
    );
  }
}
