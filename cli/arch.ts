// `mednas arch show|info|random|score`: a genotype's cells, costs and picture; its cost breakdown;
// seeded random genotypes; its training-free proxies (arch-score.ts, the one action that needs a
// GPU). Option parsing is small and local until the shared parser (cli/options.ts) lands.
import type { CAC } from 'cac';
import { datasetShape } from '../src/data/index.ts';
import {
  architectureCost, deadCells, decodeGenotype, formatGenotype, genotypeKey, genotypeToDot, genotypeToSvg,
  NORMAL_OP_NAMES, randomGenotype, REDUCTION_OP_NAMES, type ArchitectureCost, type Cost, type NetworkConfig,
} from '../src/space/index.ts';
import { readGenotypeArgument, writeFileAtomic } from '../src/node/index.ts';
import { Rng } from '../src/util/rng.ts';
import { DEFAULT_PROXY_BATCH, scoreCommand } from './arch-score.ts';
import { addDatasetOptions } from './dataset-options.ts';
import { CliUsageError, intValue, optional, stringValue } from './options.ts';

interface ArchOptions {
  initChannels?: unknown;
  dataset?: unknown;
  svg?: unknown;
  dot?: unknown;
  json?: boolean;
  seed?: unknown;
  count?: unknown;
  blocks?: unknown;
  live?: boolean;
  proxies?: unknown;
  proxyBatch?: unknown;
  like?: unknown;
  dataDir?: unknown;
  size?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
}

const DEFAULT_DATASET = 'pneumoniamnist'; // the paper genotype's dataset: 1 channel, 2 classes

function pathFlag(flag: string, v: unknown): string | undefined {
  return optional(v, (x) => stringValue(x, `--${flag}`));
}

/** Image channels and classes of a dataset name (the embedded synthetic set or a MedMNIST subset). */
function networkConfig(options: ArchOptions): NetworkConfig & { dataset: string } {
  const shape = datasetShape(options.dataset === undefined ? DEFAULT_DATASET : stringValue(options.dataset, '--dataset'));
  const initChannels = intValue(options.initChannels ?? 128, '--init-channels', { min: 4, max: 4096 });
  return { dataset: shape.name, inChannels: shape.inChannels, numClasses: shape.numClasses, initChannels };
}

const n = (v: number): string => v.toLocaleString('en-US');
const short = (v: number): string => (v >= 1e9 ? `${(v / 1e9).toFixed(2)} G` : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : String(v));

function describeConfig(c: NetworkConfig & { dataset: string }): string {
  const size = typeof c.inputSize === 'number' ? c.inputSize : 28;
  return `${c.dataset} (${c.inChannels} x ${size} x ${size}, ${c.numClasses} classes), C = ${c.initChannels}`;
}

function deadText(g: readonly number[]): string {
  const dead = deadCells(g);
  return dead.length === 0
    ? 'none'
    : `block ${dead.map((b) => b + 1).join(', ')} (the output does not depend on the input: training-free scores are meaningless)`;
}

async function show(arg: string, options: ArchOptions): Promise<number> {
  const g = await readGenotypeArgument(arg);
  const config = networkConfig(options);
  const cost = architectureCost(g, config);
  const svgPath = pathFlag('svg', options.svg);
  const dotPath = pathFlag('dot', options.dot);
  const written: { path: string; bytes: number }[] = [];
  const picture = { config, title: `MSTF-NAS genotype ${genotypeKey(g)}` };
  if (dotPath) {
    const bytes = new TextEncoder().encode(genotypeToDot(g, picture));
    await writeFileAtomic(dotPath, bytes);
    written.push({ path: dotPath, bytes: bytes.length });
  }
  if (svgPath) {
    const bytes = new TextEncoder().encode(await genotypeToSvg(g, picture));
    await writeFileAtomic(svgPath, bytes);
    written.push({ path: svgPath, bytes: bytes.length });
  }
  if (options.json) {
    const blocks = decodeGenotype(g).map((b) => ({
      normal: b.normal.map((node) => ({ op: NORMAL_OP_NAMES[node.op], input: node.input })),
      reduction: b.pools.map((p) => REDUCTION_OP_NAMES[p]),
    }));
    const { dataset, ...network } = config;
    console.log(JSON.stringify({
      genotype: g, key: genotypeKey(g), text: formatGenotype(g).split('\n'), blocks, deadCells: deadCells(g),
      dataset, network, params: cost.params, macs: cost.macs, flops: cost.flops, written,
    }));
    return 0;
  }
  console.log(`genotype: ${genotypeKey(g)}`);
  console.log(formatGenotype(g));
  console.log(`${describeConfig(config)}: ${short(cost.params)} params, ${short(cost.macs)} MACs (${short(cost.flops)} FLOPs) per image`);
  console.log(`dead cells: ${deadText(g)}`);
  for (const w of written) console.log(`wrote ${w.path} (${n(w.bytes)} bytes)`);
  return 0;
}

