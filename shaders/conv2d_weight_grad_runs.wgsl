enable subgroups;

// Gradient of conv2d with respect to its weight for filters one tap wide (KW = 1: the 7x1 half of
// dual_conv_7x7), for adapters with subgroups of at least 8 lanes (llvmpipe), as partial sums over
// chunks of the batch (summed afterwards in src/ops/conv-direct.ts):
//   part[chunk, k, c, ky, 0] = sum over (n in chunk, oy, ox) of dy[n, k, oy, ox] * x[n, g*cin_g + c, iy, ix]
// with iy = oy * SH + ky * DH - pt, ix = ox * SW - pl. Laid out as a matrix product whose reduction
// runs over the output pixels (matmul_subgroup.wgsl's layout): each invocation owns KB = 16 output
// channels x a run of 4 taps down the filter (4 adjacent ky), 64 sums in registers. All lanes walk
// the same pixels of their images: lane l loads dy of the 16 channels at pixel p0 + l, and
// subgroupShuffle hands each value to every lane, so one dy load feeds 8 pixels x 4 taps of every
// lane; x is loaded per lane, 4 taps per pixel. conv2d_weight_grad_subgroup.wgsl, which owns one
// filter row of 8 channels and shuffles dy per 4 columns, does 2 multiply-adds per load on such a
// filter; interleaved on 2-core lavapipe (7x1 C32 14x14, 64 images, weight gradient alone): 6.8 vs
// 13.8 ms at best, level on 3x3 and 1x7 filters, which keep that kernel.
override WG: u32 = 64u;
override KH: u32 = 7u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
const TB = 4u;  // mirrors RUN_TAPS in src/ops/conv-direct.ts; taps per run
const KB = 16u;  // mirrors RUNS_CHANNEL_BLOCK in src/ops/conv-direct.ts; output channels per invocation
const LANES = 8u;  // pixels per dy load: lane l loads pixel p0 + l
override RUNS: u32 = (KH + TB - 1u) / TB;  // runs per filter

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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  // x: runs (c, run); y: group and block of KB output channels; z: batch chunk.
  // No early return: shuffles need every lane; runs past the end are clamped and not stored.
  let runs = p.cin_g * RUNS;
  let live = wid.x * WG + lid.x;
  let run = min(live, runs - 1u);
  let c = run / RUNS;
  let ky0 = (run % RUNS) * TB;
  let g = wid.y / p.blocks;
  let k0 = g * p.cout_g + (wid.y % p.blocks) * KB;
  let k_last = g * p.cout_g + p.cout_g - 1u;
  // The run's rows as offsets from oy * SH; taps past the filter's end read 0 and are not stored.
  var oyo: vec4i;
  var tap_ok: vec4<bool>;
  for (var j = 0u; j < TB; j++) {
    oyo[j] = i32((ky0 + j) * DH) - p.pt;
    tap_ok[j] = ky0 + j < KH;
  }
  let ohw = p.OH * p.OW;
  var acc: array<vec4f, KB>;
  let n_end = min(p.N, (wid.z + 1u) * p.per_chunk);
  for (var n = wid.z * p.per_chunk; n < n_end; n++) {
    let plane = (n * p.C + g * p.cin_g + c) * p.H * p.W;
    let dy_plane = n * p.K * ohw;
    // The coordinates of pixel p0 + kk, stepped along the rows.
    var oy = 0u;
    var ox = 0u;
    for (var p0 = 0u; p0 < ohw; p0 += LANES) {
      // dy of 16 channels at this lane's pixel (0 past the plane's end: those pixels add nothing).
      let mine = p0 + lane % LANES;
      let at = dy_plane + min(mine, ohw - 1u);
      var dv: array<f32, KB>;
      for (var r = 0u; r < KB; r++) {
        dv[r] = select(0.0, dy[at + min(k0 + r, k_last) * ohw], mine < ohw);
      }
      for (var kk = 0u; kk < LANES; kk++) {
        let ix = i32(ox * SW) - p.pl;
        let col_ok = ix >= 0 && ix < i32(p.W);
        var xv: vec4f;
        for (var j = 0u; j < TB; j++) {
          let iy = i32(oy * SH) + oyo[j];
          let ok = tap_ok[j] && col_ok && iy >= 0 && iy < i32(p.H);
          xv[j] = select(0.0, x[plane + u32(iy) * p.W + u32(ix)], ok);
        }
        for (var r = 0u; r < KB; r++) {
          acc[r] += subgroupShuffle(dv[r], kk) * xv;
        }
        ox++;
        if (ox == p.OW) {
          ox = 0u;
          oy++;
        }
      }
    }
  }
  if (live >= runs) {
    return;
  }
  // part is [chunks, K, cin_g * KH]; tap j of the run is entry c * KH + ky0 + j.
  let entries = p.cin_g * KH;
  let base = wid.z * p.K * entries + c * KH + ky0;
  for (var j = 0u; j < TB; j++) {
    if (tap_ok[j]) {
      for (var r = 0u; r < KB; r++) {
        if (k0 + r <= k_last) {
          part[base + j + (k0 + r) * entries] = acc[r][j];
        }
      }
    }
  }
}
