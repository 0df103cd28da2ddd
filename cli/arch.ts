// `mednas arch show|info|random`: a genotype's cells, costs and picture; its cost breakdown; seeded
// random genotypes. Nothing here needs a GPU. Option parsing is small and local until the shared
// parser (cli/options.ts) lands.
import type { CAC } from 'cac';
import { getMedMnistInfo, SYNTHETIC_CLASSES, SYNTHETIC_NAME } from '../src/data/index.ts';
import {
  architectureCost, deadCells, decodeGenotype, formatGenotype, genotypeKey, genotypeToDot, genotypeToSvg,
  NORMAL_OP_NAMES, randomGenotype, REDUCTION_OP_NAMES, type ArchitectureCost, type Cost, type NetworkConfig,
} from '../src/space/index.ts';
import { readGenotypeArgument, writeFileAtomic } from '../src/node/index.ts';
import { Rng } from '../src/util/rng.ts';

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
}

const DEFAULT_DATASET = 'pneumoniamnist'; // the paper genotype's dataset: 1 channel, 2 classes

function wholeNumber(flag: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === '' || v === true || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got ${String(v)}`);
  }
  return n;
}

function textFlag(flag: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new Error(`--${flag} needs a value, e.g. --${flag} out.${flag === 'svg' ? 'svg' : 'dot'}`);
  return v;
}

/** Image channels and classes of a dataset name (the embedded synthetic set or a MedMNIST subset). */
function networkConfig(options: ArchOptions): NetworkConfig & { dataset: string } {
  const name = options.dataset === undefined ? DEFAULT_DATASET : String(options.dataset);
  const initChannels = wholeNumber('init-channels', options.initChannels ?? 128, 4);
  if (name.toLowerCase() === SYNTHETIC_NAME) return { dataset: SYNTHETIC_NAME, inChannels: 1, numClasses: SYNTHETIC_CLASSES.length, initChannels };
  const info = getMedMnistInfo(name);
  return { dataset: info.name, inChannels: info.channels, numClasses: info.classNames.length, initChannels };
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
  const svgPath = textFlag('svg', options.svg);
  const dotPath = textFlag('dot', options.dot);
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
  const seed = wholeNumber('seed', options.seed ?? 0, 0);
  const count = wholeNumber('count', options.count ?? 1, 1, 1_000_000);
  const blocks = wholeNumber('blocks', options.blocks ?? 3, 1, 8);
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
  cli
    .command('arch <action> [genotype]', 'Architectures: `arch show G`, `arch info G`, `arch random` (G: paper, 2,0,4,..., JSON or a file)')
    .option('--init-channels <C>', 'Stem channels C (the paper: 128; a multiple of 4)', { default: 128 })
    .option('--dataset <name>', `Dataset whose channels and classes the network is for (default ${DEFAULT_DATASET}; or synthetic)`)
    .option('--svg <file>', 'show: write the picture as SVG')
    .option('--dot <file>', 'show: write the picture as Graphviz DOT')
    .option('--seed <S>', 'random: seed', { default: 0 })
    .option('--count <N>', 'random: how many genotypes', { default: 1 })
    .option('--blocks <B>', 'random: blocks per genotype', { default: 3 })
    .option('--live', 'random: only genotypes without dead cells')
    .option('--json', 'Machine-readable output (one JSON object per line)')
    .action(async (action: string, genotype: string | undefined, options: ArchOptions) => {
      if (action === 'random') return random(options);
      if (action !== 'show' && action !== 'info') throw new Error(`unknown arch action '${action}': use show, info or random`);
      if (genotype === undefined) throw new Error(`arch ${action} needs a genotype: \`paper\`, 2,0,4,... (42 integers), a JSON array, or a file`);
      return action === 'show' ? show(String(genotype), options) : info(String(genotype), options);
    });
}
