// conv2d forward for a real GPU ('gpu' kernel profile) as an implicit GEMM, one image and group per
// workgroup layer (workgroup_id.z = n * groups + g):
//   y[n, g*cout_g + m, pix] = sum over r of A[m, r] * B[r, pix] (+ bias)
//   A[m, r]   = w[g*cout_g + m, c, ky, kx]                          (r = (c, ky, kx), contiguous in w)
//   B[r, pix] = x[n, g*cin_g + c, oy*SH + ky*DH - pt, ox*SW + kx*DW - pl], 0 in the padding
// M = output channels per group, N = OH*OW, K = cin_g*KH*KW. B is never stored: each tile is
// gathered from the input as it is staged (no im2col buffer).
// Tiling as matmul_tiled.wgsl (the standard choice, untuned: nothing here has run on a real GPU):
// 64x64 output tiles, K in steps of 16 through workgroup memory, 16x16 invocations, each holding a
// 4x4 block of accumulators. An invocation owns rows ty + 16i and columns tx + 16j (not 4 adjacent
// ones): reads of b_tile are then consecutive across a warp (no bank conflicts) and stores of y are
// coalesced.
// KH, KW, strides and dilations are override constants, as in the other conv kernels: the tile loads
// split r into (c, ky, kx) for every staged element, and division by a constant compiles to a
// multiply and shift where division by a uniform is a long instruction sequence on most GPUs. The
// cost is one pipeline per filter geometry; the search space has a handful.
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override HAS_BIAS: bool = false;
override TAPS: u32 = KH * KW;
const TILE = 64u;
const TK = 16u;

// Shared by every conv2d_*.wgsl kernel (see params() in src/ops/conv.ts).
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
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// a_tile is written with r varying fastest across invocations (coalesced weight reads); one padding
// column keeps those stores from all hitting one bank.
var<workgroup> a_tile: array<array<f32, TILE + 1u>, TK>;  // [r][m]
var<workgroup> b_tile: array<array<f32, TILE>, TK>;       // [r][pix]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) flat: u32) {
  let groups = p.K / p.cout_g;
  let n = wid.z / groups;
  let g = wid.z % groups;
  let red = p.cin_g * TAPS;
  let ohw = p.OH * p.OW;
  let m0 = wid.y * TILE;
  let col0 = wid.x * TILE;

  // The B column this invocation stages is the same at every step: decode its pixel once.
  let b_col = flat % TILE;
  let pix = col0 + b_col;
  let col_ok = pix < ohw;
  let iy0 = i32((pix / p.OW) * SH) - p.pt;
  let ix0 = i32((pix % p.OW) * SW) - p.pl;
  let x_base = (n * p.C + g * p.cin_g) * p.H * p.W;
  // The A element: r offset fixed per invocation, 4 rows (output channels) 16 apart.
  let a_r = flat % TK;
  let w_base = (g * p.cout_g + m0) * red;

  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < red; k0 += TK) {
    for (var l = 0u; l < 4u; l++) {
      let am = flat / TK + 16u * l;
      let ar = k0 + a_r;
      var av = 0.0;
      if (m0 + am < p.cout_g && ar < red) {
        av = w[w_base + am * red + ar];
      }
      a_tile[a_r][am] = av;

      let b_row = flat / TILE + 4u * l;
      let r = k0 + b_row;
      let c = r / TAPS;
      let t = r % TAPS;
      let iy = iy0 + i32((t / KW) * DH);
      let ix = ix0 + i32((t % KW) * DW);
      var bv = 0.0;
      if (col_ok && r < red && iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W)) {
        bv = x[x_base + (c * p.H + u32(iy)) * p.W + u32(ix)];
      }
      b_tile[b_row][b_col] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var ar: array<f32, 4>;
      var br: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        ar[i] = a_tile[kk][lid.y + 16u * i];
        br[i] = b_tile[kk][lid.x + 16u * i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i][j] = fma(ar[i], br[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y + 16u * i;
    if (m >= p.cout_g) {
      continue;
    }
    let co = g * p.cout_g + m;
    var b = 0.0;
    if (HAS_BIAS) {
      b = bias[co];
    }
    for (var j = 0u; j < 4u; j++) {
      let q = col0 + lid.x + 16u * j;
      if (q < ohw) {
        y[(n * p.K + co) * ohw + q] = acc[i][j] + b;
      }
    }
  }
}
