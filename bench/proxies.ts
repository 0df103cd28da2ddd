// Scoring an architecture with MSTF-NAS's proxies (jacob_cov + synflow + flops), per architecture:
// the paper genotype at C = 16 with N = 64 images (a CPU-adapter search), and at the paper's
// C = 128 with N = 480, extrapolated: jacob_cov's GPU work is per image (its batch is split into
// chunks anyway), so it is timed on 32 images and scaled by 480 / 32; the host eigensolve is timed at
// N = 480 on a Jacobian of that size; synflow (one image of ones) is timed as it is. Each case gives
// the share of time in forward, backward, readback and host work (phase times wait for the GPU at
// every phase end; total_ms is a run without those waits). PyTorch CPU on this machine class:
// 368-379 ms at C = 16, N = 64 and ~30 s at C = 128, N = 480 (PERF-NOTES.md).
import { syntheticDataset } from '../src/data/index.ts';
import { initNode } from '../src/node/index.ts';
import { jacobCovScore, PHASES, PROXY_NAMES, proxyBatch, scoreArchitecture, scoreNetwork, type Phase } from '../src/proxies/index.ts';
import { buildNetwork } from '../src/space/index.ts';
import { Rng } from '../src/util/rng.ts';
import { median, type BenchCase } from './util.ts';

const PROXIES = ['jacob_cov', 'synflow', 'flops'];
// Made on first use: bench/run.ts imports every bench file, whichever cases it runs.
let made: ReturnType<typeof syntheticDataset> | null = null;
const dataset = () => (made ??= syntheticDataset());

function shares(phases: Record<Phase, number>): Record<string, number> {
  const total = PHASES.reduce((s, p) => s + phases[p], 0);
  return Object.fromEntries(PHASES.map((p) => [`share_${p}`, Number((phases[p] / total).toFixed(3))]));
}

export const cases: BenchCase[] = [
  {
    name: 'proxies.paper.c16.n64',
    async run() {
      const rt = await initNode();
      const batch = proxyBatch(dataset(), { size: 64, seed: 0 });
      const options = { rt, initChannels: 16, seed: 1 };
      await scoreArchitecture('paper', PROXIES, batch, options); // compiles the kernels
      const totals: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        await scoreArchitecture('paper', PROXIES, batch, options);
        totals.push(performance.now() - start);
      }
      const phased = await scoreArchitecture('paper', PROXIES, batch, { ...options, phaseTimes: true });
      return {
        median_ms: median(totals), min_ms: Math.min(...totals),
        jacob_cov_ms: phased.timesMs.jacob_cov, synflow_ms: phased.timesMs.synflow, ...shares(phased.phasesMs),
      };
    },
  },
  {
    // Every registered proxy on its own (issue 20: each new proxy's time beside jacob_cov + synflow's),
    // the paper genotype at C = 16, N = 64: the median of 3 runs after one that compiles the kernels.
    name: 'proxies.each.c16.n64',
    async run() {
      const rt = await initNode();
      const batch = proxyBatch(dataset(), { size: 64, seed: 0 });
      const options = { rt, initChannels: 16, seed: 1 };
      await scoreArchitecture('paper', PROXY_NAMES, batch, options);
      const out: Record<string, number> = {};
      for (const name of PROXY_NAMES) {
        const times: number[] = [];
        for (let i = 0; i < 3; i++) times.push((await scoreArchitecture('paper', [name], batch, options)).timesMs[name]);
        out[`${name}_ms`] = Math.round(median(times));
      }
      out.jacob_cov_synflow_flops_ms = out.jacob_cov_ms + out.synflow_ms + out.flops_ms;
      return out;
    },
  },
  {
    name: 'proxies.paper.c128.n480',
    async run() {
      const rt = await initNode();
      const n = 480;
      const part = 32;
      const net = buildNetwork('paper', { inChannels: 1, numClasses: 4, initChannels: 128 }, { rt, seed: 1 });
      await scoreNetwork(net, ['jacob_cov', 'synflow'], proxyBatch(dataset(), { size: 4 })); // compiles the kernels
      const jc = await scoreNetwork(net, ['jacob_cov'], proxyBatch(dataset(), { size: part }), { phaseTimes: true });
      const sf = await scoreNetwork(net, ['synflow'], proxyBatch(dataset(), { size: part }), { phaseTimes: true });
      net.dispose();
      // The host half at the full N: correlation and eigenvalues of a 480 x 784 Jacobian.
      const rng = new Rng(2);
      const jacobian = Float32Array.from({ length: n * 784 }, () => rng.normal());
      const hostStart = performance.now();
      jacobCovScore(jacobian, n, 784);
      const hostMs = performance.now() - hostStart;
      const scale = n / part;
      const phases = Object.fromEntries(PHASES.map((p) => [p, (p === 'host' ? 0 : jc.phasesMs[p] * scale) + sf.phasesMs[p]])) as Record<Phase, number>;
      phases.host += hostMs;
      const total = PHASES.reduce((s, p) => s + phases[p], 0);
      return {
        extrapolated_ms: Math.round(total), measured_images: part,
        jacob_cov_ms_per_image: Number(((jc.timesMs.jacob_cov - jc.phasesMs.host) / part).toFixed(1)),
        synflow_ms: Math.round(sf.timesMs.synflow), host_eigensolve_n480_ms: Math.round(hostMs), ...shares(phases),
      };
    },
  },
];
