// The built-in kernel kinds that `mednas profile --kernel` times: each kind's shape (named keys with
// defaults and a tiny preset) and, in one table, the work and bytes of its forward and backward
// passes, from which the profiler reports GFLOP/s and GB/s.
//
// How work and bytes are counted (docs/profile.md):
//   FLOPs: the arithmetic of the op's definition; a multiply-add is 2 (so a convolution is
//          2 x its MACs), a comparison, exp or log 1. Backward counts the gradients it computes
//          (a convolution's input and weight gradients: 2 x 2 x MACs).
//   bytes: the traffic the op cannot avoid: every tensor it needs read once, every result written
//          once, 4 bytes per f32. Re-reads, saved intermediates and partial sums of a particular
//          kernel are not counted, so GB/s is an effective figure: real traffic is at least this.
// Forward runs with the tape on (a training forward): max pooling then also writes its argmax.
import { KernelCaseError } from './errors.ts';

export interface Work {
  readonly flops: number;
  readonly bytes: number;
}

export interface ShapeKey {
  readonly name: string;
  readonly summary: string;
  /** The default, possibly from the other values (padding from the window). */
  readonly default: number | ((shape: Readonly<Record<string, number>>) => number);
  /** The value in the `tiny` preset (tests, quick checks); the default when absent. */
  readonly tiny?: number;
  readonly min: number;
  readonly max: number;
}

export type KernelShape = Readonly<Record<string, number>>;

export interface KernelKind {
  readonly name: string;
  readonly summary: string;
  readonly keys: readonly ShapeKey[];
  /** The formulas below in words, for `--kernel list` and the docs. */
  readonly formula: string;
  readonly forward: (s: KernelShape) => Work;
  /** Absent: the op has no gradient (fill, the optimiser step). */
  readonly backward?: (s: KernelShape) => Work;
  /** KernelShape checks beyond each key's range (output size, divisibility); a message or null. */
  readonly check?: (s: KernelShape) => string | null;
}

const MAX_DIM = 1 << 24;
const key = (name: string, summary: string, def: ShapeKey['default'], tiny?: number, min = 1, max = MAX_DIM): ShapeKey => ({
  name, summary, default: def, tiny, min, max,
});
const B = 4; // bytes per f32

// Shared key sets.
const nchw = (n: number, c: number, hw: number): ShapeKey[] => [
  key('n', 'batch', n, 2),
  key('c', 'channels', c, 4),
  key('h', 'height', hw, 8),
  key('w', 'width', (s) => s.h),
];
const elements = (def: number): ShapeKey[] => [key('n', 'elements', def, 1024)];
const windowKeys = (): ShapeKey[] => [
  key('kh', 'window height', 3),
  key('kw', 'window width', (s) => s.kh),
  key('stride', 'stride (both directions)', 1),
  key('pad', 'zero padding on each side (default: half the window, keeping the size at stride 1)', (s) => Math.floor(s.kh / 2), undefined, 0, 1 << 12),
];

/** Output size of a window over `size` (PyTorch's floor rule). */
export const outSize = (size: number, k: number, stride: number, pad: number, dil = 1): number => Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;

interface ConvShape {
  N: number; C: number; H: number; W: number; K: number; KH: number; KW: number; OH: number; OW: number; G: number; bias: number;
}

function conv(s: KernelShape, kind: 'conv2d' | 'depthwise' | 'pointwise'): ConvShape {
  const KH = kind === 'pointwise' ? 1 : s.kh;
  const KW = kind === 'pointwise' ? 1 : s.kw;
  const stride = kind === 'pointwise' ? 1 : s.stride;
  const pad = kind === 'pointwise' ? 0 : s.pad;
  const dil = s.dil ?? 1;
  const K = kind === 'depthwise' ? s.c : s.k;
  const G = kind === 'depthwise' ? s.c : (s.groups ?? 1);
  return {
    N: s.n, C: s.c, H: s.h, W: s.w, K, KH, KW, G, bias: s.bias ?? 0,
    OH: outSize(s.h, KH, stride, pad, dil), OW: outSize(s.w, KW, stride, pad, dil),
  };
}

