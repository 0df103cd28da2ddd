// MedMNIST files are checked on first use: their MD5 must be one a registry release publishes for
// that subset at that size (src/data/registry.ts), so a file saved under another subset's name
// (pneumoniamnist.npz as breastmnist.npz) or a modified copy is refused with the reason instead of
// being trained on. Hashing the large MedMNIST+ files takes seconds, so a verified file is
// remembered in a small cache beside it (VERIFIED_CACHE_FILE, in the mednas envelope, written
// atomically) by its size and modification time: a file that is replaced or touched is hashed
// again. A data directory that cannot be written (a shared read-only copy) keeps no cache: its
// files are hashed on every use. Callers that must use a file as it is skip this (--no-verify).
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MedMnistVerifyError } from '../../data/errors.ts';
import { MEDMNIST, MEDMNIST_NAMES, SIZES_PX, getMedMnistInfo, medMnistFileName, releaseByMd5, type MedMnistSizePx } from '../../data/registry.ts';
import { decodeEnvelope, encodeEnvelope } from '../../util/envelope.ts';
import { readFileOrExplain, writeFileAtomic } from '../files.ts';
import { md5OfFile } from './md5.ts';

/** The cache of verified files, one per data directory. */
export const VERIFIED_CACHE_FILE = '.mednas-verified';
const CACHE_FORMAT = 'mednas-verified';
const CACHE_VERSION = 1;

/** What the cache remembers of one verified file (keyed by its name). */
interface VerifiedEntry {
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly md5: string;
}

export interface MedMnistVerification {
  readonly path: string;
  readonly md5: string;
  /** The registry release the MD5 is ('v3', or 'v2' for the old Organ{A,C,S} files). */
  readonly release: string;
  /** Whether the cache answered (no hashing). */
  readonly cached: boolean;
}

export interface VerifyOptions {
  /** Called before a file is hashed (not when the cache answers), with its size: large files take seconds. */
  readonly onHash?: (fileName: string, bytes: number) => void;
}

/** The cache's entries; an absent, damaged or foreign cache is an empty one (files are hashed again). */
async function readCache(dir: string): Promise<Record<string, VerifiedEntry>> {
  try {
    const bytes = await readFileOrExplain(join(dir, VERIFIED_CACHE_FILE), 'verified-files cache');
    const { payload } = decodeEnvelope(bytes, { format: CACHE_FORMAT, versions: [CACHE_VERSION], source: VERIFIED_CACHE_FILE });
    const files = (payload as { files?: unknown } | null)?.files;
    if (files === null || typeof files !== 'object' || Array.isArray(files)) return {};
    const out: Record<string, VerifiedEntry> = {};
    for (const [name, e] of Object.entries(files as Record<string, Partial<VerifiedEntry>>)) {
      if (typeof e?.bytes === 'number' && typeof e.mtimeMs === 'number' && typeof e.md5 === 'string') out[name] = { bytes: e.bytes, mtimeMs: e.mtimeMs, md5: e.md5 };
    }
    return out;
  } catch {
    return {};
  }
}

/** Adds an entry (read again just before, so entries other processes wrote stay); best effort. */
async function remember(dir: string, fileName: string, entry: VerifiedEntry): Promise<void> {
  try {
    const files = { ...(await readCache(dir)), [fileName]: entry };
    await writeFileAtomic(join(dir, VERIFIED_CACHE_FILE), encodeEnvelope(CACHE_FORMAT, CACHE_VERSION, { files }));
  } catch {
    // A read-only data directory: no cache, the file is hashed on its next use.
  }
}

/** Which registry file (subset, size, release) has this MD5, or null. */
export function medMnistFileByMd5(md5: string): { name: string; sizePx: MedMnistSizePx; release: string; fileName: string } | null {
  const want = md5.toLowerCase();
  for (const name of MEDMNIST_NAMES) {
    for (const release of MEDMNIST[name].releases) {
      for (const sizePx of SIZES_PX) {
        if (release.md5[sizePx] === want) return { name, sizePx, release: release.id, fileName: medMnistFileName(name, sizePx) };
      }
    }
  }
  return null;
}

/**
 * Checks the MedMNIST file at `path` as subset `name` at `sizePx`: its MD5 must be one of that
 * file's published ones. Resolves to what it is; throws MedMnistVerifyError saying why not (the MD5
 * of another subset's file, or of no published file) and what to do.
 */
export async function verifyMedMnistFile(path: string, name: string, sizePx: number, options: VerifyOptions = {}): Promise<MedMnistVerification> {
  const info = getMedMnistInfo(name);
  const fileName = basename(path);
  const dir = dirname(path);
  let s: Stats;
  try {
    s = await stat(path);
  } catch (e) {
    await readFileOrExplain(path, 'MedMNIST file'); // says why it cannot be read
    throw e;
  }
  const cached = (await readCache(dir))[fileName];
  if (cached && cached.bytes === s.size && cached.mtimeMs === s.mtimeMs) {
    const release = releaseByMd5(info.name, sizePx, cached.md5);
    if (release) return { path, md5: cached.md5, release: release.id, cached: true };
  }
  options.onHash?.(fileName, s.size);
  const md5 = await md5OfFile(path);
  const release = releaseByMd5(info.name, sizePx, md5);
  if (release) {
    await remember(dir, fileName, { bytes: s.size, mtimeMs: s.mtimeMs, md5 });
    return { path, md5, release: release.id, cached: false };
  }
  const expected = info.releases.map((r) => r.md5[sizePx as MedMnistSizePx]).filter((m): m is string => m !== undefined);
  const other = medMnistFileByMd5(md5);
  throw new MedMnistVerifyError(fileName, md5, expected, info.name, sizePx, other && { fileName: other.fileName, release: other.release, name: other.name, sizePx: other.sizePx });
}
