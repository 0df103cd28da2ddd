// Search checkpoints for the report tests, made in milliseconds with no GPU: the real search loop
// (NSGA-II, the archive, the history records) with a deterministic stand-in for the proxies, so
// the report sees every kind of record a real run writes, failures included.
import type { Runtime } from '../../src/gpu/runtime.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { search, type ArchitectureScorer } from '../../src/search/search.ts';
import { PAPER_PROXIES, searchPreset } from '../../src/search/config.ts';
import type { SearchCheckpoint } from '../../src/search/checkpoint.ts';
import { architectureCost } from '../../src/space/costs.ts';

/** Values that vary with the genes (so the front is not trivial); every 9th genotype fails to "build". */
const fakeScorer: ArchitectureScorer = async (genotype, { config }) => {
  const h = genotype.reduce((s, g, i) => (s * 31 + g * (i + 7)) % 100_003, 17);
  if (h % 9 === 0) throw new Error('the network failed to build (a test stand-in)');
  const flops = architectureCost(genotype, { inChannels: 1, numClasses: 4, initChannels: config.initChannels }).flops;
  const synflow = Math.exp(18 + (h % 23) * 0.4);
  return {
    values: { jacob_cov: -30 - (h % 13) * 0.37, synflow, flops },
    logValues: { synflow: Math.log(synflow) },
    reasons: {},
    timesMs: { jacob_cov: 10 + (h % 5), synflow: 20 + (h % 7), flops: 0.1 },
  };
};

/** The search's only use of the runtime with a stand-in scorer: the adapter it records. */
const fakeRuntime = {
  adapterInfo: { description: 'test adapter', vendor: 'mednas', architecture: 'none', isCpu: true },
} as unknown as Runtime;

/** The checkpoint after every generation of a seeded search (index g-1: after generation g). */
export async function fakeSearch(popSize = 8, generations = 4, seed = 1): Promise<SearchCheckpoint[]> {
  const dataset = syntheticDataset({ sizes: { train: 32, val: 4, test: 4 } });
  // Eq. 1's objectives, which the stand-in scorer's values are made for.
  const config = { ...searchPreset('quick', dataset.name, seed), objectives: 'paper' as const, proxies: [...PAPER_PROXIES], popSize, generations, proxyBatch: 8 };
  const saved: SearchCheckpoint[] = [];
  await search({ config, dataset, rt: fakeRuntime, scorer: fakeScorer, saveCheckpoint: (c) => void saved.push(c) });
  return saved;
}
