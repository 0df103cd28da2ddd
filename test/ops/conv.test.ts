// conv2d forward and backward (input, weight, bias) against a plain-TS f64 reference, on a covering
// set of the search space's shapes (kernel sizes, strides, dilations, groups, per-side padding, batch
// sizes, odd sizes), plus central finite differences: of the reference (validates its analytic
// gradient) and of the GPU forward (validates the GPU gradients end to end).
//
// Tolerance: every value compared is a sum of R products of f32 numbers. Whatever order the kernel
// sums in (registers, chunks, two-pass reductions), f32 rounding bounds the error by
// (R + 1) * 2^-24 * S, where S is the sum of the absolute values of the terms (Higham, Accuracy and
// Stability of Numerical Algorithms, 3.1). The reference computes S per element by running the same
// formula on absolute values, so each element gets its own rigorous bound; a wrong or missing term
// (size ~|x w| ~ 0.1-1) is far above it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomArray, testRuntime } from '../gpu.ts';
import { conv2d, reluConv2d, type Conv2dOptions } from '../../src/ops/conv.ts';
import { tensor } from '../../src/tensor/create.ts';
import { ShapeError, type Tensor } from '../../src/tensor/tensor.ts';

const rt = await testRuntime();
const U = 2 ** -24;

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  bias: boolean;
  opt: Conv2dOptions;
}

interface Geo {
  N: number; C: number; H: number; W: number; K: number; cinG: number; KH: number; KW: number;
  SH: number; SW: number; DH: number; DW: number; pt: number; pl: number; OH: number; OW: number; G: number;
}

function geo(c: Case): Geo {
  const [N, C, H, W] = c.x;
  const [K, cinG, KH, KW] = c.w;
  const two = (v: number | readonly number[] | undefined, d: number): number[] =>
    v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [...v];
  const [SH, SW] = two(c.opt.stride, 1);
  const [DH, DW] = two(c.opt.dilation, 1);
  const p = c.opt.padding ?? 0;
  const [pt, pb, pl, pr] = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[0], p[1], p[1]] : [...p];
  const OH = Math.floor((H + pt + pb - DH * (KH - 1) - 1) / SH) + 1;
  const OW = Math.floor((W + pl + pr - DW * (KW - 1) - 1) / SW) + 1;
  return { N, C, H, W, K, cinG, KH, KW, SH, SW, DH, DW, pt, pl, OH, OW, G: c.opt.groups ?? 1 };
}

/** Calls f(yIndex, xIndex, wIndex) for every term of the convolution sum. */
function eachTerm(g: Geo, f: (yi: number, xi: number, wi: number) => void): void {
  const coutG = g.K / g.G;
  for (let n = 0; n < g.N; n++)
    for (let k = 0; k < g.K; k++) {
      const grp = Math.floor(k / coutG);
      for (let oy = 0; oy < g.OH; oy++)
        for (let ox = 0; ox < g.OW; ox++) {
          const yi = ((n * g.K + k) * g.OH + oy) * g.OW + ox;
          for (let c = 0; c < g.cinG; c++)
            for (let ky = 0; ky < g.KH; ky++) {
              const iy = oy * g.SH + ky * g.DH - g.pt;
              if (iy < 0 || iy >= g.H) continue;
              for (let kx = 0; kx < g.KW; kx++) {
                const ix = ox * g.SW + kx * g.DW - g.pl;
                if (ix < 0 || ix >= g.W) continue;
                f(yi, ((n * g.C + grp * g.cinG + c) * g.H + iy) * g.W + ix, ((k * g.cinG + c) * g.KH + ky) * g.KW + kx);
              }
            }
        }
    }
}

const abs = (a: ArrayLike<number>): Float64Array => Float64Array.from(a, Math.abs);

