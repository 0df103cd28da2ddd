// Gradient of a depthwise convolution with respect to its input:
//   dx[n, c, iy, ix] = sum over (ky, kx) of w[c, ky, kx] * dy[n, c, oy, ox]
// with oy = (iy + pt - ky * DH) / SH when that divides exactly and lies inside the output (same for
// x). Laid out like conv2d_depthwise.wgsl, since loads bound it on CPU adapters: each invocation
// computes ROWS input rows x 4 adjacent columns, walks the dy rows they share once, and holds the
// filter in registers; a workgroup covers part of one (n, c) plane, so filter loads are uniform.
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
// dy columns (before dividing by the stride) under 4 adjacent inputs: 3 plus the dilated kernel width.
override SPAN: u32 = 3u + (KW - 1u) * DW + 1u;
// dy rows (before dividing by the stride) under ROWS adjacent inputs.
override RSPAN: u32 = ROWS + (KH - 1u) * DH;
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
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// dy at the output column that input column `tx` (shifted by the padding and tap) came from, or 0
// when no output column used it.
fn gtap(row: i32, tx: i32, row_ok: bool) -> f32 {
  let ox = tx / i32(SW);
  let ok = row_ok && tx >= 0 && tx % i32(SW) == 0 && ox < i32(p.OW);
  return select(0.0, dy[u32(row + ox)], ok);
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
  let strips = (p.W + 3u) / 4u;
  let ix0 = (idx % strips) * 4u;
  let iy0 = (idx / strips) * ROWS;
  let first_y = i32(iy0) + p.pt - i32((KH - 1u) * DH);  // ty of the last filter row at the first row
  let first_x = i32(ix0) + p.pl - i32((KW - 1u) * DW);
  let plane = i32((n * p.C + c) * p.OH * p.OW);
  var f: array<f32, MAX_TAPS>;
  for (var t = 0u; t < KH * KW; t++) {
    f[t] = w[c * KH * KW + t];
  }
  var acc: array<vec4f, ROWS>;
  // dy row r (ty = first_y + r) feeds input row j through filter row ky when
  // r = j + (KH - 1 - ky) * DH: constants after unrolling, so the tests fold away.
  for (var r = 0u; r < RSPAN; r++) {
    let ty = first_y + i32(r);
    let oy = ty / i32(SH);
    let row_ok = ty >= 0 && ty % i32(SH) == 0 && oy < i32(p.OH);
    let row = plane + oy * i32(p.OW);
    var seg: array<f32, MAX_SPAN>;
    for (var i = 0u; i < SPAN; i++) {
      seg[i] = gtap(row, first_x + i32(i), row_ok);
    }
    for (var j = 0u; j < ROWS; j++) {
      let d = i32(r) - i32(j);
      if (d >= 0 && u32(d) % DH == 0u && u32(d) / DH < KH) {
        let ky = KH - 1u - u32(d) / DH;
        for (var kx = 0u; kx < KW; kx++) {
          let s = (KW - 1u - kx) * DW;
          acc[j] += f[ky * KW + kx] * vec4f(seg[s], seg[s + 1u], seg[s + 2u], seg[s + 3u]);
        }
      }
    }
  }
  if (live >= p.count) {
    return;
  }
  for (var j = 0u; j < ROWS; j++) {
    let iy = iy0 + j;
    if (iy < p.H) {
      let at = ((n * p.C + c) * p.H + iy) * p.W + ix0;
      for (var q = 0u; q < 4u; q++) {
        if (ix0 + q < p.W) {
          dx[at + q] = acc[j][q];
        }
      }
    }
  }
}