function infoRows(cost: ArchitectureCost): [string, string, string, Cost][] {
  const rows: [string, string, string, Cost][] = [];
  const p = cost.plan;
  rows.push(['stem (conv 3x3, BN)', `${p.inChannels} -> ${p.initChannels}`, `${p.inputHeight}x${p.inputWidth}`, cost.stem]);
  for (const b of cost.blocks) {
    rows.push([`block ${b.block} normal`, `${b.channels}`, `${b.height}x${b.width}`, b.normal]);
    for (const [k, node] of b.nodes.entries()) rows.push([`  node ${k}: ${node.op}`, '', '', node]);
    rows.push([`block ${b.block} reduction`, `${b.channels} -> ${2 * b.channels}`, `${b.height}x${b.width} -> ${Math.floor(b.height / 2)}x${Math.floor(b.width / 2)}`, b.reduction]);
    for (const [j, branch] of b.branches.entries()) rows.push([`  branch ${j}: ${branch.op}`, '', '', branch]);
    rows.push(['  fuse (conv 1x1, BN)', '', '', b.fuse]);
  }
  rows.push(['classifier (linear)', `${p.features} -> ${p.numClasses}`, '', cost.classifier]);
  return rows;
}

async function info(arg: string, options: ArchOptions): Promise<number> {
  const g = await readGenotypeArgument(arg);
  const config = networkConfig(options);
  const cost = architectureCost(g, config);
  if (options.json) {
    const { dataset, ...network } = config;
    const { plan, ...costs } = cost;
    console.log(JSON.stringify({ genotype: g, key: genotypeKey(g), dataset, network, plan, ...costs, deadCells: deadCells(g) }));
    return 0;
  }
  console.log(`genotype ${genotypeKey(g)}`);
  console.log(describeConfig(config));
  const table = [['part', 'channels', 'size', 'params', 'MACs'], ...infoRows(cost).map(([a, b, c, k]) => [a, b, c, n(k.params), n(k.macs)])];
  table.push(['total', '', '', n(cost.params), n(cost.macs)]);
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
  console.log(`FLOPs (2 x MACs): ${n(cost.flops)} per image (${short(cost.flops)}); MACs count conv and linear multiply-accumulates only`);
  console.log(`dead cells: ${deadText(g)}`);
  return 0;
}

function random(options: ArchOptions): number {
  const seed = intValue(options.seed ?? 0, '--seed', { min: 0, max: 2 ** 32 - 1 });
  const count = intValue(options.count ?? 1, '--count', { min: 1, max: 1_000_000 });
  const blocks = intValue(options.blocks ?? 3, '--blocks', { min: 1, max: 8 });
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const g = randomGenotype(rng, { blocks, avoidDead: options.live === true });
    const dead = deadCells(g);
    if (options.json) console.log(JSON.stringify({ genotype: g, key: genotypeKey(g), deadCells: dead }));
    // A `#` comment keeps each line a valid genotype for `mednas arch show "$(...)"` and for files.
    else console.log(dead.length ? `${genotypeKey(g)}  # dead: block ${dead.map((b) => b + 1).join(', ')}` : genotypeKey(g));
  }
  return 0;
}

export function registerArch(cli: CAC): void {
  addDatasetOptions(cli
    .command('arch <action> [genotype] [genes]', 'Architectures: `arch show G`, `arch info G`, `arch random`, `arch score G` (G: paper, 2,0,4,..., JSON or a file); `arch score RUN_DIR [G]`: with a search\'s settings')
    .option('--init-channels <C>', 'Stem channels C, a multiple of 4 (default 128, the paper\'s; score: 16)')
    .option('--dataset <name>', `Dataset whose channels and classes the network is for (default ${DEFAULT_DATASET}; score: synthetic, whose images it scores, and also a path: an .npz of your own or a folder of images, docs/data.md)`)
    .option('--proxies <list>', 'score: comma-separated proxies (default jacob_cov,synflow,flops; see docs/proxies.md)')
    .option('--like <run>', "score: use the settings of the search in this run directory (its dataset, C, proxy batch, seed, proxies), as `arch score RUN_DIR G` does")
    .option('--proxy-batch <N>', `score: training images in the proxy batch (default ${DEFAULT_PROXY_BATCH}; the paper: 480)`)
    .option('--data-dir <dir>', 'score: data directory (default: MEDNAS_DATA, else a per-user folder)')
    .option('--svg <file>', 'show: write the picture as SVG')
    .option('--dot <file>', 'show: write the picture as Graphviz DOT')
    .option('--seed <S>', 'random: seed; score: seeds the weights and the choice of images (default 0)')
    .option('--count <N>', 'random: how many genotypes', { default: 1 })
    .option('--blocks <B>', 'random: blocks per genotype', { default: 3 })
    .option('--live', 'random: only genotypes without dead cells')
    .option('--json', 'Machine-readable output (one JSON object per line)'), { prefix: 'score: ' })
    .action(async (action: string, genotype: string | undefined, genes: string | undefined, options: ArchOptions) => {
      if (action === 'random') return random(options);
      if (action !== 'show' && action !== 'info' && action !== 'score') throw new CliUsageError(`unknown arch action '${action}': use show, info, random or score`);
      if (genotype === undefined) throw new CliUsageError(`arch ${action} needs a genotype: \`paper\`, 2,0,4,... (42 integers), a JSON array, or a file`);
      if (action === 'score') return scoreCommand(String(genotype), options, genes === undefined ? undefined : String(genes));
      if (genes !== undefined) throw new CliUsageError(`arch ${action} takes one genotype, got ${genotype} and ${genes}`);
      return action === 'show' ? show(String(genotype), options) : info(String(genotype), options);
    });
}