function refForward(g: Geo, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const y = new Float64Array(g.N * g.K * g.OH * g.OW);
  eachTerm(g, (yi, xi, wi) => (y[yi] += x[xi] * w[wi]));
  const plane = g.OH * g.OW;
  if (b) for (let i = 0; i < y.length; i++) y[i] += b[Math.floor(i / plane) % g.K];
  return y;
}

function refBackward(g: Geo, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>) {
  const dx = new Float64Array(g.N * g.C * g.H * g.W);
  const dw = new Float64Array(g.K * g.cinG * g.KH * g.KW);
  const db = new Float64Array(g.K);
  eachTerm(g, (yi, xi, wi) => {
    dx[xi] += dy[yi] * w[wi];
    dw[wi] += dy[yi] * x[xi];
  });
  const plane = g.OH * g.OW;
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / plane) % g.K] += dy[i];
  return { dx, dw, db };
}

/** Reduction lengths: forward (+1 for the bias), input, weight and bias gradients. */
function lengths(g: Geo) {
  const perOutput = g.cinG * g.KH * g.KW;
  return { y: perOutput + 1, dx: (g.K / g.G) * g.KH * g.KW, dw: g.N * g.OH * g.OW, db: g.N * g.OH * g.OW };
}

function assertWithin(what: string, got: Float32Array, want: Float64Array, scale: Float64Array, terms: number): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const bound = (terms + 1) * U * scale[i];
    if (!(Math.abs(got[i] - want[i]) <= bound)) {
      assert.unreachable(`${what}[${i}] = ${got[i]}, expected ${want[i]} within ${bound.toExponential(2)}`);
    }
  }
}

interface Inputs { x: Float32Array; w: Float32Array; b: Float32Array | null; dy: Float32Array }

function inputsFor(c: Case, g: Geo, seed: number): Inputs {
  const size = (s: number[]) => s.reduce((a, d) => a * d, 1);
  return {
    x: randomArray(size(c.x), seed),
    w: randomArray(size(c.w), seed + 1, -0.5, 0.5),
    b: c.bias ? randomArray(c.w[0], seed + 2) : null,
    dy: randomArray(g.N * g.K * g.OH * g.OW, seed + 3),
  };
}

/**
 * Runs forward and backward on the GPU and checks every output and gradient element; with `relu`,
 * of reluConv2d against the reference of conv2d(relu(x)) (dx masked by x > 0).
 */
async function checkCase(c: Case, seed: number, relu = false): Promise<void> {
  const g = geo(c);
  const v = inputsFor(c, g, seed);
  const x = tensor(v.x, c.x, rt).setRequiresGrad();
  const w = tensor(v.w, c.w, rt).setRequiresGrad();
  const b = v.b ? tensor(v.b, [c.w[0]], rt).setRequiresGrad() : null;
  const y = (relu ? reluConv2d : conv2d)(x, w, b, c.opt);
  assert.equal(y.shape, [g.N, g.K, g.OH, g.OW], `${c.name}: output shape`);
  const dy = tensor(v.dy, y.shape, rt);
  y.backward(dy);
  const n = lengths(g);
  const absB = v.b ? abs(v.b) : null;
  const xr = relu ? v.x.map((e) => Math.max(e, 0)) : v.x;
  assertWithin(`${c.name} y`, await y.data(), refForward(g, xr, v.w, v.b), refForward(g, abs(xr), abs(v.w), absB), n.y);
  const want = refBackward(g, xr, v.w, v.dy);
  const scale = refBackward(g, abs(xr), abs(v.w), abs(v.dy));
  if (relu) want.dx.forEach((d, i) => (want.dx[i] = v.x[i] > 0 ? d : 0));
  assertWithin(`${c.name} dx`, await x.grad!.data(), want.dx, scale.dx, n.dx);
  assertWithin(`${c.name} dw`, await w.grad!.data(), want.dw, scale.dw, n.dw);
  if (b) assertWithin(`${c.name} db`, await b.grad!.data(), want.db, scale.db, n.db);
  for (const t of [x, w, b, y, dy, x.grad, w.grad, b?.grad]) t?.dispose();
}

