// Matrix product (src/ops/matmul.ts) with both kernel profiles, set through rt.withPolicy:
// 'cpu' runs the CPU-adapter kernels (matmul_subgroup and its kin with subgroups, matmul_rows
// without), 'gpu' runs matmul_tiled.wgsl
// (64x64 workgroup tiles). Shapes are chosen to not be multiples of either kernel's blocking.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matmul } from '../../src/ops/index.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { testRuntime } from '../gpu.ts';
import { checkGradients, cpuMatmul, cpuPermute, cpuUnary, F32_U, randHost, Rng, toGpu, type Host } from '../helpers.ts';

const rt = await testRuntime();
const PROFILES = ['cpu', 'gpu'] as const;

const withProfile = <T>(profile: 'cpu' | 'gpu', fn: () => Promise<T>): Promise<T> => rt.withPolicy({ profile }, fn);

/**
 * A dot product of K f32 products, summed in any order (with or without fma), errs by at most
 * gamma_K sum_k |a_k b_k| with gamma_K = K u / (1 - K u) (Higham, Thm 3.5). The bound holds per entry,
 * so it is computed per entry from |A|.|B|.
 */
const gamma = (K: number): number => (K * F32_U) / (1 - K * F32_U);

function assertProduct(got: Float32Array, want: Host, absWant: Host, K: number, what: string): void {
  assert.is(got.length, want.data.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const bound = gamma(K) * absWant.data[i] + 1e-30;
    const err = Math.abs(got[i] - want.data[i]);
    if (!(err <= bound)) assert.unreachable(`${what}: entry ${i}: got ${got[i]}, want ${want.data[i]} (|err| ${err} > ${bound})`);
  }
}

interface Case {
  a: number[];
  b: number[];
}

const SHAPES: Case[] = [
  { a: [1, 1], b: [1, 1] },
  { a: [17, 33], b: [33, 65] },
  { a: [5, 1], b: [1, 7] },
  { a: [1, 9], b: [9, 1] },
  { a: [64, 64], b: [64, 64] },
  { a: [65, 3], b: [3, 63] },
  { a: [513, 257], b: [257, 129] },
  // Batched, and a batch against one matrix on either side.
  { a: [3, 17, 33], b: [3, 33, 9] },
  { a: [3, 17, 33], b: [33, 9] },
  { a: [17, 33], b: [3, 33, 9] },
  { a: [2, 1, 5], b: [2, 5, 1] },
];

test('matmul on odd shapes, batched and batch-broadcast, with both kernel variants', async () => {
  for (const [k, c] of SHAPES.entries()) {
    const a = randHost(c.a, 10 + k);
    const b = randHost(c.b, 50 + k);
    const want = cpuMatmul(a, b);
    const absWant = cpuMatmul(cpuUnary(a, Math.abs), cpuUnary(b, Math.abs));
    const K = c.a[c.a.length - 1];
    const ga = toGpu(a);
    const gb = toGpu(b);
    for (const profile of PROFILES) {
      await withProfile(profile, async () => {
        const out = matmul(ga, gb);
        const what = `${profile}: [${c.a}] x [${c.b}]`;
        assert.equal([...out.shape], want.shape, `${what}: shape`);
        assertProduct(await out.data(), want, absWant, K, what);
        out.dispose();
      });
    }
    ga.dispose();
    gb.dispose();
  }
});

test('matmul 1024^3: 300 sampled entries (edges and corners included) against float64 dot products', async () => {
  const n = 1024;
  const a = randHost([n, n], 7);
  const b = randHost([n, n], 8);
  const ga = toGpu(a);
  const gb = toGpu(b);
  const rng = new Rng(5);
  const samples: [number, number][] = [[0, 0], [0, n - 1], [n - 1, 0], [n - 1, n - 1], [n - 1, 511], [511, n - 1]];
  while (samples.length < 300) samples.push([rng.integer(0, n - 1), rng.integer(0, n - 1)]);
  for (const profile of PROFILES) {
    await withProfile(profile, async () => {
      const out = matmul(ga, gb);
      const got = await out.data();
      for (const [m, j] of samples) {
        let dot = 0;
        let absDot = 0;
        for (let k = 0; k < n; k++) {
          const p = a.data[m * n + k] * b.data[k * n + j];
          dot += p;
          absDot += Math.abs(p);
        }
        const err = Math.abs(got[m * n + j] - dot);
        assert.ok(err <= gamma(n) * absDot, `${profile}: C[${m}, ${j}] = ${got[m * n + j]}, want ${dot} (|err| ${err})`);
      }
      // Not a single zero left behind by a skipped block (a random entry is 0 with negligible odds).
      assert.is(got.findIndex((v) => v === 0 || !Number.isFinite(v)), -1, `${profile}: a zero or non-finite entry`);
      out.dispose();
    });
  }
  ga.dispose();
  gb.dispose();
});

test('grad: matmul, batched and batch-broadcast, both variants, against finite differences', async () => {
  const cases: Case[] = [
    { a: [1, 1], b: [1, 1] },
    { a: [5, 7], b: [7, 3] },
    { a: [2, 3, 4], b: [2, 4, 5] },
    { a: [2, 3, 4], b: [4, 5] },
    { a: [3, 4], b: [2, 4, 5] },
  ];
  for (const profile of PROFILES) {
    await withProfile(profile, async () => {
      for (const [k, c] of cases.entries()) {
        await checkGradients({
          name: `${profile} matmul [${c.a}] x [${c.b}]`,
          gpu: ([x, y]) => matmul(x, y),
          cpu: ([x, y]) => cpuMatmul(x, y),
          inputs: [randHost(c.a, 200 + k), randHost(c.b, 300 + k)],
        });
        await checkGradients({
          name: `${profile} matmul [${c.a}] x [${c.b}], B constant`,
          gpu: ([x, y]) => matmul(x, y),
          cpu: ([x, y]) => cpuMatmul(x, y),
          inputs: [randHost(c.a, 200 + k), randHost(c.b, 300 + k)],
          requiresGrad: [true, false],
        });
      }
    });
  }
});

test('grad: matmul 17x33x65 against the closed form dA = G B^T, dB = A^T G in float64', async () => {
  const a = randHost([17, 33], 400);
  const b = randHost([33, 65], 401);
  const g = randHost([17, 65], 402);
  const wantA = cpuMatmul(g, cpuPermute(b, [1, 0]));
  const wantB = cpuMatmul(cpuPermute(a, [1, 0]), g);
  const absA = cpuMatmul(cpuUnary(g, Math.abs), cpuUnary(cpuPermute(b, [1, 0]), Math.abs));
  const absB = cpuMatmul(cpuUnary(cpuPermute(a, [1, 0]), Math.abs), cpuUnary(g, Math.abs));
  for (const profile of PROFILES) {
    await withProfile(profile, async () => {
      const ga = toGpu(a).setRequiresGrad();
      const gb = toGpu(b).setRequiresGrad();
      const gg = toGpu(g);
      const out: Tensor = matmul(ga, gb);
      out.backward(gg);
      assertProduct(await ga.grad!.data(), wantA, absA, 65, `${profile} dA`);
      assertProduct(await gb.grad!.data(), wantB, absB, 17, `${profile} dB`);
      for (const t of [ga.grad!, gb.grad!, ga, gb, gg, out]) t.dispose();
    });
  }
});

test.run();
