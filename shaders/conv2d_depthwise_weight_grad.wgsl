// Gradient of a depthwise convolution with respect to its filters, as partial sums that
// src/ops/conv-depthwise.ts adds up afterwards:
//   part[chunk, block, c, ky, kx] = sum over n in the chunk and the block's outputs (oy, ox) of
//                                   dy[n, c, oy, ox] * x[n, c, iy, ix]
// Laid out like conv2d_depthwise.wgsl (loads, not arithmetic, bound these kernels on CPU adapters):
// each invocation takes ROWS x 4 outputs of dy, walks the input rows under them once, and adds every
// tap's products into its own register, so each input value loaded serves all the taps that read it.
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
// Input columns under 4 adjacent outputs: 3 strides plus the dilated kernel width.
override SPAN: u32 = 3u * SW + (KW - 1u) * DW + 1u;
// Input rows under ROWS adjacent outputs.
override RSPAN: u32 = (ROWS - 1u) * SH + (KH - 1u) * DH + 1u;
const ROWS = 4u;  // mirrors DEPTHWISE_ROWS in src/ops/conv-depthwise.ts
const MAX_SPAN = 32u;  // mirrors MAX_SPAN in src/ops/conv-geometry.ts
const MAX_TAPS = 49u;  // mirrors MAX_TAPS in src/ops/conv-geometry.ts

// Params: CONV_PARAMS in src/ops/conv-geometry.ts
struct Params {
  N: u32, C: u32, H: u32, W: u32,
  K: u32, OH: u32, OW: u32, cin_g: u32,
  cout_g: u32, pt: i32, pl: i32, blocks: u32,
  count: u32, per_chunk: u32, _a: u32, _b: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;

fn tap(row: i32, ix: i32, row_ok: bool) -> f32 {
  return select(0.0, x[u32(row + ix)], row_ok && ix >= 0 && ix < i32(p.W));
}

fn grad(at: u32, oy: u32, ox: u32) -> f32 {
  return select(0.0, dy[at], oy < p.OH && ox < p.OW);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // x: (block of ROWS rows, strip of 4 columns) within the plane; y: channel; z: batch chunk.
  let idx = wid.x * WG + lid.x;
  if (idx >= p.count) {
    return;
  }
  let c = wid.y;
  var acc: array<f32, MAX_TAPS>;
  let n_end = min(p.N, (wid.z + 1u) * p.per_chunk);
  for (var n = wid.z * p.per_chunk; n < n_end; n++) {
    accumulate(idx, c, n, &acc);
  }
  // part is [chunks * count, C, KH * KW].
  let at = ((wid.z * p.count + idx) * p.C + c) * KH * KW;
  for (var t = 0u; t < KH * KW; t++) {
    part[at + t] = acc[t];
  }
}

// Adds this invocation's block of image n to acc.
fn accumulate(idx: u32, c: u32, n: u32, acc: ptr<function, array<f32, MAX_TAPS>>) {
  let strips = (p.OW + 3u) / 4u;
  let ox0 = (idx % strips) * 4u;
  let oy0 = (idx / strips) * ROWS;
  let iy0 = i32(oy0 * SH) - p.pt;
  let ix0 = i32(ox0 * SW) - p.pl;
  let plane = i32((n * p.C + c) * p.H * p.W);
  // This invocation's dy block, 0 outside the output.
  var g: array<vec4f, ROWS>;
  for (var j = 0u; j < ROWS; j++) {
    let oy = oy0 + j;
    let at = ((n * p.C + c) * p.OH + min(oy, p.OH - 1u)) * p.OW + ox0;
    g[j] = vec4f(grad(at, oy, ox0), grad(at + 1u, oy, ox0 + 1u), grad(at + 2u, oy, ox0 + 2u), grad(at + 3u, oy, ox0 + 3u));
  }
  // Input row r meets output row j through filter row ky when r = j * SH + ky * DH (constants after
  // unrolling, so the tests fold away).
  for (var r = 0u; r < RSPAN; r++) {
    let iy = iy0 + i32(r);
    let row_ok = iy >= 0 && iy < i32(p.H);
    let row = plane + iy * i32(p.W);
    var seg: array<f32, MAX_SPAN>;
    for (var i = 0u; i < SPAN; i++) {
      seg[i] = tap(row, ix0 + i32(i), row_ok);
    }
    for (var j = 0u; j < ROWS; j++) {
      let d = i32(r) - i32(j * SH);
      if (d >= 0 && u32(d) % DH == 0u && u32(d) / DH < KH) {
        let ky = u32(d) / DH;
        for (var kx = 0u; kx < KW; kx++) {
          let s = kx * DW;
          (*acc)[ky * KW + kx] += dot(g[j], vec4f(seg[s], seg[s + SW], seg[s + 2u * SW], seg[s + 3u * SW]));
        }
      }
    }
  }
}