const conv = (name: string, x: Case['x'], w: Case['w'], opt: Conv2dOptions, bias = false): Case => ({ name, x, w, opt, bias });

// A covering set: every kernel size, stride, dilation, groups setting, padding 0..3 and asymmetric,
// N 1/2/64, C 1/3/16/128, sizes 28/14/13/7/5/3, and each of the three code paths.
const cases: Case[] = [
  conv('stem C1 28x28 k3 p1', [2, 1, 28, 28], [16, 1, 3, 3], { padding: 1 }, true),
  conv('C3 28x28 k3 s2 p1', [1, 3, 28, 28], [16, 3, 3, 3], { stride: 2, padding: 1 }),
  conv('C16 14x14 k3 s1 p1 bias', [2, 16, 14, 14], [16, 16, 3, 3], { padding: 1 }, true),
  conv('C16 13x13 k5 s2 d2 p3', [2, 16, 13, 13], [8, 16, 5, 5], { stride: 2, dilation: 2, padding: 3 }),
  conv('C3 28x28 k7 s2 p3', [1, 3, 28, 28], [8, 3, 7, 7], { stride: 2, padding: 3 }, true),
  conv('C16 7x7 1x7 p[0,3]', [2, 16, 7, 7], [16, 16, 1, 7], { padding: [0, 3] }),
  conv('C16 7x7 7x1 p[3,0]', [2, 16, 7, 7], [16, 16, 7, 1], { padding: [3, 0] }),
  conv('C3 5x5 k3 s2 asym p[0,1,0,1]', [2, 3, 5, 5], [5, 3, 3, 3], { stride: 2, padding: [0, 1, 0, 1] }, true),
  conv('C3 5x5 k3 asym p[1,0,2,0] s[1,2] d[2,1]', [2, 3, 5, 5], [4, 3, 3, 3], { stride: [1, 2], dilation: [2, 1], padding: [1, 0, 2, 0] }),
  conv('C16 3x3 k3 p0 -> 1x1', [2, 16, 3, 3], [6, 16, 3, 3], {}, true),
  conv('grouped C16 g4 K8 k3 p1', [2, 16, 7, 7], [8, 4, 3, 3], { padding: 1, groups: 4 }, true),
  conv('C128 7x7 k3 p1', [1, 128, 7, 7], [128, 128, 3, 3], { padding: 1 }),
  conv('N64 C3 5x5 k3 p1', [64, 3, 5, 5], [4, 3, 3, 3], { padding: 1 }, true),
  // pointwise: the matrix-product path, and strided / padded 1x1 on the direct path
  conv('pointwise C16->32 5x5', [2, 16, 5, 5], [32, 16, 1, 1], {}, true),
  conv('pointwise C128 7x7', [1, 128, 7, 7], [128, 128, 1, 1], {}),
  conv('pointwise N64 C16 3x3', [64, 16, 3, 3], [8, 16, 1, 1], {}, true),
  conv('1x1 s2 C16 14x14', [2, 16, 14, 14], [32, 16, 1, 1], { stride: 2 }),
  conv('1x1 p1 C3 5x5', [1, 3, 5, 5], [4, 3, 1, 1], { padding: 1 }, true),
  // depthwise (groups = C)
  conv('dw C16 28x28 k3 p1', [2, 16, 28, 28], [16, 1, 3, 3], { padding: 1, groups: 16 }),
  conv('dw C16 14x14 k3 d2 p2', [2, 16, 14, 14], [16, 1, 3, 3], { padding: 2, dilation: 2, groups: 16 }, true),
  conv('dw C16 13x13 k5 s2 p2', [2, 16, 13, 13], [16, 1, 5, 5], { stride: 2, padding: 2, groups: 16 }),
  conv('dw C16 14x14 k5 d2 p3', [1, 16, 14, 14], [16, 1, 5, 5], { dilation: 2, padding: 3, groups: 16 }),
  conv('dw C16 7x7 k7 s2 p3', [2, 16, 7, 7], [16, 1, 7, 7], { stride: 2, padding: 3, groups: 16 }, true),
  conv('dw C3 5x5 k3 asym p[0,1,1,0] s2', [2, 3, 5, 5], [3, 1, 3, 3], { stride: 2, padding: [0, 1, 1, 0], groups: 3 }),
  conv('dw C128 3x3 k3 p1', [2, 128, 3, 3], [128, 1, 3, 3], { padding: 1, groups: 128 }),
  conv('dw N64 C16 7x7 k3 d2 p2', [64, 16, 7, 7], [16, 1, 3, 3], { padding: 2, dilation: 2, groups: 16 }, true),
  conv('dw C16 7x7 1x7 p[0,3]', [2, 16, 7, 7], [16, 1, 1, 7], { padding: [0, 3], groups: 16 }),
  conv('dw C16 7x7 7x1 p[3,0]', [2, 16, 7, 7], [16, 1, 7, 1], { padding: [3, 0], groups: 16 }),
  // a 9x9 depthwise filter has more taps than the depthwise kernels hold: the general path
  conv('dw C3 11x11 k9 p4 (general path)', [2, 3, 11, 11], [3, 1, 9, 9], { padding: 4, groups: 3 }, true),
  // channel multiplier 2 with groups = C: the general kernel, not the depthwise one
  conv('groups=C multiplier 2', [2, 3, 7, 7], [6, 1, 3, 3], { padding: 1, groups: 3 }, true),
  // pointwise over planes of 16 and 12 (multiples of 4: vec4 column blocks on CPU adapters), odd channels
  conv('pointwise N3 C9->13 4x4', [3, 9, 4, 4], [13, 9, 1, 1], {}, true),
  conv('pointwise N5 C20->7 3x4', [5, 20, 3, 4], [7, 20, 1, 1], {}),
];

