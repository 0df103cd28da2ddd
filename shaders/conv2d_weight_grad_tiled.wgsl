// Gradient of conv2d with respect to its weight, for a real GPU ('gpu' kernel profile), as an
// implicit GEMM whose reduction runs over (image, output pixel), split into chunks of per_chunk
// terms; workgroup_id.z = chunk * groups + g, and src/ops/conv.ts sums the chunks afterwards:
//   part[chunk, g*cout_g + k, e] = sum over r in the chunk of A[k, r] * B[r, e]
//   A[k, r] = dy[n, g*cout_g + k, oy, ox]                        (r = (n, oy, ox), contiguous in dy)
//   B[r, e] = x[n, g*cin_g + c, oy*SH + ky*DH - pt, ox*SW + kx*DW - pl], 0 in the padding
// with e = (c, ky, kx): M = output channels per group, N = cin_g*KH*KW, K = the chunk's terms.
// Chunks are flat ranges of r, not whole images, so one big image still spreads over many workgroups.
// Tiling as conv2d_forward_tiled.wgsl (the standard choice, untuned, never run on a real GPU):
// 64x64 tiles, reduction steps of 16 through workgroup memory, 16x16 invocations with 4x4
// accumulators at rows ty + 16i, columns tx + 16j.
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
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;

// Both tiles are written with r varying fastest across invocations (consecutive output pixels:
// coalesced reads of dy and, for stride 1, of x); one padding column keeps those stores from all
// hitting one bank.
var<workgroup> a_tile: array<array<f32, TILE + 1u>, TK>;  // [r][k]
var<workgroup> b_tile: array<array<f32, TILE + 1u>, TK>;  // [r][e]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) flat: u32) {
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

  var acc: array<array<f32, 4>, 4>;
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
        av = dy[dy_at + mm * ohw];
      }
      a_tile[rr][mm] = av;

      let iy = sy + e_oy[l];
      let ix = sx + e_ox[l];
      var bv = 0.0;
      if (r_ok && e_ok[l] && iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W)) {
        bv = x[x_at + e_plane[l] + u32(iy) * p.W + u32(ix)];
      }
      b_tile[rr][mm] = bv;
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
    let k = m0 + lid.y + 16u * i;
    if (k >= p.cout_g) {
      continue;
    }
    let row = (chunk * p.K + g * p.cout_g + k) * entries;
    for (var j = 0u; j < 4u; j++) {
      let e = col0 + lid.x + 16u * j;
      if (e < entries) {
        part[row + e] = acc[i][j];
      }
    }
  }
}
