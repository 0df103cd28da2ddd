// Depthwise convolution forward (groups = C = K: one filter per channel), any stride/padding/dilation:
// where the column walk (conv2d_depthwise_columns.wgsl) does not apply (a row stride, more than
// MAX_RING rows in flight) and on the 'gpu' profile (depthwiseColumnWalk in src/ops/kernel-choice.ts).
// Written for CPU adapters, where loads (not arithmetic) bound this kernel: each invocation computes ROWS
// output rows x 4 adjacent columns, walking the input rows they share once (for 3x3 stride 1:
// 6 rows x 6 columns feed 4 x 4 outputs, instead of 12 rows x 6), and holds the filter in registers.
// A workgroup covers part of one (n, c) plane, so the filter loads are uniform across it.
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override HAS_BIAS: bool = false;
// Input columns under 4 adjacent outputs: 3 strides plus the dilated kernel width.
override SPAN: u32 = 3u * SW + (KW - 1u) * DW + 1u;
// Input rows under ROWS adjacent outputs.
override RSPAN: u32 = (ROWS - 1u) * SH + (KH - 1u) * DH + 1u;
// Rows of width % 4 == 0 at stride 1 (28x28): the input columns come as aligned vec4 blocks, NB
// loads instead of SPAN (3 instead of 6 for 3x3). PL is the left padding; PB blocks lie left of ix0.
override ALIGNED: bool = false;
override PL: u32 = 0u;
override PB: u32 = (PL + 3u) / 4u;
override NB: u32 = (4u * PB - PL + SPAN + 3u) / 4u;
const MAX_BLOCKS = 9u;  // (3 + SPAN + 3) / 4 with SPAN <= 32
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
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// vec4 elements: a full, aligned strip of 4 outputs is one store.
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>;
// The same buffer as x, read as aligned vec4 blocks on the ALIGNED path.
@group(0) @binding(5) var<storage, read> xv: array<vec4f>;

fn tap(row: i32, ix: i32, row_ok: bool) -> f32 {
  return select(0.0, x[u32(row + ix)], row_ok && ix >= 0 && ix < i32(p.W));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // x: (block of ROWS rows, strip of 4 columns) within the plane; y: channel; z: batch entry.
  // No early return: llvmpipe turns a load from a workgroup-uniform address into one scalar load
  // only while every lane is known active. Lanes past the end compute a clamped copy, never stored.
  let live = wid.x * WG + lid.x;
  let idx = min(live, p.count - 1u);
  let c = wid.y;
  let n = wid.z;
  let strips = (p.OW + 3u) / 4u;
  let ox0 = (idx % strips) * 4u;
  let oy0 = (idx / strips) * ROWS;
  let iy0 = i32(oy0 * SH) - p.pt;
  let ix0 = i32(ox0 * SW) - p.pl;
  let plane = i32((n * p.C + c) * p.H * p.W);
  var f: array<f32, MAX_TAPS>;
  for (var t = 0u; t < KH * KW; t++) {
    f[t] = w[c * KH * KW + t];
  }
  var acc: array<vec4f, ROWS>;
  // Input row r feeds output row j through filter row ky when r = j * SH + ky * DH (all constants
  // after unrolling, so the tests below fold away).
  for (var r = 0u; r < RSPAN; r++) {
    let iy = iy0 + i32(r);
    let row_ok = iy >= 0 && iy < i32(p.H);
    let row = plane + iy * i32(p.W);
    var seg: array<f32, MAX_SPAN>;
    if (ALIGNED) {
      // row and ox0 are multiples of 4, and a block lies wholly inside or outside the row.
      let b0 = i32(ox0 / 4u) - i32(PB);
      var blocks: array<vec4f, MAX_BLOCKS>;
      for (var k = 0u; k < NB; k++) {
        let bk = b0 + i32(k);
        blocks[k] = select(vec4f(0.0), xv[u32(row / 4 + bk)], row_ok && bk >= 0 && bk < i32(p.W / 4u));
      }
      for (var i = 0u; i < SPAN; i++) {
        let at = i + 4u * PB - PL;
        seg[i] = blocks[at / 4u][at % 4u];
      }
    } else {
      for (var i = 0u; i < SPAN; i++) {
        seg[i] = tap(row, ix0 + i32(i), row_ok);
      }
    }
    for (var j = 0u; j < ROWS; j++) {
      let d = i32(r) - i32(j * SH);
      if (d >= 0 && u32(d) % DH == 0u && u32(d) / DH < KH) {
        let ky = u32(d) / DH;
        for (var kx = 0u; kx < KW; kx++) {
          let s = kx * DW;
          acc[j] += f[ky * KW + kx] * vec4f(seg[s], seg[s + SW], seg[s + 2u * SW], seg[s + 3u * SW]);
        }
      }
    }
  }
  if (live >= p.count) {
    return;
  }
  var b = 0.0;
  if (HAS_BIAS) {
    b = bias[c];
  }
  for (var j = 0u; j < ROWS; j++) {
    let oy = oy0 + j;
    if (oy < p.OH) {
      let at = ((n * p.C + c) * p.OH + oy) * p.OW + ox0;
      let v = acc[j] + b;
      if (at % 4u == 0u && ox0 + 3u < p.OW) {
        y[at / 4u] = v;
      } else {
        for (var q = 0u; q < 4u; q++) {
          if (ox0 + q < p.OW) {
            y[(at + q) / 4u][(at + q) % 4u] = v[q];
          }
        }
      }
    }
  }
}
