// The search: the default search (the quick preset on the synthetic dataset, what `npm start` runs)
// end to end, with architectures scored per minute and the spread of synflow over what it scored
// (why ln synflow enters the normalisation); and a paper-size search (C = 128, proxy batch 480,
// population 50) extrapolated from architectures scored at that size: a CPU adapter cannot run
// whole paper-size generations in a benchmark (about a minute per architecture), so a few random
// genotypes are scored with the search's own scorer and the time is scaled to the preset's
// evaluations (popSize x generations, minus nothing: the archive rarely answers at that size).
import { syntheticDataset } from '../src/data/index.ts';
import { initNode } from '../src/node/index.ts';
import { proxyBatch } from '../src/proxies/index.ts';
import { defaultScorer, minMaxNormalise, scoredProxies, search, searchPreset } from '../src/search/index.ts';
import { randomGenotype } from '../src/space/index.ts';
import { Rng } from '../src/util/rng.ts';
import type { BenchCase } from './util.ts';

let made: ReturnType<typeof syntheticDataset> | null = null;
const dataset = () => (made ??= syntheticDataset());

export const cases: BenchCase[] = [
  {
    name: 'search.default',
    async run() {
      const rt = await initNode();
      const config = searchPreset('quick', 'synthetic', 0);
      const start = performance.now();
      const result = await search({ config, dataset: dataset(), rt });
      const totalMs = performance.now() - start;
      const logs = result.archive.map((a) => a.logValues.synflow).filter((v) => Number.isFinite(v));
      const raw = minMaxNormalise(result.archive.map((a) => a.values.synflow), 0);
      return {
        total_ms: Math.round(totalMs),
        generations: config.generations, population: config.popSize, architectures: result.archive.length,
        architectures_per_minute: Number((result.archive.length / (totalMs / 60_000)).toFixed(1)),
        first_generation_ms: Math.round(result.history[0].times.wallMs),
        later_generation_median_ms: Math.round(result.history.slice(1).map((g) => g.times.wallMs).sort((a, b) => a - b)[(result.history.length - 1) >> 1] ?? 0),
        synflow_log10_min: Number((Math.min(...logs) / Math.LN10).toFixed(2)),
        synflow_log10_max: Number((Math.max(...logs) / Math.LN10).toFixed(2)),
        raw_normalised_synflow_below_0_01: Number((raw.filter((v) => v < 0.01).length / raw.length).toFixed(3)),
        final_hypervolume: Number(result.history.at(-1)!.hypervolume.toFixed(4)),
        adapter: rt.adapterInfo.description,
      };
    },
  },
  {
    name: 'search.paper.extrapolated',
    async run() {
      const rt = await initNode();
      const config = searchPreset('paper', 'synthetic', 0);
      const batch = proxyBatch(dataset(), { size: config.proxyBatch, seed: 0 });
      const proxies = scoredProxies(config);
      const rng = new Rng(7);
      const sample = Number(process.env.MEDNAS_BENCH_PAPER_ARCHS ?? 2);
      const times: number[] = [];
      for (let i = 0; i < sample; i++) {
        const g = randomGenotype(rng);
        const start = performance.now();
        await defaultScorer(g, { rt, batch, config, proxies });
        times.push(performance.now() - start);
      }
      const perArch = times.reduce((a, b) => a + b, 0) / times.length;
      const evaluations = config.popSize * config.generations;
      return {
        architectures_timed: sample, mean_ms_per_architecture: Math.round(perArch), min_ms: Math.round(Math.min(...times)), max_ms: Math.round(Math.max(...times)),
        evaluations, extrapolated_search_minutes: Number(((perArch * evaluations) / 60_000).toFixed(1)),
        reproduction_extrapolated_minutes: Number(((perArch * 13 * 10) / 60_000).toFixed(1)),
        adapter: rt.adapterInfo.description,
      };
    },
  },
];
