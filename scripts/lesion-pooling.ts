// Fig 7 on the built-in lesion sets (issue 21, item 4): does the reduction cells' pooling kernel
// matter by lesion size? The paper genotype's normal cells with every reduction branch's pooling
// fixed to one of the space's six choices (gene values 0-5: avg/max pool 2x2, 3x3, 4x4, stride 2),
// plus the paper genotype's own mixed pooling ('paper'), each trained on lesions-small, -medium and
// -large (src/data/lesions.ts) under one quick protocol; test AUC per lesion size per pooling.
//
// Resumable: each finished run is written to runs/lesions/results.json at once (atomically), and
// a rerun skips the runs it holds; other settings than the file's are refused (use another --out).
//
//   node --import ./scripts/register-wgsl.mjs --import tsx scripts/lesion-pooling.ts [--seeds 0,1] [--epochs 6]
//        [--train-images 400] [--val-images 200] [--test-images 400] [--init-channels 8]
//        [--variants avg_pool_2x2,paper] [--sizes small,large] [--out runs/lesions/results.json]
//   ... scripts/lesion-pooling.ts --table          (the table from the file, no training)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import {
  GENES_PER_BLOCK, LESION_RADII_PX, LESION_SIZES, NODES_PER_CELL, PAPER_GENOTYPE, REDUCTION_OP_NAMES,
  lesionDataset, presetConfig, trainModel, type LesionSize, type TrainConfig,
} from '../src/index.ts';
import { initNode } from '../src/node/index.ts';

interface Settings {
  readonly epochs: number;
  readonly initChannels: number;
  readonly trainImages: number;
  readonly valImages: number;
  readonly testImages: number;
  /** Seed of the lesion images (the training seeds are per run). */
  readonly dataSeed: number;
}

interface RunRecord {
  readonly variant: string;
  readonly size: LesionSize;
  readonly seed: number;
  readonly genotype: readonly number[];
  readonly testAuc: number;
  readonly testAcc: number;
  readonly valAuc: number;
  readonly bestEpoch: number;
  readonly seconds: number;
  readonly loadAverage: number;
  readonly finishedAt: string;
}

