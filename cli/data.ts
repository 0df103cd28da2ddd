// `mednas data list` and `mednas data download NAME`: what is known and present, and fetching a
// subset with a progress bar (on stderr, so stdout stays clean for scripts). `data` is a program of
// its own (cac has no sub-commands), so each action has its own --help page.
import { cac, type CAC } from 'cac';
import cliProgress from 'cli-progress';
import {
  LESION_CLASSES, LESION_DATASET_NAMES, LESION_DEFAULT_SIZES, LESION_RELEASE, MEDMNIST, SIZES_PX, SYNTHETIC_DEFAULT_SIZES, SYNTHETIC_NAME, getMedMnistInfo, lesionSizeOf,
} from '../src/data/index.ts';
import { downloadMedMnist, listLocalDatasets, resolveDataDir } from '../src/node/data/index.ts';
import { choiceValue, fixNegatedDefaults, optional, pathValue, urlValue } from './options.ts';

interface DataOptions {
  dataDir?: unknown;
  size?: unknown;
  url?: unknown;
  verify?: boolean;
  allSizes?: boolean;
  json?: boolean;
}

const MB = 1024 * 1024;
const SOURCE = { flag: '--data-dir', env: 'MEDNAS_DATA', default: 'per-user default' } as const;

/** --data-dir as given (a directory, or a path where one will be made), or undefined. */
function dataDirOption(options: DataOptions): Promise<string | undefined> {
  return Promise.resolve(optional(options.dataDir, (v) => pathValue(v, '--data-dir', 'dir-or-missing')));
}

async function list(options: DataOptions): Promise<number> {
  const dataDir = await dataDirOption(options);
  const dir = resolveDataDir({ dataDir });
  const rows = await listLocalDatasets({
    dataDir,
    verify: options.verify !== false,
    onFile: (f) => process.stderr.isTTY && process.stderr.write(`\r\x1b[Kchecking ${f} ...`),
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const s = SYNTHETIC_DEFAULT_SIZES;
  const shown = rows.filter((row) => row.sizePx === 28 || row.status !== 'absent' || options.allSizes);
  const mismatch = rows.some((r) => r.status === 'mismatch');
  if (options.json) {
    const datasets = [
      { name: SYNTHETIC_NAME, sizePx: 28, task: 'multi-class', classes: 4, splits: [s], status: 'built-in', release: 'synthetic', path: null, bytes: null, md5: null },
      ...LESION_DATASET_NAMES.map((name) => ({
        name, sizePx: 28, task: 'binary-class', classes: LESION_CLASSES.length, splits: [LESION_DEFAULT_SIZES], status: 'built-in', release: LESION_RELEASE, path: null, bytes: null, md5: null,
      })),
      ...shown.map((row) => {
        const info = MEDMNIST[row.name];
        return {
          name: row.name, sizePx: row.sizePx, task: info.task, classes: info.classNames.length,
          splits: info.releases.map((r) => r.splits), status: row.status, release: row.release, path: row.path, bytes: row.bytes, md5: row.md5,
        };
      }),
    ];
    console.log(JSON.stringify({ dataDir: dir.path, dataDirSource: dir.source, datasets }));
    return mismatch ? 1 : 0;
  }
  console.log(`data directory: ${dir.path} (${SOURCE[dir.source]})`);
  const table: string[][] = [['name', 'size', 'task', 'classes', 'train/val/test', 'local file']];
  table.push([SYNTHETIC_NAME, '28', 'multi-class', '4', `${s.train}/${s.val}/${s.test}`, 'built in (default)']);
  const l = LESION_DEFAULT_SIZES;
  for (const name of LESION_DATASET_NAMES) table.push([name, '28', 'binary-class', String(LESION_CLASSES.length), `${l.train}/${l.val}/${l.test}`, 'built in (round vs spiculated lesions)']);
  for (const row of shown) {
    const info = MEDMNIST[row.name];
    const splits = info.releases.map((r) => `${r.splits.train}/${r.splits.val}/${r.splits.test}`).join(' or ');
    const state =
      row.status === 'absent'
        ? '-'
        : row.status === 'verified'
          ? `present, MD5 ok (release ${row.release})`
          : row.status === 'mismatch'
            ? 'present, MD5 MISMATCH (not an official file)'
            : 'present, not verified';
    table.push([row.name, String(row.sizePx), info.task, String(info.classNames.length), splits, state]);
  }
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  if (!options.allSizes) console.log('(64/128/224 px files are listed when present; --all-sizes lists them all)');
  return mismatch ? 1 : 0;
}

async function download(name: string, options: DataOptions): Promise<number> {
  if (name.toLowerCase() === SYNTHETIC_NAME || lesionSizeOf(name) !== null) {
    console.log(`${name.toLowerCase()} is built in: there is nothing to download (it is generated from a seed when used).`);
    return 0;
  }
  const info = getMedMnistInfo(name);
  const sizePx = choiceValue(options.size ?? 28, '--size', SIZES_PX);
  const url = optional(options.url, (v) => urlValue(v, '--url'));
  const dataDir = await dataDirOption(options);
  const bar = new cliProgress.SingleBar(
    { format: `${info.name} {bar} {percentage}% | {got}/{all} MB`, hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    const result = await downloadMedMnist(info.name, {
      sizePx,
      dataDir,
      url,
      onProgress: (p) => {
        const total = p.totalBytes ?? p.receivedBytes;
        const fmt = { got: (p.receivedBytes / MB).toFixed(1), all: p.totalBytes === null ? '?' : (total / MB).toFixed(1) };
        if (!started) {
          bar.start(total, p.receivedBytes, fmt);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(p.receivedBytes, fmt);
        }
      },
    });
    if (started) bar.stop();
    started = false;
    console.log(
      result.alreadyPresent
        ? `${result.path} is already present and verified (MD5 ${result.md5}).`
        : `saved ${result.path} (${result.bytes} bytes, MD5 ${result.md5} ok${result.resumes ? `, resumed ${result.resumes}x` : ''})`,
    );
    return 0;
  } finally {
    if (started) bar.stop();
  }
}

const DATA_DIR_HELP = 'Data directory (default: MEDNAS_DATA, else a per-user folder)';

/** The `data` program: `mednas data list`, `mednas data download NAME`, each with its own --help. */
export function dataProgram(): CAC {
  const cli = cac('mednas data');
  cli
    .command('list', 'Known MedMNIST subsets (and the built-in synthetic set) and which files are present')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--no-verify', 'Do not compute MD5s of present files (default: they are checked)')
    .option('--all-sizes', 'Show every size, not only 28 px and present files')
    .option('--json', 'Print one JSON object')
    .example('mednas data list --json')
    .action((options: DataOptions) => list(options));
  cli
    .command('download <name>', 'Download a MedMNIST subset: verified (MD5), resumable, atomic')
    .option('--size <px>', `Image size: ${SIZES_PX.join(', ')}`, { default: 28 })
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--url <url>', 'Download from this URL instead of Zenodo (MEDNAS_DATA_URL sets a base URL)')
    .example('mednas data download pneumoniamnist --size 28')
    .action((name: string, options: DataOptions) => download(name, options));
  cli.help(fixNegatedDefaults);
  return cli;
}

/** The entry on the main program's command list; `mednas data ...` runs dataProgram(). */
export function registerData(cli: CAC): void {
  cli.command('data <action> [name]', 'MedMNIST data: `data list`, `data download NAME` (see `mednas data --help`)');
}
