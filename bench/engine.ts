// Engine benchmarks (issue 2): matmul 1024^3 for each kernel variant, dispatch round trip, 1 MB
// upload + readback, and a 100-op elementwise chain (time per op shows that batching works).
import { initNode } from '../src/node/index.ts';
import type { Runtime } from '../src/gpu/runtime.ts';
import { addScalar, matmul, mulScalar } from '../src/ops/index.ts';
import type { AnyLayoutMatmulKernel } from '../src/gpu/policy.ts';
import { chooseMatmulKernel, rowMajor } from '../src/ops/matmul.ts';
import { randUniform, tensor } from '../src/tensor/create.ts';
import { tidy } from '../src/tensor/scope.ts';
import { Rng } from '../src/util/rng.ts';
import { median, timeRuns, type BenchCase } from './util.ts';

let runtime: Promise<Runtime> | null = null;
const rtOnce = (): Promise<Runtime> => (runtime ??= initNode());

/**
 * n^3 matmul with the adapter's own kernel choice ('auto') or a forced kernel. `gpuOnly` cases are
 * skipped on CPU adapters (4096^3 is 137 GFLOP: ~20 s a run on 2-core lavapipe).
 */
function matmulCase(n: number, kernel: AnyLayoutMatmulKernel | 'auto', gpuOnly = false): BenchCase {
  return {
    name: `engine.matmul.${n}.${kernel}`,
    async run() {
      const rt = await rtOnce();
      if (gpuOnly && rt.adapterInfo.isCpu) return { skipped: `a CPU adapter (${rt.adapterInfo.description}): GPUs only` };
      const rng = new Rng(1);
      const a = randUniform([n, n], rng, -1, 1, rt);
      const b = randUniform([n, n], rng, -1, 1, rt);
      const forceMatmul = kernel === 'auto' ? null : kernel;
      try {
        return await rt.withPolicy({ forceMatmul }, async () => {
          const used = chooseMatmulKernel(rt, rowMajor(b, n, n, false), n);
          const times = await timeRuns(async () => {
            matmul(a, b).dispose();
            await rt.sync();
          }, 7);
          const ms = median(times);
          return { median_ms: ms, gflops: (2 * n ** 3) / (ms * 1e6), kernel: used, adapter: rt.adapterInfo.description };
        });
      } finally {
        a.dispose();
        b.dispose();
      }
    },
  };
}

export const cases: BenchCase[] = [
  matmulCase(1024, 'auto'),
  matmulCase(1024, 'strided-subgroup'),
  matmulCase(1024, 'rows'),
  matmulCase(1024, 'tiled'),
  matmulCase(4096, 'auto', true),
  {
    // Submit one tiny kernel and wait for the GPU: the floor under every synchronous step.
    name: 'engine.dispatch.roundtrip',
    async run() {
      const rt = await rtOnce();
      const x = tensor([1, 2, 3, 4], [4], rt);
      const times = await timeRuns(async () => {
        addScalar(x, 1).dispose();
        await rt.sync();
      }, 200, 20);
      x.dispose();
      return { median_ms: median(times), median_us: median(times) * 1000 };
    },
  },
  {
    name: 'engine.transfer.1MB',
    async run() {
      const rt = await rtOnce();
      const n = 262144; // 1 MiB of f32
      const host = new Float32Array(n).map((_, i) => i);
      const up: number[] = [];
      const down: number[] = [];
      for (let i = 0; i < 30; i++) {
        let start = performance.now();
        const t = tensor(host, [n], rt);
        await rt.sync();
        up.push(performance.now() - start);
        start = performance.now();
        await t.data();
        down.push(performance.now() - start);
        t.dispose();
      }
      const upMs = median(up.slice(5));
      const downMs = median(down.slice(5));
      return {
        median_ms: upMs + downMs,
        upload_ms: upMs,
        readback_ms: downMs,
        gbps: (2 * n * 4) / ((upMs + downMs) * 1e6),
      };
    },
  },
  {
    // 100 dependent elementwise ops on 64K elements recorded into batches, one wait at the end.
    name: 'engine.chain.100ops',
    async run() {
      const rt = await rtOnce();
      const x = randUniform([65536], new Rng(2), -1, 1, rt);
      const ops = 100;
      const times = await timeRuns(async () => {
        tidy(() => {
          let y = x;
          for (let i = 0; i < ops; i++) y = i % 2 ? addScalar(y, 0.5) : mulScalar(y, 0.99);
          return null;
        });
        await rt.sync();
      }, 15);
      x.dispose();
      const ms = median(times);
      return { median_ms: ms, us_per_op: (ms * 1000) / ops, gbps: (ops * 2 * 65536 * 4) / (ms * 1e6) };
    },
  },
];