cases.forEach((c, i) => {
  test(`conv2d ${c.name}: forward and gradients match the reference`, async () => {
    await checkCase(c, 100 + 10 * i);
  });
});

test('conv2d on the gpu kernel profile matches the reference (pointwise, tiled, depthwise)', async () => {
  await rt.withPolicy({ profile: 'gpu' }, async () => {
    // 18: 28x28 depthwise, conv2d_depthwise.wgsl's aligned path (the CPU profile walks columns there).
    for (const i of [2, 13, 18, 19]) await checkCase(cases[i], 500 + i);
  });
});

// ---- the depthwise column walk (CPU profile, row stride 1) -------------------------------------------
// conv2d_depthwise_columns computes the forward, and at stride 1 the input gradient too (dy with the
// rotated filter, FLIP); conv2d_depthwise_weight_grad_columns the weight gradient. Besides the
// depthwise cases above (28x28 in 4 chunks of 7 rows, 14x14 d2, 1x7 and 7x1, 3 columns): a width that
// is not a multiple of the strip (13 = 7 + 6), several row chunks of 20 rows with asymmetric padding,
// a column stride (the input gradient then takes the row-block kernel), 13 rows in flight, 7x7
// (strips of 5 columns: 14 = 5 + 5 + 4), bias, and a padding wider than the filter (the rotated
// filter would need negative padding: the row-block input gradient). Past 13 rows in flight, and at
// row stride 2, conv2d_depthwise*.wgsl runs instead.
const WALK = ['conv2d_depthwise_columns', 'conv2d_depthwise_columns FLIP', 'conv2d_depthwise_weight_grad_columns'];
const ROW_BLOCKS = ['conv2d_depthwise', 'conv2d_depthwise_input_grad', 'conv2d_depthwise_weight_grad'];
const columnCases: [Case, string[]][] = [
  [conv('dw C8 13x13 k3 p1 bias', [2, 8, 13, 13], [8, 1, 3, 3], { padding: 1, groups: 8 }, true), WALK],
  [conv('dw N64 C4 40x9 k5 p[2,2,1,3] bias', [64, 4, 40, 9], [4, 1, 5, 5], { padding: [2, 2, 1, 3], groups: 4 }, true), WALK],
  [conv('dw C8 14x14 k3 s[1,2] p1', [2, 8, 14, 14], [8, 1, 3, 3], { stride: [1, 2], padding: 1, groups: 8 }),
    ['conv2d_depthwise_columns', 'conv2d_depthwise_input_grad', 'conv2d_depthwise_weight_grad_columns']],
  [conv('dw C4 16x16 k7 d2 p6 bias', [2, 4, 16, 16], [4, 1, 7, 7], { dilation: 2, padding: 6, groups: 4 }, true), WALK],
  [conv('dw C4 14x14 k7 p3 (5 columns)', [2, 4, 14, 14], [4, 1, 7, 7], { padding: 3, groups: 4 }), WALK],
  [conv('dw C4 9x9 k3 p[3,1,2,3] (pad beyond the filter)', [2, 4, 9, 9], [4, 1, 3, 3], { padding: [3, 1, 2, 3], groups: 4 }),
    ['conv2d_depthwise_columns', 'conv2d_depthwise_input_grad', 'conv2d_depthwise_weight_grad_columns']],
  [conv('dw C4 16x16 k3 d7 p7', [2, 4, 16, 16], [4, 1, 3, 3], { dilation: 7, padding: 7, groups: 4 }), ROW_BLOCKS],
  [cases[20], ROW_BLOCKS],
];

