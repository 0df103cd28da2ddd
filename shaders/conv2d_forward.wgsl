// Direct convolution forward, any stride/padding/dilation/groups (NCHW, weight [K, C/groups, KH, KW]).
// Written for CPU adapters (llvmpipe runs 8 invocations in SIMD and handles barriers poorly): no
// workgroup memory; each invocation keeps 8 output channels x 4 adjacent columns in registers, and
// loads the input columns under them once per filter row (6 loads for 12 taps with 3x3). All
// invocations of a workgroup share the same output channels, so weight addresses are uniform; the
// input is read directly with zero padding done by `select`, so no im2col buffer. Tap geometry
// (KH, KW, strides, dilations) is an override constant so the tap loops unroll.
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override HAS_BIAS: bool = false;
// Input columns under one row of 4 outputs: 3 strides plus the dilated kernel width.
override SPAN: u32 = 3u * SW + (KW - 1u) * DW + 1u;
const MAX_SPAN = 32u;  // mirrors MAX_SPAN in src/ops/conv-geometry.ts
const COB = 8u;  // mirrors FORWARD_BLOCK in src/ops/conv-direct.ts; output channels per invocation

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
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// One input value or 0 in the padding. An out-of-range index is clamped by robust buffer access and
// its value discarded.
fn tap(row: i32, ix: i32, row_ok: bool) -> f32 {
  return select(0.0, x[u32(row + ix)], row_ok && ix >= 0 && ix < i32(p.W));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  // x, y: a 1-D range of (n, oy, strip of 4 columns); z: group and block of 4 output channels.
  // No early return: llvmpipe turns a load from a workgroup-uniform address into one scalar load
  // only while every lane is known active. Lanes past the end compute a clamped copy, never stored.
  let live = wid.x * WG + lid.x + wid.y * nwg.x * WG;
  let idx = min(live, p.count - 1u);
  let strips = (p.OW + 3u) / 4u;
  let ox0 = (idx % strips) * 4u;
  let oy = (idx / strips) % p.OH;
  let n = idx / (strips * p.OH);
  let g = wid.z / p.blocks;
  let co0 = g * p.cout_g + (wid.z % p.blocks) * COB;
  let co_last = g * p.cout_g + p.cout_g - 1u;
  // Channels past the group's end read the last one's weights (kept uniform) and are not stored.
  let wsize = p.cin_g * KH * KW;
  let iy0 = i32(oy * SH) - p.pt;
  let ix0 = i32(ox0 * SW) - p.pl;
  var wb: array<u32, COB>;
  for (var c = 0u; c < COB; c++) {
    wb[c] = min(co0 + c, co_last) * wsize;
  }
  var acc: array<vec4f, COB>;
  var plane = (n * p.C + g * p.cin_g) * p.H * p.W;
  var wi = 0u;
  for (var ci = 0u; ci < p.cin_g; ci++) {
    for (var ky = 0u; ky < KH; ky++) {
      let iy = iy0 + i32(ky * DH);
      let row_ok = iy >= 0 && iy < i32(p.H);
      let row = i32(plane) + iy * i32(p.W);
      // The input columns all 4 outputs x KW taps read, loaded once (6 instead of 12 for 3x3).
      var seg: array<f32, MAX_SPAN>;
      for (var i = 0u; i < SPAN; i++) {
        seg[i] = tap(row, ix0 + i32(i), row_ok);
      }
      for (var kx = 0u; kx < KW; kx++) {
        let s = kx * DW;
        let v = vec4f(seg[s], seg[s + SW], seg[s + 2u * SW], seg[s + 3u * SW]);
        for (var c = 0u; c < COB; c++) {
          acc[c] += w[wb[c] + wi] * v;
        }
        wi++;
      }
    }
    plane += p.H * p.W;
  }
  let plane_out = p.OH * p.OW;
  let at = (n * p.K + co0) * plane_out + oy * p.OW + ox0;
  if (live >= p.count) {
    return;
  }
  for (var c = 0u; c < COB; c++) {
    store(at + c * plane_out, co0 + c, co_last, ox0, acc[c]);
  }
}

fn store(at: u32, co: u32, co_last: u32, ox0: u32, v: vec4f) {
  if (co > co_last) {
    return;
  }
  var b = 0.0;
  if (HAS_BIAS) {
    b = bias[co];
  }
  for (var j = 0u; j < 4u; j++) {
    if (ox0 + j < p.OW) {
      y[at + j] = v[j] + b;
    }
  }
}
