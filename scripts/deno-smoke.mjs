// Deno smoke test: the built core library (dist/index.js, no Node imports) on Deno's own WebGPU
// (wgpu). Runs the self-check (a matmul and a gradient against host computations) plus a batched
// matmul with backward, and prints one JSON line. Run by test/engine/deno.test.ts:
//   deno run --unstable-webgpu --allow-read --allow-env scripts/deno-smoke.mjs
import { initWithGpu, matmul, mean, selfCheck, tensor } from '../dist/index.js';

const gpu = globalThis.navigator?.gpu;
if (!gpu) {
  console.log(JSON.stringify({ ok: false, error: 'navigator.gpu is missing in this Deno' }));
  Deno.exit(1);
}
const rt = await initWithGpu(gpu);
const check = await selfCheck(rt);
// d mean(A.B) / dA = 1/(M N) * row sums of B, for each row of A.
const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], rt).setRequiresGrad();
const bValues = [1, 0, 2, 0, 1, 3, 1, 1, 1, 2, 2, 2];
const b = tensor(bValues, [3, 4], rt);
mean(matmul(a, b)).backward();
const grad = Array.from(await a.grad.data());
const rowSums = [0, 1, 2].map((k) => bValues.slice(k * 4, k * 4 + 4).reduce((s, v) => s + v, 0));
const gradOk = grad.every((g, i) => Math.abs(g - rowSums[i % 3] / 8) < 1e-6);
console.log(
  JSON.stringify({
    ok: check.ok && gradOk,
    adapter: rt.adapterInfo.description || rt.adapterInfo.device || rt.adapterInfo.vendor,
    matmulMaxError: check.matmulMaxError,
    gradientMaxError: check.gradientMaxError,
    grad,
  }),
);
Deno.exit(check.ok && gradOk ? 0 : 1);
