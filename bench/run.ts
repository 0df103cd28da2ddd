// Runs every benchmark case in bench/*.ts (except this runner and util) and prints one JSON line per
// case: {"case": name, ...figures}. `npm run bench -- WORD [WORD...]` runs only the cases whose name
// contains one of the words. Figures also go to bench/out/latest.jsonl (or MEDNAS_BENCH_OUT).
// Exits explicitly (Dawn keeps Node alive).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCases, type BenchCase } from './util.ts';

const dir = resolve(import.meta.dirname);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'util.ts')
  .sort();
const cases: BenchCase[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { cases?: BenchCase[] };
  cases.push(...(mod.cases ?? []));
}
const out = process.env.MEDNAS_BENCH_OUT ?? join(dir, 'out', 'latest.jsonl');
process.exit(await runCases(cases, process.argv.slice(2), out));
