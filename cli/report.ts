// `mednas report RUN_DIR|CKPT [--out FILE] [--json]`: the search's report page, one self-contained
// HTML file (objective space per generation, hypervolume and best values, the chosen
// architecture's picture, the final front, settings and timings) from the checkpoint alone; no GPU.
import type { CAC } from 'cac';
import { writeSearchReport } from '../src/node/index.ts';
import { optional, pathValue, stringValue } from './options.ts';

interface ReportFlags {
  out?: unknown;
  json?: boolean;
}

async function run(arg: string, flags: ReportFlags): Promise<number> {
  const source = stringValue(arg, 'RUN_DIR|CKPT');
  const out = await optional(flags.out, (v) => pathValue(v, '--out', 'file-or-missing'));
  const r = await writeSearchReport(source, out);
  if (flags.json) console.log(JSON.stringify({ event: 'report', ...r }));
  else console.log(r.path);
  return 0;
}

export function registerReport(cli: CAC): void {
  cli.command('report <run>', 'Write a search\'s report page (one self-contained HTML file) from its run directory or checkpoint; no GPU')
    .option('--out <file>', 'Where to write it (default: report.html beside the checkpoint)')
    .option('--json', 'One JSON object on stdout (path, checkpoint, bytes, generations, chosen)')
    .example('mednas report runs/search-synthetic')
    .example('mednas report runs/search-synthetic/checkpoint.mednas --out search.html')
    .action(async (arg: string, flags: ReportFlags) => run(arg, flags));
}
