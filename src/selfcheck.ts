// A quick end-to-end check of a runtime: a matmul against a host computation and a gradient
// against its closed form. `mednas info` runs it; it proves the adapter computes correctly.
import type { Runtime } from './gpu/runtime.ts';
import { matmul, mul, sum } from './ops/index.ts';
import { tensor } from './tensor/create.ts';
import { tidy } from './tensor/scope.ts';

export interface SelfCheckResult {
  ok: boolean;
  matmulMaxError: number;
  gradientMaxError: number;
  elapsedMs: number;
}

export async function selfCheck(rt: Runtime): Promise<SelfCheckResult> {
  const start = performance.now();
  const M = 33, K = 17, N = 9;
  const av = Array.from({ length: M * K }, (_, i) => Math.sin(i));
  const bv = Array.from({ length: K * N }, (_, i) => Math.cos(i));
  const a = tensor(av, [M, K], rt).setRequiresGrad();
  const b = tensor(bv, [K, N], rt);
  // loss = sum((A.B) * (A.B)) / 2, so dloss/dA = (A.B) . B^T
  const [product, loss] = tidy(() => {
    const p = matmul(a, b);
    return [p, sum(mul(p, p))];
  });
  loss.backward();
  const got = await product.data();
  const grad = await a.grad!.data();
  let matmulMaxError = 0;
  const expected = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += av[m * K + k] * bv[k * N + n];
      expected[m * N + n] = s;
      matmulMaxError = Math.max(matmulMaxError, Math.abs(s - got[m * N + n]));
    }
  }
  let gradientMaxError = 0;
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += 2 * expected[m * N + n] * bv[k * N + n];
      gradientMaxError = Math.max(gradientMaxError, Math.abs(s - grad[m * K + k]));
    }
  }
  for (const t of [a, b, product, loss]) t.dispose();
  a.grad?.dispose();
  return {
    ok: matmulMaxError < 1e-4 && gradientMaxError < 1e-3,
    matmulMaxError,
    gradientMaxError,
    elapsedMs: performance.now() - start,
  };
}