function convWork(kind: 'conv2d' | 'depthwise' | 'pointwise'): Pick<KernelKind, 'forward' | 'backward' | 'check'> {
  const macs = (g: ConvShape) => g.N * g.K * g.OH * g.OW * (g.C / g.G) * g.KH * g.KW;
  const sizes = (g: ConvShape) => ({ x: g.N * g.C * g.H * g.W, w: g.K * (g.C / g.G) * g.KH * g.KW, y: g.N * g.K * g.OH * g.OW, b: g.bias ? g.K : 0 });
  return {
    forward: (s) => {
      const g = conv(s, kind);
      const t = sizes(g);
      return { flops: 2 * macs(g) + (g.bias ? t.y : 0), bytes: B * (t.x + t.w + t.b + t.y) };
    },
    backward: (s) => {
      const g = conv(s, kind);
      const t = sizes(g);
      // Input and weight gradients (and the bias gradient's sum over dy); reads dy, x, w.
      return { flops: 4 * macs(g) + (g.bias ? t.y : 0), bytes: B * (t.y + t.x + t.w + t.x + t.w + t.b) };
    },
    check: (s) => {
      const g = conv(s, kind);
      if (g.OH < 1 || g.OW < 1) return `the output would be ${g.OH} x ${g.OW}: make the image larger or the filter, dilation or stride smaller`;
      if (g.C % g.G !== 0 || g.K % g.G !== 0) return `channels c = ${g.C} and k = ${g.K} must both be divisible by groups = ${g.G}`;
      return null;
    },
  };
}

function poolShape(s: KernelShape): { planes: number; inner: number; outer: number; taps: number } {
  const oh = outSize(s.h, s.kh, s.stride, s.pad);
  const ow = outSize(s.w, s.kw, s.stride, s.pad);
  return { planes: s.n * s.c, inner: s.h * s.w, outer: oh * ow, taps: s.kh * s.kw };
}

const poolCheck = (s: KernelShape): string | null => {
  if (2 * s.pad > s.kh || 2 * s.pad > s.kw) return `padding ${s.pad} is more than half the ${s.kh} x ${s.kw} window (PyTorch's limit)`;
  const oh = outSize(s.h, s.kh, s.stride, s.pad);
  const ow = outSize(s.w, s.kw, s.stride, s.pad);
  return oh < 1 || ow < 1 ? `the ${s.kh} x ${s.kw} window is larger than the padded ${s.h} x ${s.w} image` : null;
};

/** A max pool's gradient: each window's gradient routed to its argmax; dy and argmax read, dx written. */
const maxPoolBackward = (s: KernelShape): Work => {
  const p = poolShape(s);
  return { flops: p.planes * p.outer, bytes: B * p.planes * (2 * p.outer + p.inner) };
};

const size4 = (s: KernelShape): number => s.n * s.c * s.h * s.w;

