// Where datasets live on disk: --data-dir, else $MEDNAS_DATA, else a per-user data folder.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DataDir {
  readonly path: string;
  /** Where the path came from, so that `data list` can say so. */
  readonly source: 'flag' | 'env' | 'default';
}

export interface DataDirOptions {
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/**
 * The per-user default follows each platform's convention: $XDG_DATA_HOME/mednas (else
 * ~/.local/share/mednas) on Linux, ~/Library/Application Support/mednas on macOS,
 * %LOCALAPPDATA%\mednas on Windows.
 */
export function resolveDataDir(options: DataDirOptions = {}): DataDir {
  const env = options.env ?? process.env;
  if (options.dataDir) return { path: resolve(options.dataDir), source: 'flag' };
  if (env.MEDNAS_DATA) return { path: resolve(env.MEDNAS_DATA), source: 'env' };
  const home = options.home ?? homedir();
  const platform = options.platform ?? process.platform;
  let base: string;
  if (platform === 'win32') base = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
  else if (platform === 'darwin') base = join(home, 'Library', 'Application Support');
  else base = env.XDG_DATA_HOME ?? join(home, '.local', 'share');
  return { path: join(base, 'mednas'), source: 'default' };
}
