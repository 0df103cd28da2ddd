// `mednas correlate TABLE...`: how well every proxy in a ground-truth table ranks its architectures
// by trained test AUC (or --target acc / auc-last3): Spearman and Kendall with bootstrap intervals,
// top-10% precision, init-seed stability, the noise ceiling. A table on the terminal, --json lines,
// --html FILE for a page with a scatter plot per quantity. No GPU.
import { basename, resolve } from 'node:path';
import type { CAC } from 'cac';
import {
  ARCHITECTURE_ORIGINS, correlateTable, correlateTables, MEDNAS_VERSION, missingQuickProxies, quickTargets, renderCorrelatePage, TRUTH_TARGETS,
  type ArchitectureOrigin, type QuantityCorrelation, type QuickTargets, type TableCorrelation, type TruthTarget,
} from '../src/index.ts';
import { readTruthTable, writeTextAtomic } from '../src/node/index.ts';
import { signed } from './truth-format.ts';
import { choiceValue, CliUsageError, intValue, listValue, optional, pathValue, shellQuote, stringValue } from './options.ts';

interface CorrelateFlags {
  target?: unknown;
  bootstrap?: unknown;
  seed?: unknown;
  origin?: unknown;
  first?: unknown;
  against?: unknown;
  html?: unknown;
  json?: boolean;
}

const TARGET_WORDS: Record<TruthTarget, string> = {
  auc: 'test AUC', acc: 'test ACC', 'auc-last3': 'test AUC of the last 3 epochs', 'valtest-last3': 'val + test AUC (image-weighted) of the last 3 epochs',
};

const f = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? '   -  ' : (v < 0 ? '' : ' ') + v.toFixed(d));
const ci = (lo: number, hi: number) => (Number.isFinite(lo) ? `[${lo.toFixed(2)}, ${hi.toFixed(2)}]` : '').padEnd(14);

function line(c: QuantityCorrelation): string {
  return `${c.proxy.padEnd(22)} ${String(c.n).padStart(4)}  ${f(c.spearman)} ${ci(c.spearmanLow, c.spearmanHigh)} ${f(c.kendall)} ${ci(c.kendallLow, c.kendallHigh)} ${f(c.top10, 2)}   ${f(c.stability, 2)}`;
}

function jsonLine(table: string, r: TableCorrelation, c: QuantityCorrelation & { targets?: QuickTargets }): string {
  return JSON.stringify({ table, dataset: r.dataset, target: r.target, ...c });
}

