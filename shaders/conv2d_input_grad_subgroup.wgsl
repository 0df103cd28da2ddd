enable subgroups;

// conv2d_input_grad.wgsl for adapters with subgroups of at least 8 lanes (llvmpipe): each invocation
// keeps CIB = 16 input channels x 4 adjacent columns in registers, and the weights are not loaded by
// every lane: lane l loads the KH x KW taps that input channels l and l + 8 of the block need and
// subgroupShuffle hands them to every lane (on llvmpipe a load costs per lane even when all lanes
// read one address).
//   dx[n, c, iy, ix] = sum over (k in c's group, ky, kx) of w[k, c, ky, kx] * dy[n, k, oy, ox]
// with oy = (iy + pt - ky * DH) / SH when that divides exactly and lies inside the output.
// 16 channels against 8, interleaved (forward + input gradient, 64 images): 3x3 C32 28x28 47-55 vs
// 66-80 ms, 3x3 C64 14x14 47-55 vs 68-70, 7x1 C32 14x14 17-30 vs 23-43; 1x7 16-27 vs 10-24 (noisy).
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
// dy columns (before dividing by the stride) under 4 adjacent inputs: 3 plus the dilated kernel width.
override SPAN: u32 = 3u + (KW - 1u) * DW + 1u;
const MAX_SPAN = 32u;  // mirrors MAX_SPAN in src/ops/conv-geometry.ts
const CIB = 16u;  // mirrors SUBGROUP_INPUT_GRAD_BLOCK in src/ops/conv-direct.ts; input channels per invocation
const LANES = 8u;  // lanes that load weights: lane l those of channels l and l + 8
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

fn gtap(row: i32, tx: i32, row_ok: bool) -> f32 {
  let ox = tx / i32(SW);
  let ok = row_ok && tx >= 0 && tx % i32(SW) == 0 && ox < i32(p.OW);
  return select(0.0, dy[u32(row + ox)], ok);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  // x, y: a 1-D range of (n, iy, strip of 4 columns); z: group and block of CIB input channels.
  // No early return: shuffles need every lane, and lanes past the end compute a clamped copy.
  let live = wid.x * WG + lid.x + wid.y * nwg.x * WG;
  let idx = min(live, p.count - 1u);
  let strips = (p.W + 3u) / 4u;
  let ix0 = (idx % strips) * 4u;
  let iy = (idx / strips) % p.H;
  let n = idx / (strips * p.H);
  let g = wid.z / p.blocks;
  let cl0 = (wid.z % p.blocks) * CIB;  // first channel of the block, within the group
  let taps = KH * KW;
  let ty0 = i32(iy) + p.pt;
  let tx0 = i32(ix0) + p.pl;
  let first = tx0 - i32((KW - 1u) * DW);  // tx of the last tap at the first column
  var acc: array<vec4f, CIB>;
  var plane = (n * p.K + g * p.cout_g) * p.OH * p.OW;
  // This lane's weights: w[k, cl0 + lane % 8, ...], starting at the group's first k.
  var wmine0 = (g * p.cout_g * p.cin_g + min(cl0 + lane % LANES, p.cin_g - 1u)) * taps;
  var wmine1 = (g * p.cout_g * p.cin_g + min(cl0 + LANES + lane % LANES, p.cin_g - 1u)) * taps;
  for (var k = 0u; k < p.cout_g; k++) {
    var wv0: array<f32, MAX_TAPS>;
    var wv1: array<f32, MAX_TAPS>;
    for (var t = 0u; t < KH * KW; t++) {
      wv0[t] = w[wmine0 + t];
      wv1[t] = w[wmine1 + t];
    }
    wmine0 += p.cin_g * taps;
    wmine1 += p.cin_g * taps;
    var wi = 0u;
    for (var ky = 0u; ky < KH; ky++) {
      let ty = ty0 - i32(ky * DH);
      let oy = ty / i32(SH);
      let row_ok = ty >= 0 && ty % i32(SH) == 0 && oy < i32(p.OH);
      let row = i32(plane) + oy * i32(p.OW);
      // The dy columns that the 4 inputs x KW taps read, loaded once (6 instead of 12 for 3x3).
      var seg: array<f32, MAX_SPAN>;
      for (var i = 0u; i < SPAN; i++) {
        seg[i] = gtap(row, first + i32(i), row_ok);
      }
      for (var kx = 0u; kx < KW; kx++) {
        let s = (KW - 1u - kx) * DW;
        let v = vec4f(seg[s], seg[s + 1u], seg[s + 2u], seg[s + 3u]);
        for (var c = 0u; c < LANES; c++) {
          acc[c] += subgroupShuffle(wv0[wi], c) * v;
          acc[c + LANES] += subgroupShuffle(wv1[wi], c) * v;
        }
        wi++;
      }
    }
    plane += p.OH * p.OW;
  }
  if (live >= p.count) {
    return;
  }
  let hw = p.H * p.W;
  let at = (n * p.C + g * p.cin_g + cl0) * hw + iy * p.W + ix0;
  for (var c = 0u; c < CIB; c++) {
    if (cl0 + c < p.cin_g) {
      for (var j = 0u; j < 4u; j++) {
        if (ix0 + j < p.W) {
          dx[at + c * hw + j] = acc[c][j];
        }
      }
    }
  }
}