interface Results {
  readonly settings: Settings;
  readonly config: Omit<TrainConfig, 'seed'>;
  readonly machine: string;
  readonly runs: RunRecord[];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const intFlag = (name: string, fallback: number): number => {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: a whole number >= 1, got ${v}`);
  return n;
};
const listFlag = (name: string): string[] | undefined => flag(name)?.split(',').map((s) => s.trim()).filter((s) => s !== '');

/** The paper genotype with every reduction branch's pooling gene set to `pool` (null: its own). */
function variantGenotype(pool: number | null): number[] {
  return PAPER_GENOTYPE.map((g, i) => (pool !== null && i % GENES_PER_BLOCK >= 2 * NODES_PER_CELL ? pool : g));
}

const VARIANTS: readonly { readonly name: string; readonly genotype: readonly number[] }[] = [
  ...REDUCTION_OP_NAMES.map((name, pool) => ({ name, genotype: variantGenotype(pool) })),
  { name: 'paper', genotype: variantGenotype(null) },
];

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]) => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

function table(r: Results): string {
  const sizes = LESION_SIZES.filter((s) => r.runs.some((x) => x.size === s));
  const head = sizes.map((s) => `${s} (r ${LESION_RADII_PX[s][0]}-${LESION_RADII_PX[s][1]} px)`);
  const rows = [`| pooling (every reduction branch) | ${head.join(' | ')} | mean over sizes |`, `|---|${sizes.map(() => '---|').join('')}---|`];
  const cell = (xs: readonly number[]) => (xs.length === 0 ? 'n/a' : xs.length === 1 ? xs[0].toFixed(3) : `${mean(xs).toFixed(3)} ± ${std(xs).toFixed(3)} (${xs.length})`);
  for (const v of VARIANTS) {
    const per = sizes.map((s) => r.runs.filter((x) => x.variant === v.name && x.size === s).map((x) => x.testAuc));
    if (per.every((xs) => xs.length === 0)) continue;
    const means = per.filter((xs) => xs.length > 0).map(mean);
    rows.push(`| ${v.name === 'paper' ? 'paper genotype (mixed)' : v.name} | ${per.map(cell).join(' | ')} | ${mean(means).toFixed(3)} |`);
  }
  const best = sizes.map((s) => {
    const by = VARIANTS.map((v) => ({ v: v.name, auc: r.runs.filter((x) => x.variant === v.name && x.size === s).map((x) => x.testAuc) })).filter((x) => x.auc.length > 0);
    const top = by.reduce((a, b) => (mean(b.auc) > mean(a.auc) ? b : a));
    return `${s}: ${top.v}`;
  });
  return `${rows.join('\n')}\n\nbest by mean test AUC: ${best.join('; ')}`;
}

function load(path: string, settings: Settings, config: Omit<TrainConfig, 'seed'>): Results {
  if (!existsSync(path)) return { settings, config, machine: `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`, runs: [] };
  const r = JSON.parse(readFileSync(path, 'utf8')) as Results;
  if (JSON.stringify(r.settings) !== JSON.stringify(settings) || JSON.stringify(r.config) !== JSON.stringify(config)) {
    throw new Error(`${path} holds runs with other settings (${JSON.stringify(r.settings)}): give the same flags, or another --out`);
  }
  return r;
}

function save(path: string, r: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const out = resolve(flag('out') ?? 'runs/lesions/results.json');
  if (process.argv.includes('--table')) {
    console.log(table(JSON.parse(readFileSync(out, 'utf8')) as Results));
    return;
  }
  const settings: Settings = {
    epochs: intFlag('epochs', 6), initChannels: intFlag('init-channels', 8),
    trainImages: intFlag('train-images', 400), valImages: intFlag('val-images', 200), testImages: intFlag('test-images', 400), dataSeed: 20240607,
  };
  const { seed: _, ...base } = { ...presetConfig('lesions-small', 'quick'), epochs: settings.epochs, initChannels: settings.initChannels, maxImages: null };
  const config: Omit<TrainConfig, 'seed'> = base;
  const seeds = (listFlag('seeds') ?? ['0']).map(Number);
  const variants = VARIANTS.filter((v) => !listFlag('variants') || listFlag('variants')!.includes(v.name));
  const sizes = LESION_SIZES.filter((s) => !listFlag('sizes') || listFlag('sizes')!.includes(s));
  if (variants.length === 0 || sizes.length === 0) throw new Error(`no run: --variants from ${VARIANTS.map((v) => v.name).join(', ')}; --sizes from ${LESION_SIZES.join(', ')}`);
  const results = load(out, settings, config);
  const rt = await initNode();
  const splits = { train: settings.trainImages, val: settings.valImages, test: settings.testImages };
  const data = new Map(sizes.map((size) => [size, lesionDataset({ size, sizes: splits, seed: settings.dataSeed })]));
  console.log(`lesion pooling: ${variants.length} variants x ${sizes.length} sizes x seeds ${seeds.join(', ')}; C = ${config.initChannels}, ${config.epochs} epochs, batch ${config.batchSize}, lr ${config.lr} (${config.schedule}); ${splits.train}/${splits.val}/${splits.test} images`);
  // Seed-major, then size: an interrupted measurement has every variant at the sizes it reached.
  for (const seed of seeds) {
    for (const size of sizes) {
      for (const v of variants) {
        if (results.runs.some((x) => x.variant === v.name && x.size === size && x.seed === seed)) continue;
        const started = performance.now();
        process.stdout.write(`${new Date().toISOString()} ${v.name} on lesions-${size}, seed ${seed} (load ${loadavg()[0].toFixed(1)}): `);
        const result = await trainModel({ rt, dataset: data.get(size)!, genotype: [...v.genotype], config: { ...config, seed } });
        const record: RunRecord = {
          variant: v.name, size, seed, genotype: v.genotype, testAuc: result.test.auc, testAcc: result.test.acc, valAuc: result.model.best!.val.auc,
          bestEpoch: result.bestEpoch, seconds: (performance.now() - started) / 1000, loadAverage: loadavg()[0], finishedAt: new Date().toISOString(),
        };
        results.runs.push(record);
        save(out, results);
        console.log(`test AUC ${record.testAuc.toFixed(4)} ACC ${record.testAcc.toFixed(4)}, best epoch ${record.bestEpoch + 1}, ${record.seconds.toFixed(0)} s`);
      }
    }
  }
  console.log(table(results));
  rt.destroy();
  process.exit(0);
}

await main();
