// `mednas data list` and `mednas data download NAME`: what is known and present, and fetching a
// subset with a progress bar (on stderr, so stdout stays clean for scripts).
import type { CAC } from 'cac';
import cliProgress from 'cli-progress';
import { MEDMNIST, SYNTHETIC_DEFAULT_SIZES, SYNTHETIC_NAME, getMedMnistInfo } from '../src/data/index.ts';
import { downloadMedMnist, listLocalDatasets, resolveDataDir } from '../src/node/data/index.ts';

interface DataOptions {
  dataDir?: string;
  size?: number | string;
  url?: string;
  verify?: boolean;
  allSizes?: boolean;
}

const MB = 1024 * 1024;
const SOURCE = { flag: '--data-dir', env: 'MEDNAS_DATA', default: 'per-user default' } as const;

async function list(options: DataOptions): Promise<number> {
  const dir = resolveDataDir({ dataDir: options.dataDir });
  console.log(`data directory: ${dir.path} (${SOURCE[dir.source]})`);
  const rows = await listLocalDatasets({
    dataDir: options.dataDir,
    verify: options.verify !== false,
    onFile: (f) => process.stderr.isTTY && process.stderr.write(`\r\x1b[Kchecking ${f} ...`),
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const table: string[][] = [['name', 'size', 'task', 'classes', 'train/val/test', 'local file']];
  const s = SYNTHETIC_DEFAULT_SIZES;
  table.push([SYNTHETIC_NAME, '28', 'multi-class', '4', `${s.train}/${s.val}/${s.test}`, 'built in (default)']);
  for (const row of rows) {
    if (row.sizePx !== 28 && row.status === 'absent' && !options.allSizes) continue;
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
  return rows.some((r) => r.status === 'mismatch') ? 1 : 0;
}

async function download(name: string | undefined, options: DataOptions): Promise<number> {
  if (!name) throw new Error('data download needs a dataset name, e.g. `mednas data download pneumoniamnist` (see `mednas data list`).');
  const info = getMedMnistInfo(name);
  const sizePx = Number(options.size ?? 28);
  const bar = new cliProgress.SingleBar(
    { format: `${info.name} {bar} {percentage}% | {got}/{all} MB`, hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    const result = await downloadMedMnist(info.name, {
      sizePx,
      dataDir: options.dataDir,
      url: options.url,
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

export function registerData(cli: CAC): void {
  cli
    .command('data <action> [name]', 'MedMNIST data: `data list`, `data download NAME`')
    .option('--data-dir <dir>', 'Data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--size <px>', 'Image size for download: 28, 64, 128 or 224', { default: 28 })
    .option('--url <url>', 'Download from this URL instead of Zenodo (MEDNAS_DATA_URL sets a base URL)')
    .option('--no-verify', 'list: do not compute MD5s of present files')
    .option('--all-sizes', 'list: show every size, not only 28 px and present files')
    .example('mednas data download pneumoniamnist --size 28')
    .action(async (action: string, name: string | undefined, options: DataOptions) => {
      if (action === 'list') return list(options);
      if (action === 'download') return download(name, options);
      throw new Error(`Unknown data action '${action}': use \`mednas data list\` or \`mednas data download NAME\`.`);
    });
}
