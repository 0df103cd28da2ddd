// Every matmul kernel (subgroup, rows, tiled) on shapes that are not multiples of any tile: each one
// is forced in turn through the runtime's kernel policy (Runtime.withPolicy), and compared with a
// float64 CPU product. Tolerance: |error| <= 1e-5 * (1 + sum_k |a_ik * b_kj|), the bound for K-term
// f32 accumulation with unit-scale inputs (relative rounding 6e-8 per step, K <= 257 here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MatmulKernel } from '../../src/gpu/policy.ts';
import { chooseMatmulKernel, matmul, matmulInto, rowMajor, transposed } from '../../src/ops/matmul.ts';
import { sum } from '../../src/ops/reduce.ts';
import { tensor } from '../../src/tensor/create.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

function cpuMatmul(a: Float32Array, b: Float32Array, M: number, K: number, N: number) {
  const out = new Float64Array(M * N);
  const bound = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const av = a[i * K + k];
      for (let j = 0; j < N; j++) {
        out[i * N + j] += av * b[k * N + j];
        bound[i * N + j] += Math.abs(av * b[k * N + j]);
      }
    }
  }
  return { out, bound };
}

function assertClose(got: Float32Array, want: Float64Array, bound: Float64Array, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-5 * (1 + bound[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      assert.unreachable(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (tolerance ${tol})`);
    }
  }
}

/**
 * Runs `fn` with `kernel` doing the products: the vec4 subgroup kernel is reached through the
 * runtime's normal choice (it needs row-major B with N % 4 == 0), the others are forced.
 */
function withKernel(kernel: MatmulKernel, fn: () => Promise<void>): Promise<void> {
  return rt.withPolicy({ profile: 'cpu', forceMatmul: kernel === 'subgroup' || kernel === 'bt-subgroup' ? null : kernel }, fn);
}

const lanes = rt.policy.subgroupLanes;
const kernels: MatmulKernel[] = lanes >= 8 ? ['subgroup', 'strided-subgroup', 'rows', 'tiled'] : ['rows', 'tiled'];
if (lanes < 8) console.log('  (no subgroups of 8+ lanes on this adapter: the subgroup kernel is not tested)');

// [M, K, N]: ones, tails of every tile (12 rows, 8 k, 4 and 64x4 columns, 64x64 tiles).
const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 1, 4], [17, 33, 65], [13, 29, 36], [12, 8, 256], [65, 257, 132], [129, 7, 260],
];

for (const kernel of kernels) {
  test(`matmul ${kernel}: forward on odd shapes`, async () => {
    await withKernel(kernel, async () => {
      for (const [M, K, N] of shapes) {
        const av = randomArray(M * K, M * 31 + K);
        const bv = randomArray(K * N, N * 17 + K);
        const a = tensor(av, [M, K], rt);
        const b = tensor(bv, [K, N], rt);
        // The vec4 kernel needs N % 4 == 0; the chooser falls back to the strided one.
        const expected = kernel === 'subgroup' && N % 4 !== 0 ? 'strided-subgroup' : kernel;
        assert.is(chooseMatmulKernel(rt, rowMajor(b, K, N, false), N), expected, `kernel for ${M}x${K}x${N}`);
        const c = matmul(a, b);
        const { out, bound } = cpuMatmul(av, bv, M, K, N);
        assertClose(await c.data(), out, bound, `${kernel} ${M}x${K}x${N}`);
        for (const t of [a, b, c]) t.dispose();
      }
    });
  });

  test(`matmul ${kernel}: batched, batch-broadcast and backward`, async () => {
    await withKernel(kernel, async () => {
      const [B, M, K, N] = [3, 14, 19, 12];
      const av = randomArray(B * M * K, 5);
      const bv = randomArray(K * N, 6);
      const a = tensor(av, [B, M, K], rt).setRequiresGrad();
      const b = tensor(bv, [K, N], rt).setRequiresGrad();
      const c = matmul(a, b); // [B, M, N], b broadcast over the batch
      const got = await c.data();
      for (let i = 0; i < B; i++) {
        const { out, bound } = cpuMatmul(av.subarray(i * M * K, (i + 1) * M * K), bv, M, K, N);
        assertClose(got.subarray(i * M * N, (i + 1) * M * N), out, bound, `${kernel} batch ${i}`);
      }
      // loss = sum(C): dA[b,i,k] = sum_j B[k,j]; dB[k,j] = sum_{b,i} A[b,i,k].
      sum(c).backward();
      const ga = await a.grad!.data();
      const gb = await b.grad!.data();
      for (let bi = 0; bi < B; bi++) {
        for (let i = 0; i < M; i++) {
          for (let k = 0; k < K; k++) {
            let s = 0;
            for (let j = 0; j < N; j++) s += bv[k * N + j];
            assert.ok(Math.abs(ga[(bi * M + i) * K + k] - s) <= 1e-5 * (1 + N), `${kernel} dA`);
          }
        }
      }
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let bi = 0; bi < B; bi++) for (let i = 0; i < M; i++) s += av[(bi * M + i) * K + k];
        for (let j = 0; j < N; j++) assert.ok(Math.abs(gb[k * N + j] - s) <= 1e-5 * (1 + B * M), `${kernel} dB`);
      }
      for (const t of [a, b, c, a.grad!, b.grad!]) t.dispose();
    });
  });
}

test('kernel choice: vec4 subgroup for row-major B, bt for transposed B, strided otherwise', async () => {
  if (lanes < 8) return;
  const b = tensor(new Float32Array(12 * 20), [12, 20], rt);
  rt.withPolicy({ profile: 'cpu' }, () => {
    assert.is(chooseMatmulKernel(rt, rowMajor(b, 12, 20, false), 20), 'subgroup');
    assert.is(chooseMatmulKernel(rt, transposed(b, 20, 12, false), 12), 'bt-subgroup');
    assert.is(chooseMatmulKernel(rt, transposed(b, 10, 24, false), 24), 'strided-subgroup'); // stride 10
  });
  rt.withPolicy({ profile: 'gpu' }, () => assert.is(chooseMatmulKernel(rt, rowMajor(b, 12, 20, false), 20), 'tiled'));
  b.dispose();
});

test('a policy override lasts for its call only, also when the call throws or is async', async () => {
  const before = rt.policy;
  const inner = rt.withPolicy({ profile: 'gpu', forceMatmul: 'rows' }, () => rt.policy);
  assert.equal([inner.profile, inner.forceMatmul], ['gpu', 'rows']);
  assert.is(rt.policy, before);
  assert.throws(() => rt.withPolicy({ subgroupLanes: 0 }, () => {
    throw new Error('inside');
  }), /inside/);
  assert.is(rt.policy, before);
  let during = -1;
  const pending = rt.withPolicy({ subgroupLanes: 0 }, async () => {
    await Promise.resolve();
    during = rt.policy.subgroupLanes;
  });
  assert.is(rt.policy.subgroupLanes, 0, 'in force until the promise settles');
  await pending;
  assert.is(during, 0);
  assert.is(rt.policy, before);
  const failed = await rt.withPolicy({ subgroupLanes: 0 }, async () => {
    await Promise.resolve();
    throw new Error('later');
  }).catch((e: Error) => e.message);
  assert.is(failed, 'later');
  assert.is(rt.policy, before);
});

test('matmul with B given transposed (1x1-conv weight gradient): bt-subgroup and strided agree with the CPU', async () => {
  // C[z] = A[z] (M x K) . B[z] (K x N) with B stored [N, K] per batch entry.
  // [Z, M, K, N]; from 32 columns on, the strided kernel takes transposed B too (see kernel-choice.ts).
  const cases: [number, number, number, number][] = [[1, 16, 784, 16], [3, 13, 196, 21], [2, 9, 36, 5], [2, 32, 49, 8], [2, 12, 64, 40]];
  for (const subgroupLanes of lanes >= 8 ? [lanes, 0] : [0]) {
    await rt.withPolicy({ profile: 'cpu', subgroupLanes }, async () => {
      for (const [Z, M, K, N] of cases) {
        const av = randomArray(Z * M * K, M + K);
        const btv = randomArray(Z * N * K, N + 3 * K); // [Z, N, K]
        const a = tensor(av, [Z, M, K], rt);
        const bt = tensor(btv, [Z, N, K], rt);
        const layout = transposed(bt, K, N, true);
        const want = subgroupLanes < 8 ? 'rows' : K % 4 === 0 && N < 32 ? 'bt-subgroup' : 'strided-subgroup';
        assert.is(chooseMatmulKernel(rt, layout, N), want, `kernel for ${Z}x${M}x${K}x${N}, lanes ${subgroupLanes}`);
        const c = matmulInto(rt, rowMajor(a, M, K, true), layout, M, N, K, Z, [Z, M, N]);
        const got = await c.data();
        for (let z = 0; z < Z; z++) {
          const b = new Float32Array(K * N);
          for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) b[k * N + n] = btv[z * N * K + n * K + k];
          const { out, bound } = cpuMatmul(av.subarray(z * M * K, (z + 1) * M * K), b, M, K, N);
          assertClose(got.subarray(z * M * N, (z + 1) * M * N), out, bound, `${want} ${Z}x${M}x${K}x${N} batch ${z}`);
        }
        for (const t of [a, bt, c]) t.dispose();
      }
    });
  }
});

test.run();