test('conv2d depthwise on the cpu profile walks columns at row stride 1 and matches the reference', async () => {
  await rt.withPolicy({ profile: 'cpu' }, async () => {
    for (const [i, [c, kernels]] of columnCases.entries()) {
      const ran = await convKernelsRun(() => checkCase(c, 700 + 10 * i));
      const depthwise = [...ran].filter((k) => k.startsWith('conv2d_depthwise')).sort();
      assert.equal(depthwise, [...kernels].sort(), `${c.name}: kernels that ran`);
    }
  });
});

// ---- filters one tap wide (7x1): conv2d_weight_grad_runs ------------------------------------------
// Runs of 4 taps down the filter for 16 output channels: filters of 7 and 5 taps (a run past the
// filter's end), output channels past one block and not a multiple of 16, groups, row and column
// strides, dilation, padding on every side, planes of 63 and 30 pixels (a last partial group of 8),
// and a batch of 64 split into chunks.
const tallCases: Case[] = [
  conv('7x1 N2 C5->20 9x7 p[3,3,0,0]', [2, 5, 9, 7], [20, 5, 7, 1], { padding: [3, 3, 0, 0] }, true),
  conv('5x1 g2 C8->12 10x9 s[2,1] d[2,1] p[4,3,1,2]', [2, 8, 10, 9], [12, 4, 5, 1], { stride: [2, 1], dilation: [2, 1], padding: [4, 3, 1, 2], groups: 2 }),
  conv('7x1 N64 C3->17 6x5 s[1,2] p[3,3,1,0]', [64, 3, 6, 5], [17, 3, 7, 1], { stride: [1, 2], padding: [3, 3, 1, 0] }, true),
];

test('conv2d on the cpu profile takes the weight gradient of filters one tap wide in runs and matches the reference', async () => {
  await rt.withPolicy({ profile: 'cpu' }, async () => {
    for (const [i, c] of tallCases.entries()) {
      const ran = await convKernelsRun(() => checkCase(c, 1100 + 10 * i));
      assert.ok(ran.has('conv2d_weight_grad_runs') && !ran.has('conv2d_weight_grad_subgroup'), `${c.name}: ran ${[...ran].join(', ')}`);
    }
  });
});

