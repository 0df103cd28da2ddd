// Gradient of conv2d with respect to its input, any stride/padding/dilation/groups:
//   dx[n, c, iy, ix] = sum over (k in c's group, ky, kx) of w[k, c, ky, kx] * dy[n, k, oy, ox]
// where oy = (iy + pt - ky * DH) / SH when that divides exactly and lands inside the output (same for
// x). The mirror of conv2d_forward.wgsl and laid out the same way for CPU adapters: each invocation
// keeps 4 input channels x 4 adjacent columns in registers; weight loads are uniform across the
// workgroup, no workgroup memory, no barriers.
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

// dy at the output column that input column `tx` (already shifted by the padding and tap) came from,
// or 0 when no output column used it.
fn gtap(row: i32, tx: i32, row_ok: bool) -> f32 {
  let ox = tx / i32(SW);
  let ok = row_ok && tx >= 0 && tx % i32(SW) == 0 && ox < i32(p.OW);
  return select(0.0, dy[u32(row + ox)], ok);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  // x, y: a 1-D range of (n, iy, strip of 4 columns); z: group and block of 4 input channels.
  // No early return: llvmpipe turns a load from a workgroup-uniform address into one scalar load
  // only while every lane is known active. Lanes past the end compute a clamped copy, never stored.
  let live = wid.x * WG + lid.x + wid.y * nwg.x * WG;
  let idx = min(live, p.count - 1u);
  let strips = (p.W + 3u) / 4u;
  let ix0 = (idx % strips) * 4u;
  let iy = (idx / strips) % p.H;
  let n = idx / (strips * p.H);
  let g = wid.z / p.blocks;
  let cl0 = (wid.z % p.blocks) * 4u;  // first channel of the block, within the group
  let cl_last = p.cin_g - 1u;
  let taps = KH * KW;
  let w0 = min(cl0, cl_last) * taps;
  let w1 = min(cl0 + 1u, cl_last) * taps;
  let w2 = min(cl0 + 2u, cl_last) * taps;
  let w3 = min(cl0 + 3u, cl_last) * taps;
  let ty0 = i32(iy) + p.pt;
  let tx0 = i32(ix0) + p.pl;
  let first = tx0 - i32((KW - 1u) * DW);  // tx of the last tap at the first column
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  var plane = (n * p.K + g * p.cout_g) * p.OH * p.OW;
  var wk = g * p.cout_g * p.cin_g * taps;  // start of weight row k
  for (var k = 0u; k < p.cout_g; k++) {
    var wi = wk;
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
        acc0 += w[w0 + wi] * v;
        acc1 += w[w1 + wi] * v;
        acc2 += w[w2 + wi] * v;
        acc3 += w[w3 + wi] * v;
        wi++;
      }
    }
    plane += p.OH * p.OW;
    wk += p.cin_g * taps;
  }
  if (live >= p.count) {
    return;
  }
  let hw = p.H * p.W;
  let at = (n * p.C + g * p.cin_g + cl0) * hw + iy * p.W + ix0;
  store(at, cl0, ix0, acc0);
  store(at + hw, cl0 + 1u, ix0, acc1);
  store(at + 2u * hw, cl0 + 2u, ix0, acc2);
  store(at + 3u * hw, cl0 + 3u, ix0, acc3);
}

fn store(at: u32, cl: u32, ix0: u32, v: vec4f) {
  if (cl >= p.cin_g) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (ix0 + j < p.W) {
      dx[at + j] = v[j];
    }
  }
}
