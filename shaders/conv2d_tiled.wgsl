// conv2d for a real GPU ('gpu' kernel profile, convKernels in src/ops/kernel-choice.ts) as an
// implicit GEMM, C[m, col] = sum over r of A[m, r] * B[r, col], in three modes (MODE) that share the
// tiles, the accumulation and the tiling; only the gathers that stage A and B and the final store
// differ. B is never stored: each tile is gathered from its tensor as it is staged (no im2col buffer).
//
// FORWARD, per image and group (workgroup_id.z = n * groups + g):
//   y[n, g*cout_g + m, pix] = sum over r of A[m, r] * B[r, pix] (+ bias)
//   A[m, r]   = w[g*cout_g + m, c, ky, kx]                      (r = (c, ky, kx), contiguous in w)
//   B[r, pix] = x[n, g*cin_g + c, oy*SH + ky*DH - pt, ox*SW + kx*DW - pl], 0 in the padding
//   M = output channels per group, N = OH*OW, K = cin_g*KH*KW.
// INPUT_GRAD, per image and group:
//   dx[n, g*cin_g + c, q] = sum over r of A[c, r] * B[r, q]
//   A[c, r] = w[g*cout_g + k, c, ky, kx]                        (r = (k, ky, kx))
//   B[r, q] = dy[n, g*cout_g + k, oy, ox] for input pixel q = (iy, ix), where
//             oy = (iy + pt - ky*DH) / SH when that divides exactly and lands in [0, OH) (same for x),
//             else 0 (the transposed geometry: no output pixel read this input through that tap)
//   M = input channels per group, N = H*W, K = cout_g*KH*KW. With stride 2 three quarters of B are
//   such zeros; splitting by stride phase would skip them, but the search space's strided
//   convolutions are few (reduction cells), so this stays one mode.
// WEIGHT_GRAD, a reduction over (image, output pixel) split into chunks of per_chunk terms
// (workgroup_id.z = chunk * groups + g; src/ops/conv-direct.ts sums the chunks afterwards):
//   part[chunk, g*cout_g + k, e] = sum over r in the chunk of A[k, r] * B[r, e]
//   A[k, r] = dy[n, g*cout_g + k, oy, ox]                       (r = (n, oy, ox), contiguous in dy)
//   B[r, e] = x[n, g*cin_g + c, oy*SH + ky*DH - pt, ox*SW + kx*DW - pl], 0 in the padding
//   with e = (c, ky, kx): M = output channels per group, N = cin_g*KH*KW, K = the chunk's terms.
//   Chunks are flat ranges of r, not whole images, so one big image still spreads over many
//   workgroups.
//
// Tiling as matmul_tiled.wgsl (the standard choice, untuned: nothing here has run on a real GPU):
// 64x64 output tiles, K in steps of 16 through workgroup memory, 16x16 invocations, each holding a
// 4x4 block of accumulators. An invocation owns rows ty + 16i and columns tx + 16j (not 4 adjacent
// ones): reads of b_tile are then consecutive across a warp (no bank conflicts) and stores are
// coalesced. Tiles are written with r varying fastest across invocations where that makes the
// global reads contiguous; one padding column keeps those stores from all hitting one bank.
// KH, KW, strides and dilations are override constants, as in the other conv kernels: the tile loads
// split r into (c, ky, kx) for every staged element, and division by a constant compiles to a
// multiply and shift where division by a uniform is a long instruction sequence on most GPUs. The
// cost is one pipeline per filter geometry and mode; the search space has a handful.
//
// Bindings: a_src holds A (w, w, dy by mode), b_src B's tensor (x, dy, x), bias the forward's bias
// (a stand-in otherwise, read only with HAS_BIAS), out the result (y, dx, part).
override MODE: u32 = 0u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override HAS_BIAS: bool = false;
override TAPS: u32 = KH * KW;
const FORWARD = 0u;
const INPUT_GRAD = 1u;
const WEIGHT_GRAD = 2u;
const TILE = 64u;  // mirrors TILE in src/ops/conv-direct.ts
const TK = 16u;  // mirrors TILE_K in src/ops/conv-direct.ts

// Params: CONV_PARAMS in src/ops/conv-geometry.ts
struct Params {
  N: u32, C: u32, H: u32, W: u32,
  K: u32, OH: u32, OW: u32, cin_g: u32,
  cout_g: u32, pt: i32, pl: i32, blocks: u32,
  count: u32, per_chunk: u32, _a: u32, _b: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a_src: array<f32>;
@group(0) @binding(2) var<storage, read> b_src: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> a_tile: array<array<f32, TILE + 1u>, TK>;  // [r][m]
var<workgroup> b_tile: array<array<f32, TILE + 1u>, TK>;  // [r][col]
var<private> acc: array<array<f32, 4>, 4>;

/** acc += a_tile^T . b_tile for this invocation's 4x4 block, between the barriers of one step. */
fn accumulate(lid: vec3u) {
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

/**
 * Writes the 4x4 block: C[m, col] (+ bias[bias_first + m] in the forward with HAS_BIAS) goes to
 * out[first + m * cols + col], for m < rows and col < cols.
 */
fn store(lid: vec3u, m0: u32, col0: u32, rows: u32, cols: u32, first: u32, bias_first: u32) {
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y + 16u * i;
    if (m >= rows) {
      continue;
    }
    var b = 0.0;
    if (MODE == FORWARD && HAS_BIAS) {
      b = bias[bias_first + m];
    }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x + 16u * j;
      if (col < cols) {
        out[first + m * cols + col] = acc[i][j] + b;
      }
    }
  }
}

