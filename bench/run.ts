// Runs every benchmark case in bench/*.ts (except this runner and util) and prints one JSON line per
// case: {"case": name, ...figures}. `npm run bench -- WORD [WORD...]` runs only the cases whose name
// contains one of the words. Figures also go to bench/out/latest.jsonl (or MEDNAS_BENCH_OUT).
// Exits explicitly (Dawn keeps Node alive).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchCase } from './util.ts';

const dir = resolve(import.meta.dirname);
const words = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'util.ts')
  .sort();

const lines: string[] = [];
let failures = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { cases?: BenchCase[] };
  for (const c of mod.cases ?? []) {
    if (words.length > 0 && !words.some((w) => c.name.includes(w))) continue;
    let line: string;
    try {
      line = JSON.stringify({ case: c.name, ...(await c.run()) });
    } catch (e) {
      failures++;
      line = JSON.stringify({ case: c.name, error: (e as Error).message });
    }
    console.log(line);
    lines.push(line);
  }
}
if (lines.length === 0) {
  console.error(`no benchmark case matches ${words.join(' ')}`);
} else {
  const out = process.env.MEDNAS_BENCH_OUT ?? join(dir, 'out', 'latest.jsonl');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.join('\n') + '\n');
}
process.exit(failures > 0 || lines.length === 0 ? 1 : 0);
