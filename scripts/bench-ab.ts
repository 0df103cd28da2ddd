// Interleaved A/B of two source trees in one process, as docs/kernels.md reports them: each tree gets
// its own runtime (device), and rounds alternate between them (ABBA order, so neither always runs
// first), so that the machine's load, which moves by 1.5x on a shared VM, falls on both alike.
//   node --import ./scripts/register-wgsl.mjs --import tsx scripts/bench-ab.ts BEFORE_DIR ROUNDS CASE...
// BEFORE_DIR is another checkout (e.g. `git archive` of the previous commit, with node_modules
// linked in); the tree this file is in is `after`. CASE: step.paper, step.darts8, proxies.paper.
// Prints one JSON line per case: median [min, max] over the rounds of each round's median, the
// median of the per-round ratios after / before, and the load average at the start and end.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Tree {
  label: string;
  rt: unknown;
  modules: Record<string, Record<string, (...args: unknown[]) => unknown>>;
}

const here = resolve(import.meta.dirname, '..');
const [beforeDir, roundsArg, ...caseNames] = process.argv.slice(2);
if (!beforeDir || !roundsArg || caseNames.length === 0) {
  console.error('usage: scripts/bench-ab.ts BEFORE_DIR ROUNDS CASE... (step.paper, step.darts8, proxies.paper)');
  process.exit(2);
}

async function loadTree(label: string, dir: string): Promise<Tree> {
  const load = async (path: string) => (await import(pathToFileURL(join(dir, path)).href)) as Tree['modules'][string];
  const modules = {
    node: await load('src/node/index.ts'),
    space: await load('src/space/index.ts'),
    reference: await load('src/space/reference.ts'),
    util: await load('bench/util.ts'),
    proxies: await load('src/proxies/index.ts'),
    data: await load('src/data/index.ts'),
  };
  return { label, rt: await modules.node.initNode(), modules };
}

const median = (v: readonly number[]): number => {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One round of a case on one tree: the median milliseconds of a few repeats. */
const CASES: Record<string, (t: Tree) => Promise<number>> = {
  'step.paper': async ({ rt, modules: m }) => {
    const net = m.space.buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: 16 }, { rt, seed: 1 });
    const r = (await m.util.timeSgdStep(rt, net, { classes: 2, sgd: { lr: 0.01, momentum: 0.9 }, repeats: 3 })) as { median_ms: number };
    return r.median_ms;
  },
  'step.darts8': async ({ rt, modules: m }) => {
    const net = m.reference.referenceNet(rt);
    const sgd = { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 };
    const r = (await m.util.timeSgdStep(rt, net, { classes: 10, sgd, repeats: 3 })) as { median_ms: number };
    return r.median_ms;
  },
  'proxies.paper': async ({ rt, modules: m }) => {
    const batch = m.proxies.proxyBatch(m.data.syntheticDataset(), { size: 64, seed: 0 });
    const options = { rt, initChannels: 16, seed: 1 };
    const score = () => m.proxies.scoreArchitecture('paper', ['jacob_cov', 'synflow', 'flops'], batch, options) as Promise<unknown>;
    await score();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await score();
      times.push(performance.now() - start);
    }
    return median(times);
  },
};

const trees = [await loadTree('before', resolve(beforeDir)), await loadTree('after', here)];
const rounds = Number(roundsArg);
for (const name of caseNames) {
  const once = CASES[name];
  if (!once) throw new Error(`unknown case ${name}; known: ${Object.keys(CASES).join(', ')}`);
  const load0 = loadavg()[0];
  const times: Record<string, number[]> = { before: [], after: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 4 === 0 || r % 4 === 3 ? trees : [trees[1], trees[0]];
    for (const t of order) times[t.label].push(await once(t));
  }
  const figure = (v: number[]) => `${median(v).toFixed(0)} [${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)}]`;
  const ratios = times.after.map((a, i) => a / times.before[i]);
  console.log(JSON.stringify({
    case: name, rounds, before: figure(times.before), after: figure(times.after),
    ratio: Number(median(ratios).toFixed(3)), load: `${load0.toFixed(1)}-${loadavg()[0].toFixed(1)}`,
  }));
}
process.exit(0);