fn forward(wid: vec3u, lid: vec3u, flat: u32) {
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
  for (var k0 = 0u; k0 < red; k0 += TK) {
    for (var l = 0u; l < 4u; l++) {
      let am = flat / TK + 16u * l;
      let ar = k0 + a_r;
      var av = 0.0;
      if (m0 + am < p.cout_g && ar < red) {
        av = a_src[w_base + am * red + ar];
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
        bv = b_src[x_base + (c * p.H + u32(iy)) * p.W + u32(ix)];
      }
      b_tile[b_row][b_col] = bv;
    }
    accumulate(lid);
  }
  store(lid, m0, col0, p.cout_g, ohw, (n * p.K + g * p.cout_g) * ohw, g * p.cout_g);
}

fn input_grad(wid: vec3u, lid: vec3u, flat: u32) {
  let groups = p.K / p.cout_g;
  let n = wid.z / groups;
  let g = wid.z % groups;
  let red = p.cout_g * TAPS;
  let hw = p.H * p.W;
  let ohw = p.OH * p.OW;
  let wsize = p.cin_g * TAPS;  // one output channel's filter
  let m0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  // The input pixel this invocation stages B for, shifted by the padding: fixed for all steps.
  let b_col = flat % TILE;
  let q = col0 + b_col;
  let col_ok = q < hw;
  let ty0 = i32(q / p.W) + p.pt;
  let tx0 = i32(q % p.W) + p.pl;
  let dy_base = (n * p.K + g * p.cout_g) * ohw;
  let a_r = flat % TK;
  let w_base = g * p.cout_g * wsize;
  for (var k0 = 0u; k0 < red; k0 += TK) {
    // One r per invocation for A: its (k, tap) offset into w, shared by the 4 channels it stages.
    let ar = k0 + a_r;
    let a_off = w_base + (ar / TAPS) * wsize + ar % TAPS;
    for (var l = 0u; l < 4u; l++) {
      let am = flat / TK + 16u * l;
      var av = 0.0;
      if (m0 + am < p.cin_g && ar < red) {
        av = a_src[a_off + (m0 + am) * TAPS];
      }
      a_tile[a_r][am] = av;

      let b_row = flat / TILE + 4u * l;
      let r = k0 + b_row;
      let k = r / TAPS;
      let t = r % TAPS;
      let ty = ty0 - i32((t / KW) * DH);
      let tx = tx0 - i32((t % KW) * DW);
      let oy = ty / i32(SH);
      let ox = tx / i32(SW);
      var bv = 0.0;
      if (col_ok && r < red && ty >= 0 && tx >= 0 && ty % i32(SH) == 0 && tx % i32(SW) == 0 &&
          oy < i32(p.OH) && ox < i32(p.OW)) {
        bv = b_src[dy_base + k * ohw + u32(oy) * p.OW + u32(ox)];
      }
      b_tile[b_row][b_col] = bv;
    }
    accumulate(lid);
  }
  store(lid, m0, col0, p.cin_g, hw, (n * p.C + g * p.cin_g) * hw, 0u);
}

fn weight_grad(wid: vec3u, lid: vec3u, flat: u32) {
  let groups = p.K / p.cout_g;
  let chunk = wid.z / groups;
  let g = wid.z % groups;
  let entries = p.cin_g * TAPS;
  let ohw = p.OH * p.OW;
  let hw = p.H * p.W;
  let m0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let start = chunk * p.per_chunk;
  let end = min(p.N * ohw, start + p.per_chunk);
  // The 4 weight entries (columns of B) this invocation stages are the same at every step: decode
  // them once into an input-plane offset and the tap's offsets from the output pixel.
  let rr = flat % TK;
  var e_plane: array<u32, 4>;
  var e_oy: array<i32, 4>;
  var e_ox: array<i32, 4>;
  var e_ok: array<bool, 4>;
  for (var l = 0u; l < 4u; l++) {
    let e = col0 + flat / TK + 16u * l;
    let t = e % TAPS;
    e_plane[l] = (g * p.cin_g + e / TAPS) * hw;
    e_oy[l] = i32((t / KW) * DH) - p.pt;
    e_ox[l] = i32((t % KW) * DW) - p.pl;
    e_ok[l] = e < entries;
  }
  for (var r0 = start; r0 < end; r0 += TK) {
    // One term r per invocation, shared by its A and B elements: image n, output pixel (oy, ox).
    let r = r0 + rr;
    let r_ok = r < end;
    let n = r / ohw;
    let pix = r % ohw;
    let sy = i32((pix / p.OW) * SH);
    let sx = i32((pix % p.OW) * SW);
    let dy_at = (n * p.K + g * p.cout_g + m0) * ohw + pix;
    let x_at = n * p.C * hw;
    for (var l = 0u; l < 4u; l++) {
      let mm = flat / TK + 16u * l;
      var av = 0.0;
      if (r_ok && m0 + mm < p.cout_g) {
        av = a_src[dy_at + mm * ohw];
      }
      a_tile[rr][mm] = av;

      let iy = sy + e_oy[l];
      let ix = sx + e_ox[l];
      var bv = 0.0;
      if (r_ok && e_ok[l] && iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W)) {
        bv = b_src[x_at + e_plane[l] + u32(iy) * p.W + u32(ix)];
      }
      b_tile[rr][mm] = bv;
    }
    accumulate(lid);
  }
  store(lid, m0, col0, p.cout_g, entries, (chunk * p.K + g * p.cout_g) * entries, 0u);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) flat: u32) {
  if (MODE == FORWARD) {
    forward(wid, lid, flat);
  } else if (MODE == INPUT_GRAD) {
    input_grad(wid, lid, flat);
  } else {
    weight_grad(wid, lid, flat);
  }
}
