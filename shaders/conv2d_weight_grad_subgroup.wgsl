enable subgroups;

// Gradient of conv2d with respect to its weight, for adapters with subgroups of at least 8 lanes
// (llvmpipe), as partial sums over chunks of the batch (summed afterwards in src/ops/conv-direct.ts):
//   part[chunk, k, c, ky, kx] = sum over (n in chunk, oy, ox) of dy[n, k, oy, ox] * x[n, g*cin_g + c, iy, ix]
// with iy = oy * SH + ky * DH - pt (same for x). On llvmpipe loads cost per lane, even from one
// address, and bound this kernel, so:
//  - each invocation owns one filter row (c, ky) for 8 output channels: KW x 8 sums in registers;
//  - it walks the output 4 columns at a time and loads the input columns under them once per row
//    (6 loads serve 4 columns x 3 taps for 3x3), like conv2d_forward.wgsl;
//  - the dy values of the 8 channels are the same for every lane: lane l loads 4 columns of channel
//    l % 8 and subgroupShuffle hands each value to every lane.
// Measured on 2-core lavapipe (conv3x3 C32 28x28 N=64): ~32 ms, against ~95 ms for the layout of
// conv2d_weight_grad.wgsl (4 entries per lane, every input value loaded once per entry).
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
// Input columns under 4 adjacent outputs: 3 strides plus the dilated kernel width.
override SPAN: u32 = 3u * SW + (KW - 1u) * DW + 1u;
const MAX_SPAN = 32u;  // mirrors MAX_SPAN in src/ops/conv-geometry.ts
const KB = 8u;  // mirrors SUBGROUP_BLOCK in src/ops/conv-direct.ts; output channels per invocation = lanes that load dy
const MAX_KW = 7u;  // mirrors MAX_WEIGHT_GRAD_KW in src/ops/conv-direct.ts

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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  // x: filter rows (c, ky); y: group and block of 8 output channels; z: batch chunk.
  // No early return: shuffles need every lane; rows past the end are clamped and not stored.
  let rows = p.cin_g * KH;
  let fr_live = wid.x * WG + lid.x;
  let fr = min(fr_live, rows - 1u);
  let c = fr / KH;
  let ky = fr % KH;
  let g = wid.y / p.blocks;
  let k0 = g * p.cout_g + (wid.y % p.blocks) * KB;
  let k_last = g * p.cout_g + p.cout_g - 1u;
  let k_mine = min(k0 + lane % KB, k_last);  // the channel whose dy this lane loads
  let ohw = p.OH * p.OW;
  let hw = p.H * p.W;
  // acc[2 kx] holds channels k0 .. k0 + 3 of tap kx, acc[2 kx + 1] the next 4.
  var acc: array<vec4f, 2u * MAX_KW>;
  let n_end = min(p.N, (wid.z + 1u) * p.per_chunk);
  for (var n = wid.z * p.per_chunk; n < n_end; n++) {
    let plane = i32((n * p.C + g * p.cin_g + c) * hw);
    let grow0 = (n * p.K + k_mine) * ohw;
    for (var oy = 0u; oy < p.OH; oy++) {
      let iy = i32(oy * SH + ky * DH) - p.pt;
      let row_ok = iy >= 0 && iy < i32(p.H);
      let row = plane + iy * i32(p.W);
      let grow = grow0 + oy * p.OW;
      for (var ox0 = 0u; ox0 < p.OW; ox0 += 4u) {
        // This lane's channel at 4 columns (0 past the row end, so those columns add nothing).
        var gq: vec4f;
        for (var q = 0u; q < 4u; q++) {
          gq[q] = select(0.0, dy[grow + ox0 + q], ox0 + q < p.OW);
        }
        var seg: array<f32, MAX_SPAN>;
        let ix0 = i32(ox0 * SW) - p.pl;
        for (var i = 0u; i < SPAN; i++) {
          seg[i] = tap(row, ix0 + i32(i), row_ok);
        }
        for (var q = 0u; q < 4u; q++) {
          let lo = vec4f(subgroupShuffle(gq[q], 0u), subgroupShuffle(gq[q], 1u),
                         subgroupShuffle(gq[q], 2u), subgroupShuffle(gq[q], 3u));
          let hi = vec4f(subgroupShuffle(gq[q], 4u), subgroupShuffle(gq[q], 5u),
                         subgroupShuffle(gq[q], 6u), subgroupShuffle(gq[q], 7u));
          for (var kx = 0u; kx < KW; kx++) {
            let xv = seg[q * SW + kx * DW];
            acc[2u * kx] += xv * lo;
            acc[2u * kx + 1u] += xv * hi;
          }
        }
      }
    }
  }
  if (fr_live >= rows) {
    return;
  }
  // part is [chunks, K, cin_g * KH * KW]; this invocation's entries are fr * KW + kx.
  let entries = rows * KW;
  let base = wid.z * p.K * entries + fr * KW;
  for (var kx = 0u; kx < KW; kx++) {
    for (var j = 0u; j < 4u; j++) {
      put(base + kx, k0 + j, k_last, entries, acc[2u * kx][j]);
      put(base + kx, k0 + 4u + j, k_last, entries, acc[2u * kx + 1u][j]);
    }
  }
}

fn put(at: u32, k: u32, k_last: u32, entries: u32, v: f32) {
  if (k <= k_last) {
    part[at + k * entries] = v;
  }
}