test('reluConv2d: conv2d(relu(x)) with the ReLU fused into the column walk, and composed elsewhere', async () => {
  await rt.withPolicy({ profile: 'cpu' }, async () => {
    // Column walk with the fused input gradient; with a column stride (row-block input gradient,
    // masked after); 15 rows in flight (row-block kernels, relu then conv2d).
    const fused: [Case, string[]][] = [
      [columnCases[0][0], WALK],
      [columnCases[1][0], WALK],
      [columnCases[2][0], columnCases[2][1]],
      [columnCases[6][0], columnCases[6][1]],
    ];
    for (const [i, [c, kernels]] of fused.entries()) {
      const ran = await convKernelsRun(() => checkCase(c, 900 + 10 * i, true));
      const depthwise = [...ran].filter((k) => k.startsWith('conv2d_depthwise')).sort();
      assert.equal(depthwise, [...kernels].sort(), `${c.name}: kernels that ran`);
    }
    // Row stride 2, a full conv, a pointwise conv: relu then conv2d.
    for (const [i, c] of [cases[20], cases[2], cases[16]].entries()) await checkCase(c, 950 + 10 * i, true);
  });
  await rt.withPolicy({ profile: 'gpu' }, () => checkCase(columnCases[0][0], 990, true));
});

// ---- the tiled implicit-GEMM kernels (general path on the 'gpu' profile) ------------------------------
// They run here on lavapipe only because the test switches the profile: correctness, not speed.

/** conv2d_tiled's three modes (forward, input gradient, weight gradient), as convKernelsRun names them. */
const TILED = ['conv2d_tiled MODE=0', 'conv2d_tiled MODE=1', 'conv2d_tiled MODE=2'];

/**
 * Runs `body` with kernel profiling on and returns the names of the conv2d kernels that ran, with
 * conv2d_tiled's mode ('conv2d_tiled MODE=1') and the rotated filter ('conv2d_depthwise_columns FLIP').
 */
async function convKernelsRun(body: () => Promise<void>): Promise<Set<string>> {
  rt.scheduler.startProfiling();
  let timings: { kernel: string }[] = [];
  try {
    await body();
  } finally {
    timings = await rt.scheduler.stopProfiling();
  }
  // Profiles name pipelines 'kernel|constants'.
  const name = (key: string): string => {
    const [kernel, constants] = key.split('|');
    const mode = /(?:^|,)MODE=(\d+)/.exec(constants ?? '');
    const flip = /(?:^|,)FLIP=1/.test(constants ?? '');
    return mode ? `${kernel} MODE=${mode[1]}` : flip ? `${kernel} FLIP` : kernel;
  };
  return new Set(timings.map((t) => name(t.kernel)).filter((k) => k.startsWith('conv2d_')));
}

// Cases the existing set lacks: groups 2 with odd channel counts, and a weight gradient whose
// reduction (3 * 27 * 27 = 2187 terms) is split into two chunks (1104 + 1083 terms: chunks and
// 16-term steps cross image boundaries, and the last step is partial).
const tiledExtra: Case[] = [
  conv('g2 C6 13x13 K10 k3 d2 p[2,1,0,2]', [2, 6, 13, 13], [10, 3, 3, 3], { dilation: 2, padding: [2, 1, 0, 2], groups: 2 }, true),
  conv('N3 C3 27x27 K5 k3 p1 (2 weight-grad chunks)', [3, 3, 27, 27], [5, 3, 3, 3], { padding: 1 }, true),
];
// From `cases`: C3 s2 (N1), 5x5 s2 d2 on 13x13, 7x7 s2, 1x7, 7x1, asymmetric padding with K = 5,
// per-axis stride/dilation, a 1x1 output, groups 4, C128 (two 64-row tiles each way, 72 K-steps),
// strided and padded 1x1, the channel multiplier (groups = C, K = 2C).
const tiledCases = [...[1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 29].map((i) => cases[i]), ...tiledExtra];

