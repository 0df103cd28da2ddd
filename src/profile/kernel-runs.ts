// How each built-in kernel kind (kernel-work.ts) runs: its inputs (seeded random tensors of the
// shape) and the public op it calls. The ops choose their kernels as they do in a real run, so the
// profile shows the kernels this adapter's policy picks.
import type { Runtime } from '../gpu/runtime.ts';
import { conv2d } from '../ops/conv.ts';
import { add, meanOf, mul, relu, sigmoid, zeros } from '../ops/elementwise.ts';
import { linear } from '../ops/linear.ts';
import { bceWithLogits, crossEntropy, softmax } from '../ops/loss.ts';
import { matmul } from '../ops/matmul.ts';
import { batchNorm2d } from '../ops/norm.ts';
import { avgPool2d, globalAvgPool2d, maxPool2d, maxPool2dAt, maxPool2dWithArgmax } from '../ops/pool.ts';
import { sum } from '../ops/reduce.ts';
import { concat, transpose } from '../ops/shape.ts';
import { randUniform, tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { clipGradNorm } from '../train/clip.ts';
import { Sgd } from '../train/sgd.ts';
import { Rng } from '../util/rng.ts';
import type { KernelShape } from './kernel-work.ts';

export interface KernelRun {
  /** Records the op (with the tape on) and returns its output; null for ops without one (sgd). */
  forward(): Tensor | null;
  /** The inputs whose gradients backward computes (cleared between repeats). */
  readonly inputs: readonly Tensor[];
  dispose(): void;
}

type Build = (rt: Runtime, s: KernelShape, rng: Rng) => KernelRun;

function run(inputs: Tensor[], forward: () => Tensor | null, extra: { dispose(): void }[] = []): KernelRun {
  return {
    forward,
    inputs: inputs.filter((t) => t.requiresGrad),
    dispose() {
      for (const t of inputs) {
        t.grad?.dispose();
        t.dispose();
      }
      for (const e of extra) e.dispose();
    },
  };
}

const input = (rt: Runtime, rng: Rng, shape: number[], grad = true): Tensor => {
  const t = randUniform(shape, rng, -1, 1, rt);
  return grad ? t.setRequiresGrad() : t;
};

const convBuild = (weightShape: (s: KernelShape) => number[], options: (s: KernelShape) => Parameters<typeof conv2d>[3]): Build => (rt, s, rng) => {
  const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
  const w = input(rt, rng, weightShape(s));
  const b = s.bias ? input(rt, rng, [weightShape(s)[0]]) : null;
  return run(b ? [x, w, b] : [x, w], () => conv2d(x, w, b, options(s)));
};

const poolWindow = (s: KernelShape): [number, number] => [s.kh, s.kw];

const BUILDS: Record<string, Build> = {
  matmul: (rt, s, rng) => {
    const lead = s.batch > 1 ? [s.batch] : [];
    const a = input(rt, rng, [...lead, s.m, s.k]);
    const b = input(rt, rng, [...lead, s.k, s.n]);
    return run([a, b], () => matmul(a, b));
  },
  linear: (rt, s, rng) => {
    const x = input(rt, rng, [s.batch, s.in]);
    const w = input(rt, rng, [s.out, s.in]);
    const b = input(rt, rng, [s.out]);
    return run([x, w, b], () => linear(x, w, b));
  },
  conv2d: convBuild(
    (s) => [s.k, s.c / s.groups, s.kh, s.kw],
    (s) => ({ stride: s.stride, padding: s.pad, dilation: s.dil, groups: s.groups }),
  ),
  depthwise: convBuild(
    (s) => [s.c, 1, s.kh, s.kw],
    (s) => ({ stride: s.stride, padding: s.pad, dilation: s.dil, groups: s.c }),
  ),
  pointwise: convBuild((s) => [s.k, s.c, 1, 1], () => ({})),
  max_pool: (rt, s, rng) => {
    const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
    return run([x], () => maxPool2d(x, poolWindow(s), { stride: s.stride, padding: s.pad }));
  },
  max_pool_at: (rt, s, rng) => {
    const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
    // The positions an earlier pool of another input chose (grasp replays its base point's).
    const base = input(rt, rng, [s.n, s.c, s.h, s.w], false);
    const { out, argmax } = noGrad(() => maxPool2dWithArgmax(base, poolWindow(s), { stride: s.stride, padding: s.pad }));
    out.dispose();
    base.dispose();
    return run([x, argmax], () => maxPool2dAt(x, argmax, poolWindow(s), { stride: s.stride, padding: s.pad }));
  },
  avg_pool: (rt, s, rng) => {
    const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
    return run([x], () => avgPool2d(x, poolWindow(s), { stride: s.stride, padding: s.pad }));
  },
  global_avg_pool: (rt, s, rng) => {
    const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
    return run([x], () => globalAvgPool2d(x));
  },
  batch_norm: (rt, s, rng) => {
    const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
    // eval: frozen parameters, as jacob_cov's copy (the one-pass backward).
    const weight = input(rt, rng, [s.c], !s.eval);
    const bias = input(rt, rng, [s.c], !s.eval);
    const runningMean = tensor(new Float32Array(s.c), [s.c], rt);
    const runningVar = tensor(new Float32Array(s.c).fill(1), [s.c], rt);
    return run([x, weight, bias, runningMean, runningVar], () => batchNorm2d(x, runningMean, runningVar, weight, bias, { training: !s.eval }));
  },
  relu: (rt, s, rng) => {
    const x = input(rt, rng, [s.n]);
    return run([x], () => relu(x));
  },
  sigmoid: (rt, s, rng) => {
    const x = input(rt, rng, [s.n]);
    return run([x], () => sigmoid(x));
  },
  add: (rt, s, rng) => {
    const a = input(rt, rng, [s.n, s.c, s.h, s.w]);
    const b = input(rt, rng, s.broadcast ? [1, s.c, 1, 1] : [s.n, s.c, s.h, s.w]);
    return run([a, b], () => add(a, b));
  },
  mul: (rt, s, rng) => {
    const a = input(rt, rng, [s.n]);
    const b = input(rt, rng, [s.n]);
    return run([a, b], () => mul(a, b));
  },
  mean_of: (rt, s, rng) => {
    const parts = Array.from({ length: s.parts }, () => input(rt, rng, [s.n, s.c, s.h, s.w]));
    return run(parts, () => meanOf(parts));
  },
  sum: (rt, s, rng) => {
    const x = input(rt, rng, [s.n, s.c, s.h, s.w]);
    return run([x], () => sum(x, [0, 2, 3]));
  },
  transpose: (rt, s, rng) => {
    const x = input(rt, rng, [s.rows, s.cols]);
    return run([x], () => transpose(x));
  },
  concat: (rt, s, rng) => {
    const parts = Array.from({ length: s.parts }, () => input(rt, rng, [s.n, s.c, s.h, s.w]));
    return run(parts, () => concat(parts, 1));
  },
  softmax: (rt, s, rng) => {
    const x = input(rt, rng, [s.rows, s.classes]);
    return run([x], () => softmax(x));
  },
  cross_entropy: (rt, s, rng) => {
    const logits = input(rt, rng, [s.batch, s.classes]);
    const labels = Int32Array.from({ length: s.batch }, () => rng.integer(0, s.classes - 1));
    return run([logits], () => crossEntropy(logits, labels));
  },
  bce: (rt, s, rng) => {
    const logits = input(rt, rng, [s.batch, s.classes]);
    const targets = tensor(Float32Array.from({ length: s.batch * s.classes }, () => (rng.uniform() < 0.5 ? 0 : 1)), [s.batch, s.classes], rt);
    return run([logits, targets], () => bceWithLogits(logits, targets));
  },
  sgd: (rt, s, rng) => {
    const p = input(rt, rng, [s.n]);
    p.grad = input(rt, rng, [s.n], false);
    const sgd = new Sgd([p], { lr: 0.01, momentum: s.momentum ? 0.9 : 0 });
    return run([p], () => {
      if (!s.clip) {
        sgd.step();
        return null;
      }
      // A max norm of half the gradient's expected norm, so the scale is < 1 and really applied.
      const scale = clipGradNorm([p], 0.5 * Math.sqrt(s.n / 3));
      sgd.step({ gradScale: scale });
      scale.dispose();
      return null;
    }, [sgd]);
  },
  fill: (rt, s) => run([], () => zeros([s.n], rt)),
};

/** The inputs and op of kind `name` at shape `s`, on `rt`. */
export function buildKernelRun(rt: Runtime, name: string, s: KernelShape, seed = 0): KernelRun {
  const build = BUILDS[name];
  if (!build) throw new Error(`kernel-runs: no run for kind '${name}' (kernel-work.ts and kernel-runs.ts list the same kinds)`);
  return build(rt, s, new Rng(seed));
}

/** The kinds that have a run (a test checks that they are exactly the kinds of kernel-work.ts). */
export const RUN_KINDS: readonly string[] = Object.keys(BUILDS);