/** Every built-in kind, in the order `--kernel all` runs them. */
export const KERNEL_KINDS: readonly KernelKind[] = [
  {
    name: 'matmul',
    summary: 'matrix product A [m, k] x B [k, n], batched',
    keys: [key('m', 'rows of A', 512, 8), key('n', 'columns of B', (s) => s.m, 8), key('k', 'inner size', (s) => s.m, 8), key('batch', 'products', 1)],
    formula: 'fwd 2·batch·m·n·k FLOPs, 4·batch·(mk + kn + mn) bytes; bwd (dA, dB) 4·batch·m·n·k, 4·batch·(mn + 2mk + 2kn)',
    forward: (s) => ({ flops: 2 * s.batch * s.m * s.n * s.k, bytes: B * s.batch * (s.m * s.k + s.k * s.n + s.m * s.n) }),
    backward: (s) => ({ flops: 4 * s.batch * s.m * s.n * s.k, bytes: B * s.batch * (s.m * s.n + 2 * s.m * s.k + 2 * s.k * s.n) }),
  },
  {
    name: 'linear',
    summary: 'fully connected layer x W^T + b (the classifier)',
    keys: [key('batch', 'rows of x', 64, 2), key('in', 'input features', 256, 8), key('out', 'output features', 256, 4)],
    formula: 'fwd 2·batch·in·out + batch·out; bwd 4·batch·in·out + batch·out (bias gradient)',
    forward: (s) => ({ flops: 2 * s.batch * s.in * s.out + s.batch * s.out, bytes: B * (s.batch * s.in + s.out * s.in + s.out + s.batch * s.out) }),
    backward: (s) => ({
      flops: 4 * s.batch * s.in * s.out + s.batch * s.out,
      bytes: B * (s.batch * s.out + s.batch * s.in + s.out * s.in + s.batch * s.in + s.out * s.in + s.out),
    }),
  },
  {
    name: 'conv2d',
    summary: 'general 2-D convolution (the stem, dual_conv 1 x k and k x 1 when kw differs)',
    keys: [
      ...nchw(64, 32, 28),
      key('k', 'output channels', (s) => s.c, 4),
      key('kh', 'filter height', 3),
      key('kw', 'filter width', (s) => s.kh),
      key('stride', 'stride (both directions)', 1),
      key('dil', 'dilation', 1),
      key('pad', 'zero padding on each side (default: the output keeps the size at stride 1)', (s) => Math.floor((s.dil * (s.kh - 1)) / 2), undefined, 0, 1 << 12),
      key('groups', 'groups', 1),
      key('bias', 'with a bias (0 or 1)', 0, undefined, 0, 1),
    ],
    formula: 'MACs = n·k·oh·ow·(c/groups)·kh·kw; fwd 2·MACs (+ n·k·oh·ow with a bias), x + w + y bytes; bwd 4·MACs, dy + x + w read, dx + dw written',
    ...convWork('conv2d'),
  },
  {
    name: 'depthwise',
    summary: 'depthwise convolution, groups = channels (sep_conv, dil_sep_conv)',
    keys: [
      ...nchw(64, 32, 28),
      key('kh', 'filter height', 3),
      key('kw', 'filter width', (s) => s.kh),
      key('stride', 'stride', 1),
      key('dil', 'dilation (2 in dil_sep_conv)', 1),
      key('pad', 'zero padding on each side (default: the output keeps the size)', (s) => Math.floor((s.dil * (s.kh - 1)) / 2), undefined, 0, 1 << 12),
    ],
    formula: 'as conv2d with k = c and groups = c: MACs = n·c·oh·ow·kh·kw',
    ...convWork('depthwise'),
  },
  {
    name: 'pointwise',
    summary: '1 x 1 convolution (a product per image: the matmul kernels)',
    keys: [...nchw(64, 64, 28), key('k', 'output channels', (s) => s.c, 4), key('bias', 'with a bias (0 or 1)', 0, undefined, 0, 1)],
    formula: 'as conv2d with a 1 x 1 filter: MACs = n·k·h·w·c',
    ...convWork('pointwise'),
  },
  {
    name: 'max_pool',
    summary: 'max pooling (its argmax kept for backward)',
    keys: [...nchw(64, 32, 28), ...windowKeys()],
    formula: 'fwd one comparison per window tap, x read, y and its argmax written; bwd one add per window, dy and argmax read, dx written',
    forward: (s) => {
      const p = poolShape(s);
      return { flops: p.planes * p.outer * p.taps, bytes: B * p.planes * (p.inner + 2 * p.outer) };
    },
    backward: maxPoolBackward,
    check: poolCheck,
  },
  {
    name: 'max_pool_at',
    summary: "max pooling replayed at an earlier pool's argmax (grasp's finite differences)",
    keys: [...nchw(64, 32, 28), ...windowKeys()],
    formula: 'no arithmetic forward: the argmax and the chosen inputs read, y written; bwd as max_pool',
    forward: (s) => {
      const p = poolShape(s);
      return { flops: 0, bytes: B * p.planes * 3 * p.outer };
    },
    backward: maxPoolBackward,
    check: poolCheck,
  },
  {
    name: 'avg_pool',
    summary: 'average pooling (count_include_pad as PyTorch: true)',
    keys: [...nchw(64, 32, 28), ...windowKeys()],
    formula: 'fwd one add per window tap and a scale per output; bwd one add per window tap',
    forward: (s) => {
      const p = poolShape(s);
      return { flops: p.planes * p.outer * (p.taps + 1), bytes: B * p.planes * (p.inner + p.outer) };
    },
    backward: (s) => {
      const p = poolShape(s);
      return { flops: p.planes * p.outer * p.taps, bytes: B * p.planes * (p.outer + p.inner) };
    },
    check: poolCheck,
  },
  {
    name: 'global_avg_pool',
    summary: 'global average pooling [n, c, h, w] -> [n, c]',
    keys: nchw(64, 128, 7),
    formula: 'fwd and bwd one operation per input element; x + y bytes',
    forward: (s) => ({ flops: size4(s), bytes: B * (size4(s) + s.n * s.c) }),
    backward: (s) => ({ flops: size4(s), bytes: B * (s.n * s.c + size4(s)) }),
  },
  {
    name: 'batch_norm',
    summary: 'batch normalisation, training mode (batch statistics, running ones updated); with eval 1 the running statistics and frozen parameters (jacob_cov)',
    keys: [...nchw(64, 32, 28), key('eval', 'eval mode with frozen parameters (0 or 1)', 0, undefined, 0, 1)],
    formula: 'train: fwd 5 per element (sum, square, sum; then a·x + b), x read, y written; bwd 8 per element, dy and x read, dx written. eval: fwd 2 per element, bwd 1, one read and one write each',
    forward: (s) => (s.eval ? { flops: 2 * size4(s), bytes: B * (2 * size4(s) + 6 * s.c) } : { flops: 5 * size4(s), bytes: B * (2 * size4(s) + 6 * s.c) }),
    backward: (s) => (s.eval ? { flops: size4(s), bytes: B * (2 * size4(s) + 3 * s.c) } : { flops: 8 * size4(s), bytes: B * (3 * size4(s) + 5 * s.c) }),
  },
  {
    name: 'relu',
    summary: 'ReLU (the unary kernel; its gradient is the binary mask kernel)',
    keys: elements(64 * 32 * 28 * 28),
    formula: 'fwd 1 per element, 8 bytes; bwd 1, 12 bytes (dy and x read, dx written)',
    forward: (s) => ({ flops: s.n, bytes: 2 * B * s.n }),
    backward: (s) => ({ flops: s.n, bytes: 3 * B * s.n }),
  },
  {
    name: 'sigmoid',
    summary: 'sigmoid (the unary kernel with a transcendental; backward y (1 - y) dy)',
    keys: elements(64 * 32 * 28 * 28),
    formula: 'fwd 4 per element (negate, exp, add, divide), 8 bytes; bwd 3 per element, 12 bytes',
    forward: (s) => ({ flops: 4 * s.n, bytes: 2 * B * s.n }),
    backward: (s) => ({ flops: 3 * s.n, bytes: 3 * B * s.n }),
  },
  {
    name: 'add',
    summary: 'a + b; with broadcast = 1, b is [1, c, 1, 1] (a bias)',
    keys: [...nchw(64, 32, 28), key('broadcast', 'b is [1, c, 1, 1] (1) or a full tensor (0)', 1, undefined, 0, 1)],
    formula: 'fwd 1 per element; bwd: the gradient passes to a unchanged (no kernel), b gets a sum over n, h, w when broadcast',
    forward: (s) => ({ flops: size4(s), bytes: B * (2 * size4(s) + (s.broadcast ? s.c : size4(s))) }),
    backward: (s) => (s.broadcast ? { flops: size4(s), bytes: B * (size4(s) + s.c) } : { flops: 0, bytes: 0 }),
  },
  {
    name: 'mul',
    summary: 'a * b, same shapes',
    keys: elements(64 * 32 * 28 * 28),
    formula: 'fwd 1 per element, 12 bytes; bwd 2 per element (dy·b, dy·a), 20 bytes',
    forward: (s) => ({ flops: s.n, bytes: 3 * B * s.n }),
    backward: (s) => ({ flops: 2 * s.n, bytes: 5 * B * s.n }),
  },
  {
    name: 'mean_of',
    summary: 'the elementwise mean of `parts` same-shaped tensors (the normal cell\'s output; 2-5 in the space)',
    keys: [...nchw(64, 16, 28), key('parts', 'tensors averaged (beyond 7: a chain of adds)', 3, 3, 1, 64)],
    formula: 'fwd parts per element (adds and a scale), every input read, the mean written; bwd 1 per element, dy read, dy / parts written once (every input gets that tensor)',
    forward: (s) => ({ flops: s.parts * size4(s), bytes: B * (s.parts + 1) * size4(s) }),
    backward: (s) => ({ flops: size4(s), bytes: 2 * B * size4(s) }),
  },
  {
    name: 'sum',
    summary: 'per-channel sum over n, h, w (a bias gradient); backward broadcasts back (a strided copy)',
    keys: nchw(64, 32, 28),
    formula: 'fwd 1 add per element, x + c bytes; bwd no arithmetic, c + x bytes',
    forward: (s) => ({ flops: size4(s), bytes: B * (size4(s) + s.c) }),
    backward: (s) => ({ flops: 0, bytes: B * (s.c + size4(s)) }),
  },
  {
    name: 'transpose',
    summary: 'a 2-D transpose (the strided copy kernel)',
    keys: [key('rows', 'rows', 1024, 16), key('cols', 'columns', (s) => s.rows, 16)],
    formula: 'no arithmetic; 8 bytes per element each way',
    forward: (s) => ({ flops: 0, bytes: 2 * B * s.rows * s.cols }),
    backward: (s) => ({ flops: 0, bytes: 2 * B * s.rows * s.cols }),
  },
  {
    name: 'concat',
    summary: 'channel concatenation of `parts` tensors (the reduction cell joins 4 branches)',
    keys: [...nchw(64, 8, 14), key('parts', 'tensors joined', 4, 2, 2, 64)],
    formula: 'no arithmetic; every element read once and written once, each way',
    forward: (s) => ({ flops: 0, bytes: 2 * B * s.parts * size4(s) }),
    backward: (s) => ({ flops: 0, bytes: 2 * B * s.parts * size4(s) }),
  },
  {
    name: 'softmax',
    summary: 'softmax over the last axis of [rows, classes]',
    keys: [key('rows', 'rows', 4096, 8), key('classes', 'classes', 1000, 10)],
    formula: 'fwd 5 per element (max, subtract, exp, sum, divide), 8 bytes; bwd 4 per element, 12 bytes',
    forward: (s) => ({ flops: 5 * s.rows * s.classes, bytes: 2 * B * s.rows * s.classes }),
    backward: (s) => ({ flops: 4 * s.rows * s.classes, bytes: 3 * B * s.rows * s.classes }),
  },
  {
    name: 'cross_entropy',
    summary: 'cross-entropy of [batch, classes] logits with integer labels (mean over the batch)',
    keys: [key('batch', 'rows', 4096, 8), key('classes', 'classes', 10, 4, 2)],
    formula: 'fwd 4 per logit (max, subtract, exp, sum) + 3 per row; logits and labels read; bwd 4 per logit, logits, labels read, dx written',
    forward: (s) => ({ flops: 4 * s.batch * s.classes + 3 * s.batch, bytes: B * (s.batch * s.classes + s.batch + 1) }),
    backward: (s) => ({ flops: 4 * s.batch * s.classes, bytes: B * (2 * s.batch * s.classes + s.batch + 1) }),
  },
  {
    name: 'bce',
    summary: 'binary cross-entropy with logits (multi-label), mean over all elements',
    keys: [key('batch', 'rows', 4096, 8), key('classes', 'labels per row', 14, 4)],
    formula: 'fwd 7 per element (a stable log(1 + exp) and the mean); bwd 5 per element (sigmoid, subtract, scale)',
    forward: (s) => ({ flops: 7 * s.batch * s.classes, bytes: B * (2 * s.batch * s.classes + 1) }),
    backward: (s) => ({ flops: 5 * s.batch * s.classes, bytes: B * (3 * s.batch * s.classes + 1) }),
  },
  {
    name: 'sgd',
    summary: 'one SGD step on a parameter of n elements (with momentum = 1: momentum 0.9; with clip = 1: gradients clipped by global norm first)',
    keys: [
      ...elements(1 << 20),
      key('momentum', 'momentum 0.9 (1) or none (0)', 1, undefined, 0, 1),
      key('clip', 'clip the gradient by its global norm first (1, as training does) or not (0)', 0, undefined, 0, 1),
    ],
    formula:
      'no backward; with momentum 4 per element, gradient, parameter and momentum read, parameter and momentum written; without 2, 12 bytes; ' +
      'clipping adds 2 per element and a gradient read (the sum of squares) and 1 per element (the scale)',
    forward: (s) => {
      const step = s.momentum ? { flops: 4 * s.n, bytes: 5 * B * s.n } : { flops: 2 * s.n, bytes: 3 * B * s.n };
      return s.clip ? { flops: step.flops + 3 * s.n, bytes: step.bytes + B * s.n } : step;
    },
  },
  {
    name: 'fill',
    summary: 'a tensor filled with a constant (zeros)',
    keys: elements(1 << 22),
    formula: 'no arithmetic, no backward; 4 bytes written per element',
    forward: (s) => ({ flops: 0, bytes: B * s.n }),
  },
];