async function run(files: string[], flags: CorrelateFlags): Promise<number> {
  if (files.length === 0) throw new CliUsageError('correlate needs at least one table, e.g. `mednas correlate groundtruth/breastmnist.mednas`');
  const target = optional(flags.target, (v) => choiceValue<TruthTarget>(v, '--target', TRUTH_TARGETS)) ?? 'auc';
  const resamples = optional(flags.bootstrap, (v) => intValue(v, '--bootstrap', { min: 100, max: 1_000_000 })) ?? 2000;
  const seed = optional(flags.seed, (v) => intValue(v, '--seed', { min: 0, max: 2 ** 32 - 1 })) ?? 0;
  const origins = optional(flags.origin, (v) => listValue(v, '--origin', (s, flag) => choiceValue<ArchitectureOrigin>(s, flag, ARCHITECTURE_ORIGINS)));
  const first = optional(flags.first, (v) => intValue(v, '--first', { min: 3 }));
  const against = await optional(flags.against, (v) => pathValue(v, '--against', 'file'));
  const html = await optional(flags.html, (v) => pathValue(stringValue(v, '--html'), '--html', 'file-or-missing'));
  const options = { target, resamples, seed, origins, first };
  const paths = await Promise.all(files.map((x) => pathValue(x, 'the table', 'file')));
  const other = against === undefined ? null : await readTruthTable(resolve(against));
  const results: { name: string; result: TableCorrelation }[] = [];
  for (const path of paths) {
    const table = await readTruthTable(resolve(path));
    const result = correlateTable(table, options);
    results.push({ name: basename(path), result });
    const vsOther = other ? correlateTables(table, other, options) : null;
    if (flags.json) {
      // The quick row also carries issue 20's targets (the margin over the best baseline, its interval, the ceiling shares).
      const targets = quickTargets(result, { resamples, seed });
      for (const c of result.correlations) console.log(jsonLine(path, result, c.proxy === 'quick' && targets ? { ...c, targets } : c));
      console.log(jsonLine(path, result, result.ceiling));
      if (vsOther) console.log(jsonLine(path, result, { ...vsOther, proxy: `table:${against}` }));
      continue;
    }
    console.log(`${path}: ${result.dataset}, ${result.architectures} of ${table.protocol.count} architectures trained; target: mean ${TARGET_WORDS[target]} over seeds ${table.protocol.seeds.join(', ')}`);
    console.log(`${'quantity'.padEnd(22)} ${'n'.padStart(4)}  spearman [95%]         kendall [95%]          top10%  init-seed stability`);
    for (const c of result.correlations) console.log(line(c));
    console.log(line(result.ceiling));
    const ceiling = result.ceiling;
    console.log(`noise ceiling: split-half Spearman ${f(ceiling.spearman)} over ${ceiling.n} architectures with every seed; against the mean of all seeds about ${f(ceiling.corrected)}`);
    const t = quickTargets(result, { resamples, seed });
    if (t) {
      console.log(
        `issue 20's targets: quick ${f(t.quick)} against the best of params, flops and paper (${t.baseline.proxy} ${f(t.baseline.spearman)}): ${signed(t.margin)} [${signed(t.marginLow)}, ${signed(t.marginHigh)}] (target >= +0.10); ` +
          `quick is ${f(t.ofCeiling, 2)} of the split-half ceiling and ${f(t.ofCorrectedCeiling, 2)} of the all-seeds one (target >= 0.8)`,
      );
    } else {
      const missing = missingQuickProxies(result);
      if (missing.length > 0) {
        console.log(`issue 20's targets: no quick row, the table has no ${missing.join(', ')} values (the quick preset's objectives use them): add them with \`mednas truth score ${shellQuote(path)} --proxies ${missing.join(',')}\``);
      }
    }
    if (vsOther) console.log(`against ${against} (same architectures, its target): Spearman ${f(vsOther.spearman)} ${ci(vsOther.spearmanLow, vsOther.spearmanHigh)} Kendall ${f(vsOther.kendall)} over ${vsOther.n}`);
    console.log('');
  }
  if (html !== undefined) {
    await writeTextAtomic(resolve(html), renderCorrelatePage(results, MEDNAS_VERSION));
    if (!flags.json) console.log(`page: ${resolve(html)}`);
  }
  return 0;
}

export function registerCorrelate(cli: CAC): void {
  cli.command('correlate [...tables]', 'How well each proxy in ground-truth tables ranks the trained architectures (Spearman, Kendall, bootstrap intervals, top 10%, noise ceiling)')
    .option('--target <name>', 'auc (test AUC at the best validation epoch; default), acc, auc-last3 (mean test AUC of the last 3 epochs) or valtest-last3 (the same over val and test, weighted by images)')
    .option('--bootstrap <B>', 'Bootstrap resamples (default 2000)')
    .option('--seed <S>', 'Seed of the bootstrap (default 0)')
    .option('--origin <list>', 'Only architectures of these origins: paper, random, spread (default: all)')
    .option('--first <K>', "Only the table's first K architectures (a pilot's)")
    .option('--against <table>', "Also the rank agreement with another table's target on the same architectures (a pilot: more epochs, larger C)")
    .option('--html <file>', 'Write a page with every quantity plotted against the target')
    .option('--json', 'One JSON object per quantity per table (proxy, n, spearman, spearmanLow, spearmanHigh, kendall, ..., top10); the noise ceiling as proxy "ceiling"')
    .example('mednas correlate groundtruth/breastmnist.mednas groundtruth/retinamnist.mednas --html correlate.html')
    .action(async (tables: string[], flags: CorrelateFlags) => run(tables, flags));
}
