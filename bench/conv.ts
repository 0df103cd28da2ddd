// Convolution benchmarks (issue 3), N = 64: the search space's conv shapes, forward and
// forward+backward (gradients to input and weight). GFLOP/s counts 2 flops per multiply-add of the
// convolution sum (forward), three times that for forward+backward (input and weight gradients).
// Peers on the same kind of machine (PERF-NOTES.md): TF.js WebGPU conv3x3 C32 28x28 229 / 1588 ms,
// depthwise 3x3 13 / 147 ms; PyTorch CPU 4.7 / 14.8 and 0.6 / 2.5 ms.
// The `.gpu-profile.` cases run with the kernel policy's profile set to 'gpu' (the tiled implicit-GEMM kernels) whatever
// the adapter. On a real GPU that is the adapter's own choice; on a CPU adapter (lavapipe) they are
// several times slower than the default cases, as matmul_tiled is there: expected, and their JSON
// line says so (`note`), so that nobody reads them as a regression.
import { loadavg } from 'node:os';
import { initNode } from '../src/node/index.ts';
import type { Runtime } from '../src/gpu/runtime.ts';
import { conv2d, type Conv2dOptions } from '../src/ops/conv.ts';
import { randUniform } from '../src/tensor/create.ts';
import { Rng } from '../src/util/rng.ts';
import { median, timeRuns, type BenchCase } from './util.ts';

let runtime: Promise<Runtime> | null = null;
const rtOnce = (): Promise<Runtime> => (runtime ??= initNode());

const N = 64;

/** k: a square filter's size, or [height, width] (dual_conv's 1x7 and 7x1). */
function convCase(
  name: string, C: number, HW: number, K: number, k: number | readonly [number, number], opt: Conv2dOptions, backward: boolean,
  profile: 'gpu' | null = null,
): BenchCase {
  const groups = opt.groups ?? 1;
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  return {
    name: `conv.${name}${profile ? `.${profile}-profile` : ''}.${backward ? 'fwdbwd' : 'fwd'}`,
    async run() {
      const rt = await rtOnce();
      if (profile) return rt.withPolicy({ profile }, () => measure(rt));
      return measure(rt);
    },
  };

  async function measure(rt: Runtime): Promise<Record<string, number | string>> {
    const rng = new Rng(7);
    const x = randUniform([N, C, HW, HW], rng, -1, 1, rt).setRequiresGrad(backward);
    const w = randUniform([K, C / groups, kh, kw], rng, -0.5, 0.5, rt).setRequiresGrad(backward);
    let outShape: readonly number[] = [];
    try {
      const once = async () => {
        const y = conv2d(x, w, null, opt);
        outShape = y.shape;
        if (backward) {
          const dy = randUniformLike(y.shape, rt);
          y.backward(dy);
          dy.dispose();
          x.grad?.dispose();
          w.grad?.dispose();
          x.grad = null;
          w.grad = null;
        }
        y.dispose();
        await rt.sync();
      };
      // Short cases get more runs (about 1.5 s in all, 7 to 41): their medians are the noisiest.
      const [first] = await timeRuns(once, 1, 2);
      const times = await timeRuns(once, Math.min(41, Math.max(7, Math.ceil(1500 / first))), 0);
      const ms = median(times);
      const macs = outShape.reduce((a, d) => a * d, 1) * (C / groups) * kh * kw;
      const flops = 2 * macs * (backward ? 3 : 1);
      // Other processes may share the CPU adapter's cores: the load average says how much.
      const figures = { median_ms: ms, gflops: flops / (ms * 1e6), min_ms: Math.min(...times), load1: loadavg()[0] };
      if (!profile) return figures;
      const note = rt.adapterInfo.isCpu
        ? 'tiled GPU kernels forced on a CPU adapter: slow here by design, not the figure to compare'
        : 'tiled GPU kernels (the adapter default), untuned tile sizes';
      return { ...figures, kernel_profile: profile, note };
    } finally {
      x.dispose();
      w.dispose();
    }
  }
}

// One fixed upstream gradient per shape, made once (its upload is not what is being timed).
const dyCache = new Map<string, ReturnType<typeof randUniform>>();
function randUniformLike(shape: readonly number[], rt: Runtime) {
  const key = shape.join('x');
  let t = dyCache.get(key);
  if (!t) {
    t = randUniform(shape, new Rng(3), -1, 1, rt);
    dyCache.set(key, t);
  }
  return t.alias();
}

const shapes: [string, number, number, number, number | readonly [number, number], Conv2dOptions][] = [
  ['conv3x3.c32.28', 32, 28, 32, 3, { padding: 1 }],
  ['conv3x3.c64.14', 64, 14, 64, 3, { padding: 1 }],
  ['dw3x3.c32.28', 32, 28, 32, 3, { padding: 1, groups: 32 }],
  ['dw5x5.c32.28', 32, 28, 32, 5, { padding: 2, groups: 32 }],
  ['dw3x3.d2.c32.28', 32, 28, 32, 3, { padding: 2, dilation: 2, groups: 32 }],
  ['pw1x1.c128.28', 128, 28, 128, 1, {}],
  // dual_conv_7x7's two full convolutions in the paper network's second block at C = 16.
  ['conv1x7.c32.14', 32, 14, 32, [1, 7], { padding: [0, 0, 3, 3] }],
  ['conv7x1.c32.14', 32, 14, 32, [7, 1], { padding: [3, 3, 0, 0] }],
];

export const cases: BenchCase[] = [
  ...shapes.flatMap(([name, C, HW, K, k, opt]) => [
    convCase(name, C, HW, K, k, opt, false),
    convCase(name, C, HW, K, k, opt, true),
  ]),
  // The general path on the 'gpu' profile: one shape (about 20 s in all on 2-core lavapipe, 0.5 / 1.5 s a run).
  convCase('conv3x3.c32.28', 32, 28, 32, 3, { padding: 1 }, false, 'gpu'),
  convCase('conv3x3.c32.28', 32, 28, 32, 3, { padding: 1 }, true, 'gpu'),
];