export function kernelKind(name: string): KernelKind {
  const kind = KERNEL_KINDS.find((k) => k.name === name);
  if (!kind) throw new KernelCaseError(`unknown kernel kind '${name}'; known: ${KERNEL_KINDS.map((k) => k.name).join(', ')} (or all; \`mednas profile --kernel list\` describes them)`);
  return kind;
}

/** A shape request: a preset and key=value overrides. */
export interface ShapeRequest {
  readonly preset?: 'default' | 'tiny';
  readonly values?: Readonly<Record<string, number>>;
}

/** The full shape of `kind` for `request`: the preset's values, the overrides, then dependent defaults. */
export function resolveShape(kind: KernelKind, request: ShapeRequest = {}): KernelShape {
  const given = request.values ?? {};
  for (const name of Object.keys(given)) {
    if (!kind.keys.some((k) => k.name === name)) {
      throw new KernelCaseError(`${kind.name} has no shape key '${name}'; its keys: ${kind.keys.map((k) => k.name).join(', ')}`);
    }
  }
  const shape: Record<string, number> = {};
  for (const k of kind.keys) {
    const value = given[k.name] ?? (request.preset === 'tiny' && k.tiny !== undefined ? k.tiny : typeof k.default === 'number' ? k.default : k.default({ ...given, ...shape }));
    if (!Number.isInteger(value) || value < k.min || value > k.max) {
      throw new KernelCaseError(`${kind.name}: ${k.name} = ${value} is out of range; ${k.name} (${k.summary}) is a whole number from ${k.min} to ${k.max}`);
    }
    shape[k.name] = value;
  }
  const problem = kind.check?.(shape);
  if (problem) throw new KernelCaseError(`${kind.name} ${describeShape(shape)}: ${problem}`);
  return shape;
}

export function describeShape(shape: KernelShape): string {
  return Object.entries(shape).map(([k, v]) => `${k}=${v}`).join(' ');
}
