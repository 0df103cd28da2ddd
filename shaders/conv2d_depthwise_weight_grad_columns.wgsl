// Gradient of a depthwise convolution (groups = C = K) with respect to its filters, for CPU
// adapters, rows at stride 1 (SH = 1; any column stride, padding, dilation), as partial sums that
// src/ops/conv-depthwise.ts adds up afterwards:
//   part[c, n, chunk, strip, ky, kx] = sum over the strip's outputs (oy, ox) in the chunk's rows of
//                                      dy[n, c, oy, ox] * x[n, c, oy + ky*DH - pt, ox*SW + kx*DW - pl]
// The walk of conv2d_depthwise_columns.wgsl (same split: columnWalk in src/ops/conv-depthwise.ts):
// each invocation walks down a strip of SC output columns of one (n, c) plane, loading every input
// row under the strip once. Input row i meets output row i - ky * DH through filter row ky, so the dy
// rows of the last RING = (KH - 1) * DH + 1 output rows stay in registers (a ring, each step takes in
// one new row) and each input row adds its products into the KH * KW tap sums. Per input row that is
// SPAN + SC loads for KH * KW * SC multiply-adds, where conv2d_depthwise_weight_grad.wgsl loads 6
// input rows of 6 per block of 4 x 4 outputs.
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override SC: u32 = 7u;
// ReLU fused into the input loads: the weight gradient of conv2d(relu(x)) (reluConv2d in src/ops/conv.ts).
override IN_RELU: bool = false;
override SPAN: u32 = (SC - 1u) * SW + (KW - 1u) * DW + 1u;
override RING: u32 = (KH - 1u) * DH + 1u;
const MAX_SC = 8u;  // mirrors MAX_COLUMNS in src/ops/conv-depthwise.ts
const MAX_SPAN = 32u;  // mirrors MAX_SPAN in src/ops/conv-geometry.ts
const MAX_RING = 13u;  // mirrors MAX_RING in src/ops/conv-depthwise.ts
const MAX_TAPS = 49u;  // mirrors MAX_TAPS in src/ops/conv-geometry.ts

// Params: COLUMN_WALK_PARAMS in src/ops/conv-depthwise.ts
struct Params {
  N: u32, C: u32, H: u32, W: u32,
  K: u32, OH: u32, OW: u32, cin_g: u32,
  cout_g: u32, pt: i32, pl: i32, rows: u32,
  count: u32, _a: u32, strips: u32, chunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // One invocation per (plane, chunk of p.rows rows, strip of SC columns). Lanes past the end compute
  // a clamped copy, never stored.
  let live = wid.x * WG + lid.x + wid.y * nwg.x * WG;
  let idx = min(live, p.count - 1u);
  let strip = idx % p.strips;
  let rest = idx / p.strips;
  let chunk = rest % p.chunks;
  let oy0 = chunk * p.rows;
  let pc = rest / p.chunks;  // n * C + c
  let c = pc % p.C;
  let n = pc / p.C;
  let ox0 = strip * SC;
  let ix0 = i32(ox0 * SW) - p.pl;
  let plane = i32(pc * p.H * p.W);
  let oplane = pc * p.OH * p.OW;
  var col_ok: array<bool, MAX_SPAN>;
  for (var i = 0u; i < SPAN; i++) {
    let ix = ix0 + i32(i);
    col_ok[i] = ix >= 0 && ix < i32(p.W);
  }
  var q_ok: array<bool, MAX_SC>;
  for (var q = 0u; q < SC; q++) {
    q_ok[q] = ox0 + q < p.OW;
  }
  let oy_end = min(p.OH, oy0 + p.rows);
  var acc: array<f32, MAX_TAPS>;
  // g[k] holds dy of output row oy0 + r - k (0 outside the chunk's rows and the output's columns).
  var g: array<array<f32, MAX_SC>, MAX_RING>;
  for (var r = 0u; r < p.rows + RING - 1u; r++) {
    // Counting up, so that the loop unrolls and the ring stays in registers.
    for (var k = 0u; k + 1u < RING; k++) {
      g[RING - 1u - k] = g[RING - 2u - k];
    }
    let oy = oy0 + r;
    let oy_ok = oy < oy_end;
    let orow = oplane + min(oy, p.OH - 1u) * p.OW + ox0;
    for (var q = 0u; q < SC; q++) {
      let ok = oy_ok && q_ok[q];
      g[0][q] = select(0.0, dy[select(0u, orow + q, ok)], ok);
    }
    let iy = i32(oy0 + r) - p.pt;
    let row_ok = iy >= 0 && iy < i32(p.H);
    let row = plane + iy * i32(p.W) + ix0;
    var seg: array<f32, MAX_SPAN>;
    for (var i = 0u; i < SPAN; i++) {
      let ok = row_ok && col_ok[i];
      seg[i] = select(0.0, x[u32(select(0, row + i32(i), ok))], ok);
      if (IN_RELU) {
        seg[i] = max(seg[i], 0.0);
      }
    }
    // Output row o reads input row o - pt + ky * DH, so this input row (oy0 + r - pt) meets output
    // row oy0 + r - ky * DH, whose dy is g[ky * DH].
    for (var ky = 0u; ky < KH; ky++) {
      for (var kx = 0u; kx < KW; kx++) {
        var s = 0.0;
        for (var q = 0u; q < SC; q++) {
          s += g[ky * DH][q] * seg[q * SW + kx * DW];
        }
        acc[ky * KW + kx] += s;
      }
    }
  }
  if (live < p.count) {
    // part is [C, N, chunks, strips, KH * KW]: one reduction over the middle axes gives the weight.
    let at = (((c * p.N + n) * p.chunks + chunk) * p.strips + strip) * KH * KW;
    for (var t = 0u; t < KH * KW; t++) {
      part[at + t] = acc[t];
    }
  }
}
