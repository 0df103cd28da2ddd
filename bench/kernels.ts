// Pooling and BatchNorm benchmarks (issue 3) at the search space's largest cell shape: N=64, C=32,
// 28x28. Forward and forward+backward; each timed run records the ops, then waits for the GPU
// (rt.sync()). gbps counts the bytes each kernel must read and write at least once (inputs, outputs,
// saved indices), divided by the time. Peers on this device (PERF-NOTES): TF.js WebGPU max pool 3x3
// s1 fwd 43 ms, BN train fwd / fwd+bwd 98 / 448 ms.
import { initNode } from '../src/node/index.ts';
import type { Runtime } from '../src/gpu/runtime.ts';
import { avgPool2d, batchNorm2d, maxPool2d } from '../src/ops/index.ts';
import { randUniform, tensor } from '../src/tensor/create.ts';
import { tidy } from '../src/tensor/scope.ts';
import type { Tensor } from '../src/tensor/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import { median, timeRuns, type BenchCase } from './util.ts';

let runtime: Promise<Runtime> | null = null;
const rtOnce = (): Promise<Runtime> => (runtime ??= initNode());
const [N, C, H] = [64, 32, 28];
const REPEATS = 15;

/** Times `step` (forward, or forward + backward from a random output gradient). */
async function timeOp(op: (x: Tensor) => Tensor, backward: boolean, params: Tensor[] = []): Promise<number> {
  const rt = await rtOnce();
  const rng = new Rng(3);
  const x = randUniform([N, C, H, H], rng, -1, 1, rt).setRequiresGrad(backward);
  const outShape = tidy(() => op(x).shape);
  const grad = randUniform(outShape, rng, -1, 1, rt);
  const times = await timeRuns(async () => {
    tidy(() => {
      const y = op(x);
      if (backward) y.backward(grad);
    });
    for (const t of [x, ...params]) {
      t.grad?.dispose();
      t.grad = null;
    }
    await rt.sync();
  }, REPEATS);
  x.dispose();
  grad.dispose();
  return median(times);
}

function poolCase(kind: 'max' | 'avg', k: number, stride: number, backward: boolean, padding = 0): BenchCase {
  return {
    name: `kernels.pool.${kind}${k}x${k}.s${stride}${padding ? `.p${padding}` : ''}.${backward ? 'fwdbwd' : 'fwd'}`,
    async run() {
      const op = (x: Tensor) => (kind === 'max' ? maxPool2d(x, k, { stride, padding }) : avgPool2d(x, k, { stride, padding }));
      const ms = await timeOp(op, backward);
      const inBytes = N * C * H * H * 4;
      const Ho = Math.floor((H + 2 * padding - k) / stride) + 1;
      const outBytes = N * C * Ho * Ho * 4;
      // fwd: read x, write y (+ argmax for max with grad); bwd: read dy (+ argmax), write dx.
      const argmaxBytes = kind === 'max' && backward ? outBytes : 0;
      const bytes = inBytes + outBytes + argmaxBytes + (backward ? outBytes + argmaxBytes + inBytes : 0);
      return { median_ms: ms, gbps: bytes / (ms * 1e6) };
    },
  };
}

/**
 * BatchNorm in training mode, or in eval mode with frozen parameters (jacob_cov's copy: one pass
 * each way, the input gradient only).
 */
function bnCase(backward: boolean, mode: 'train' | 'eval' = 'train'): BenchCase {
  const training = mode === 'train';
  return {
    name: `kernels.batchnorm.${mode}.c${C}.${H}x${H}.${backward ? 'fwdbwd' : 'fwd'}`,
    async run() {
      const rt = await rtOnce();
      const weight = tensor(new Float32Array(C).fill(1), [C], rt).setRequiresGrad(backward && training);
      const bias = tensor(new Float32Array(C), [C], rt).setRequiresGrad(backward && training);
      const rm = tensor(new Float32Array(C), [C], rt);
      const rv = tensor(new Float32Array(C).fill(1), [C], rt);
      try {
        const ms = await timeOp((x) => batchNorm2d(x, rm, rv, weight, bias, { training }), backward, training ? [weight, bias] : []);
        const size = N * C * H * H * 4;
        // train fwd: read x twice (statistics, normalisation), write y; bwd: read dy and x twice, write
        // dx. eval: read x (dy), write y (dx).
        const bytes = training ? 3 * size + (backward ? 5 * size : 0) : 2 * size * (backward ? 2 : 1);
        return { median_ms: ms, gbps: bytes / (ms * 1e6) };
      } finally {
        for (const t of [weight, bias, rm, rv]) {
          t.grad?.dispose();
          t.dispose();
        }
      }
    },
  };
}

export const cases: BenchCase[] = [
  ...(['max', 'avg'] as const).flatMap((kind) =>
    [2, 3, 4].flatMap((k) => [poolCase(kind, k, 2, false), poolCase(kind, k, 2, true)]),
  ),
  // TF.js WebGPU's published figure on this device is max pool 3x3 stride 1: compare like with like.
  poolCase('max', 3, 1, false, 1),
  poolCase('max', 3, 1, true, 1),
  bnCase(false),
  bnCase(true),
  bnCase(false, 'eval'),
  bnCase(true, 'eval'),
];