test('conv2d on the gpu profile runs the tiled kernels for the general path and matches the reference', async () => {
  await rt.withPolicy({ profile: 'gpu' }, async () => {
    for (const [i, c] of tiledCases.entries()) {
      const ran = await convKernelsRun(() => checkCase(c, 800 + 10 * i));
      assert.equal([...ran].sort(), TILED, `${c.name}: kernels that ran`);
    }
  });
});

test('conv2d on the cpu profile never runs the tiled kernels', async () => {
  await rt.withPolicy({ profile: 'cpu' }, async () => {
    const ran = await convKernelsRun(() => checkCase(cases[2], 880));
    assert.ok(ran.size > 0 && TILED.every((k) => !ran.has(k)), `ran ${[...ran].join(', ')}`);
  });
});

test('conv2d without subgroups (the plain kernels) matches the reference', async () => {
  await rt.withPolicy({ subgroupLanes: 0 }, async () => {
    for (const i of [2, 3, 5, 7, 10, 16]) await checkCase(cases[i], 600 + i);
  });
});

// ---- finite differences ----------------------------------------------------------------------------
// L = sum(y * dy) is linear in x, w and b, so central differences have no truncation error: they
// differ from the analytic gradient only by rounding. On the f64 reference that is ~1e-12; on the GPU
// forward it is bounded by the same per-element rule as above (see fdBound).

function lossRef(g: Geo, v: Inputs): number {
  const y = refForward(g, v.x, v.w, v.b);
  return y.reduce((s, yi, i) => s + yi * v.dy[i], 0);
}

const fdCases = [cases[3], cases[7], cases[8], cases[10], cases[19], cases[22], cases[26]];

test('reference gradients match central differences of the reference forward', () => {
  fdCases.forEach((c, ci) => {
    const g = geo(c);
    const v = inputsFor(c, g, 900 + ci);
    const grads = refBackward(g, v.x, v.w, v.dy);
    const probe = (arr: Float32Array, analytic: Float64Array, what: string) => {
      for (let i = 0; i < arr.length; i += Math.max(1, Math.floor(arr.length / 40))) {
        const keep = arr[i];
        arr[i] = keep + 0.5;
        const up = lossRef(g, v);
        arr[i] = keep - 0.5;
        const down = lossRef(g, v);
        arr[i] = keep;
        const fd = up - down; // (L(+h) - L(-h)) / 2h with h = 0.5
        assert.ok(Math.abs(fd - analytic[i]) < 1e-9, `${c.name} ${what}[${i}]: fd ${fd} vs analytic ${analytic[i]}`);
      }
    };
    probe(v.x, grads.dx, 'dx');
    probe(v.w, grads.dw, 'dw');
    if (v.b) probe(v.b, grads.db, 'db');
  });
});

async function gpuLoss(c: Case, v: Inputs): Promise<{ loss: number; bound: number }> {
  const g = geo(c);
  const ts: Tensor[] = [tensor(v.x, c.x, rt), tensor(v.w, c.w, rt)];
  if (v.b) ts.push(tensor(v.b, [c.w[0]], rt));
  const y = conv2d(ts[0], ts[1], ts[2] ?? null, c.opt);
  const data = await y.data();
  for (const t of [...ts, y]) t.dispose();
  // Each y[i] is within (R + 1) u S[i] of exact; L is then summed on the host in f64.
  const scale = refForward(g, abs(v.x), abs(v.w), v.b ? abs(v.b) : null);
  let loss = 0;
  let bound = 0;
  for (let i = 0; i < data.length; i++) {
    loss += data[i] * v.dy[i];
    bound += Math.abs(v.dy[i]) * (lengths(g).y + 1) * U * scale[i];
  }
  return { loss, bound };
}

