// The training recipe's choices, measured (issue 21, item 6): the paper genotype trained on
// BreastMNIST under the quick preset (C = 8, 15 epochs, batch 32, lr 0.025, cosine, AugMix 3/3/1)
// with one change at a time, each at seeds 0, 1, 2:
//   current          the recipe before issue 21: posterize keeps 8 - k bits, weight decay on every
//                    parameter, gradients clipped to global norm 2
//   posterize        posterize keeps 4 - k bits, as the reference (the quick preset since issue 21)
//   +wd-weights      ... and weight decay only on tensors of 2+ dimensions (not BatchNorm, biases)
//   +clip-5          ... and clipping at 5 (DARTS) instead of 2
//   +no-clip         ... and no clipping (MedMNIST's script)
// Resumable: every finished run is written to runs/recipe/results.json at once, and a rerun skips
// the runs it holds. Prints a markdown table (mean +- sample std over seeds, and the mean paired
// difference from `current`) at the end; `--table` prints it from the file without training.
//
//   nohup node --import ./scripts/register-wgsl.mjs --import tsx scripts/measure-recipe.ts > runs/recipe/log.txt 2>&1 &
//
// Data: $MEDNAS_DATA/breastmnist.npz (default ../shared/data/medmnist).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { presetConfig, trainModel, type TrainConfig } from '../src/index.ts';
import { initNode, loadMedMnistFile } from '../src/node/index.ts';

const DATASET = 'breastmnist';
const SEEDS = [0, 1, 2];
const OUT = resolve('runs/recipe/results.json');

interface Variant {
  readonly name: string;
  /** The variant this one changes one thing of (null for `current`). */
  readonly base: string | null;
  readonly config: (base: TrainConfig) => TrainConfig;
}

const withAugmix = (c: TrainConfig, posterizeBits: 4 | 8): TrainConfig => ({ ...c, augmix: c.augmix && { ...c.augmix, posterizeBits } });
const fixed = (c: TrainConfig): TrainConfig => withAugmix(c, 4);
const wd = (c: TrainConfig): TrainConfig => ({ ...fixed(c), weightDecayOn: 'weights' });

const VARIANTS: readonly Variant[] = [
  { name: 'current', base: null, config: (c) => ({ ...withAugmix(c, 8), weightDecayOn: 'all', maxGradNorm: 2 }) },
  { name: 'posterize', base: 'current', config: fixed },
  { name: 'posterize+wd-weights', base: 'posterize', config: wd },
  { name: 'posterize+wd-weights+clip-5', base: 'posterize+wd-weights', config: (c) => ({ ...wd(c), maxGradNorm: 5 }) },
  { name: 'posterize+wd-weights+no-clip', base: 'posterize+wd-weights', config: (c) => ({ ...wd(c), maxGradNorm: null }) },
];

interface RunRecord {
  readonly variant: string;
  readonly seed: number;
  readonly testAcc: number;
  readonly testAuc: number;
  readonly valAuc: number;
  readonly bestEpoch: number;
  readonly seconds: number;
  readonly loadAverage: number;
  readonly config: TrainConfig;
  readonly finishedAt: string;
}

interface Results {
  readonly dataset: string;
  readonly machine: string;
  readonly runs: RunRecord[];
}

function load(): Results {
  if (!existsSync(OUT)) return { dataset: DATASET, machine: `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`, runs: [] };
  return JSON.parse(readFileSync(OUT, 'utf8')) as Results;
}

function save(r: Results): void {
  mkdirSync(dirname(OUT), { recursive: true });
  const tmp = `${OUT}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(tmp, OUT);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
/** mean ± sample std (the mean alone for one value; n/a for none). */
const pm = (xs: readonly number[], sign = false) => {
  if (xs.length === 0) return 'n/a';
  const m = `${sign && mean(xs) >= 0 ? '+' : ''}${mean(xs).toFixed(3)}`;
  return xs.length < 2 ? m : `${m} ± ${std(xs).toFixed(3)}`;
};

function table(r: Results): string {
  const rows = [
    '| variant | seeds | test AUC | test ACC | AUC - its base (paired by seed) | AUC - current (paired by seed) | best epoch (mean, 1-based) | minutes per run |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const aucs = (name: string) => new Map(r.runs.filter((x) => x.variant === name).map((x) => [x.seed, x.testAuc]));
  const paired = (runs: readonly RunRecord[], name: string | null) => {
    if (name === null) return '-';
    const other = aucs(name);
    return pm(runs.filter((x) => other.has(x.seed)).map((x) => x.testAuc - other.get(x.seed)!), true);
  };
  for (const v of VARIANTS) {
    const runs = r.runs.filter((x) => x.variant === v.name).sort((a, b) => a.seed - b.seed);
    rows.push(
      `| ${v.name} | ${runs.map((x) => x.seed).join(', ')} | ${pm(runs.map((x) => x.testAuc))} | ${pm(runs.map((x) => x.testAcc))} | ` +
        `${v.base === null ? '-' : `${paired(runs, v.base)} (vs ${v.base})`} | ${v.base === null ? '-' : paired(runs, 'current')} | ` +
        `${runs.length ? (mean(runs.map((x) => x.bestEpoch)) + 1).toFixed(1) : 'n/a'} | ${runs.length ? (mean(runs.map((x) => x.seconds)) / 60).toFixed(1) : 'n/a'} |`,
    );
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const results = load();
  if (process.argv.includes('--table')) {
    console.log(table(results));
    return;
  }
  const dataDir = resolve(process.env.MEDNAS_DATA ?? '../shared/data/medmnist');
  const dataset = await loadMedMnistFile(join(dataDir, `${DATASET}.npz`), DATASET);
  const rt = await initNode();
  const base = presetConfig(DATASET, 'quick');
  // Seed-major: an interrupted measurement still has every variant at the first seeds.
  for (const seed of SEEDS) {
    for (const v of VARIANTS) {
      if (results.runs.some((x) => x.variant === v.name && x.seed === seed)) continue;
      const config = { ...v.config(base), seed };
      const started = performance.now();
      console.log(`${new Date().toISOString()} ${v.name} seed ${seed}: training (load average ${loadavg()[0].toFixed(1)})`);
      const result = await trainModel({ rt, dataset, genotype: 'paper', config });
      const record: RunRecord = {
        variant: v.name, seed, testAcc: result.test.acc, testAuc: result.test.auc, valAuc: result.model.best!.val.auc,
        bestEpoch: result.bestEpoch, seconds: (performance.now() - started) / 1000, loadAverage: loadavg()[0], config,
        finishedAt: new Date().toISOString(),
      };
      results.runs.push(record);
      save(results);
      console.log(`  test ACC ${record.testAcc.toFixed(4)} AUC ${record.testAuc.toFixed(4)}, best epoch ${record.bestEpoch + 1}, ${record.seconds.toFixed(0)} s`);
    }
  }
  console.log(table(results));
  rt.destroy();
  process.exit(0);
}

await main();
