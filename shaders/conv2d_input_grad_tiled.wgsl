// Gradient of conv2d with respect to its input, for a real GPU ('gpu' kernel profile), as an
// implicit GEMM per image and group (workgroup_id.z = n * groups + g):
//   dx[n, g*cin_g + c, q] = sum over r of A[c, r] * B[r, q]
//   A[c, r] = w[g*cout_g + k, c, ky, kx]                       (r = (k, ky, kx))
//   B[r, q] = dy[n, g*cout_g + k, oy, ox] for input pixel q = (iy, ix), where
//             oy = (iy + pt - ky*DH) / SH when that divides exactly and lands in [0, OH) (same for x),
//             else 0 (the transposed geometry: no output pixel read this input through that tap)
// M = input channels per group, N = H*W, K = cout_g*KH*KW. B is gathered from dy as it is staged.
// With stride 2 three quarters of B are such zeros; splitting by stride phase would skip them, but
// the search space's strided convolutions are few (reduction cells), so this stays one kernel.
// Tiling as conv2d_forward_tiled.wgsl (the standard choice, untuned, never run on a real GPU):
// 64x64 tiles, K steps of 16 through workgroup memory, 16x16 invocations with 4x4 accumulators each
// at rows ty + 16i, columns tx + 16j. Tap geometry as override constants for the same reason as there.
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override TAPS: u32 = KH * KW;
const TILE = 64u;
const TK = 16u;

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

// a_tile is written with r varying fastest across invocations (taps are contiguous in w); one
// padding column keeps those stores from all hitting one bank.
var<workgroup> a_tile: array<array<f32, TILE + 1u>, TK>;  // [r][c]
var<workgroup> b_tile: array<array<f32, TILE>, TK>;       // [r][q]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) flat: u32) {
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

  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < red; k0 += TK) {
    // One r per invocation for A: its (k, tap) offset into w, shared by the 4 channels it stages.
    let ar = k0 + a_r;
    let a_off = w_base + (ar / TAPS) * wsize + ar % TAPS;
    for (var l = 0u; l < 4u; l++) {
      let am = flat / TK + 16u * l;
      var av = 0.0;
      if (m0 + am < p.cin_g && ar < red) {
        av = w[a_off + (m0 + am) * TAPS];
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
        bv = dy[dy_base + k * ohw + u32(oy) * p.OW + u32(ox)];
      }
      b_tile[b_row][b_col] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var ar4: array<f32, 4>;
      var br4: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        ar4[i] = a_tile[kk][lid.y + 16u * i];
        br4[i] = b_tile[kk][lid.x + 16u * i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i][j] = fma(ar4[i], br4[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let c = m0 + lid.y + 16u * i;
    if (c >= p.cin_g) {
      continue;
    }
    let plane = (n * p.C + g * p.cin_g + c) * hw;
    for (var j = 0u; j < 4u; j++) {
      let qq = col0 + lid.x + 16u * j;
      if (qq < hw) {
        dx[plane + qq] = acc[i][j];
      }
    }
  }
}