test('GPU gradients match central differences of the GPU forward', async () => {
  for (const [ci, c] of fdCases.entries()) {
    const g = geo(c);
    const v = inputsFor(c, g, 700 + ci);
    const x = tensor(v.x, c.x, rt).setRequiresGrad();
    const w = tensor(v.w, c.w, rt).setRequiresGrad();
    const b = v.b ? tensor(v.b, [c.w[0]], rt).setRequiresGrad() : null;
    const y = conv2d(x, w, b, c.opt);
    const dy = tensor(v.dy, y.shape, rt);
    y.backward(dy);
    const analytic = { x: await x.grad!.data(), w: await w.grad!.data(), b: b ? await b.grad!.data() : null };
    for (const t of [x, w, b, y, dy, x.grad, w.grad, b?.grad]) t?.dispose();
    const probe = async (arr: Float32Array, grad: Float32Array, what: string) => {
      for (const i of [0, Math.floor(arr.length / 3), Math.floor((2 * arr.length) / 3), arr.length - 1]) {
        const keep = arr[i];
        arr[i] = keep + 0.5;
        const up = await gpuLoss(c, v);
        arr[i] = keep - 0.5;
        const down = await gpuLoss(c, v);
        arr[i] = keep;
        const fd = up.loss - down.loss;
        // rounding of both losses, plus the analytic gradient's own bound (< 1e-4 for these sizes)
        const tol = up.bound + down.bound + 1e-4 * (1 + Math.abs(fd));
        assert.ok(Math.abs(fd - grad[i]) <= tol, `${c.name} ${what}[${i}]: fd ${fd} vs gpu ${grad[i]} (tol ${tol})`);
      }
    };
    await probe(v.x, analytic.x, 'dx');
    await probe(v.w, analytic.w, 'dw');
    if (v.b && analytic.b) await probe(v.b, analytic.b, 'db');
  }
});

// ---- bad input -------------------------------------------------------------------------------------

test('conv2d rejects bad shapes with a ShapeError that says what is wrong', () => {
  const x = tensor(new Float32Array(2 * 4 * 5 * 5), [2, 4, 5, 5], rt);
  const w = (s: number[]) => tensor(new Float32Array(s.reduce((a, d) => a * d, 1)), s, rt);
  const expectShapeError = (f: () => unknown, words: RegExp) => {
    try {
      f();
    } catch (e) {
      assert.instance(e, ShapeError);
      assert.match((e as Error).message, words);
      return;
    }
    assert.unreachable('expected a ShapeError');
  };
  const made: Tensor[] = [];
  const keepW = (s: number[]) => {
    const t = w(s);
    made.push(t);
    return t;
  };
  const flat = x.alias([2, 4, 25]);
  made.push(flat);
  expectShapeError(() => conv2d(flat, keepW([4, 4, 3, 3]), null), /input must be 4-D/);
  expectShapeError(() => conv2d(keepW([0, 4, 5, 5]), keepW([4, 4, 3, 3]), null), /empty input/);
  expectShapeError(() => conv2d(x, keepW([4, 4, 9]), null), /weight must be 4-D/);
  expectShapeError(() => conv2d(x, keepW([4, 3, 3, 3]), null), /expects 3 input channels/);
  expectShapeError(() => conv2d(x, keepW([6, 1, 3, 3]), null, { groups: 3 }), /divisible by groups/);
  expectShapeError(() => conv2d(x, keepW([4, 4, 7, 7]), null), /output would be -1x-1/);
  expectShapeError(() => conv2d(x, keepW([4, 4, 3, 3]), null, { dilation: 3 }), /output would be/);
  expectShapeError(() => conv2d(x, keepW([4, 4, 3, 3]), keepW([3]), {}), /bias must have shape \[4\]/);
  expectShapeError(() => conv2d(x, keepW([4, 4, 3, 3]), null, { stride: 0 }), /stride/);
  expectShapeError(() => conv2d(x, keepW([4, 4, 3, 3]), null, { padding: [1, -1, 0, 0] }), /padding/);
  for (const t of made) t.dispose();
  x.dispose();
});

test.run();
