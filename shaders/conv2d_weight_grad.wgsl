// Gradient of conv2d with respect to its weight, any stride/padding/dilation/groups, as partial sums
// over chunks of the batch (summed afterwards in src/ops/conv-direct.ts):
//   part[chunk, k, c, ky, kx] = sum over (n in chunk, oy, ox) of dy[n, k, oy, ox] * x[n, g*cin_g + c, iy, ix]
// with iy = oy * SH + ky * DH - pt (same for x). For CPU adapters: each invocation keeps 4 output
// channels x 4 weight entries (c, ky, kx) in registers; the 4 output channels are shared by the
// workgroup, so dy loads are uniform (broadcast) and only the input loads differ between invocations.
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;

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

// Where weight entry e = (c, ky, kx) reads the input: the channel plane and the tap's offsets.
struct Entry { plane: u32, dy: i32, dx: i32 }

fn entry(e: u32, g: u32) -> Entry {
  let taps = KH * KW;
  let c = min(e / taps, p.cin_g - 1u);  // entries past the end are computed but not stored
  let t = e % taps;
  return Entry((g * p.cin_g + c) * p.H * p.W, i32((t / KW) * DH) - p.pt, i32((t % KW) * DW) - p.pl);
}

fn tap(plane: u32, iy: i32, ix: i32) -> f32 {
  let ok = iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W);
  return select(0.0, x[u32(i32(plane) + iy * i32(p.W) + ix)], ok);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // x: quads of weight entries; y: group and block of 4 output channels; z: batch chunk.
  let entries = p.cin_g * KH * KW;
  // No early return: llvmpipe turns a load from a workgroup-uniform address into one scalar load
  // only while every lane is known active. Entries past the end are clamped in entry() and not stored.
  let e0 = (wid.x * WG + lid.x) * 4u;
  let g = wid.y / p.blocks;
  let k0 = g * p.cout_g + (wid.y % p.blocks) * 4u;
  let k_last = g * p.cout_g + p.cout_g - 1u;
  let a = entry(e0, g);
  let b = entry(e0 + 1u, g);
  let c = entry(e0 + 2u, g);
  let d = entry(e0 + 3u, g);
  let ohw = p.OH * p.OW;
  let chw = p.C * p.H * p.W;
  // Row offsets of the 4 output channels (clamped: uniform loads, results not stored).
  let r1 = (min(k0 + 1u, k_last) - k0) * ohw;
  let r2 = (min(k0 + 2u, k_last) - k0) * ohw;
  let r3 = (min(k0 + 3u, k_last) - k0) * ohw;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  let n_end = min(p.N, (wid.z + 1u) * p.per_chunk);
  for (var n = wid.z * p.per_chunk; n < n_end; n++) {
    let xn = n * chw;
    var gi = (n * p.K + k0) * ohw;
    for (var oy = 0u; oy < p.OH; oy++) {
      let sy = i32(oy * SH);
      for (var ox = 0u; ox < p.OW; ox++) {
        let sx = i32(ox * SW);
        let gv = vec4f(dy[gi], dy[gi + r1], dy[gi + r2], dy[gi + r3]);
        acc0 += tap(xn + a.plane, sy + a.dy, sx + a.dx) * gv;
        acc1 += tap(xn + b.plane, sy + b.dy, sx + b.dx) * gv;
        acc2 += tap(xn + c.plane, sy + c.dy, sx + c.dx) * gv;
        acc3 += tap(xn + d.plane, sy + d.dy, sx + d.dx) * gv;
        gi++;
      }
    }
  }
  // part is [chunks, K, entries]; acc_j holds entry e0 + j for the 4 output channels.
  let base = wid.z * p.K * entries;
  for (var j = 0u; j < 4u; j++) {
    let k = k0 + j;
    if (k <= k_last) {
      let row = base + k * entries + e0;
      put(row, e0, vec4f(acc0[j], acc1[j], acc2[j], acc3[j]));
    }
  }
}

fn put(at: u32, e0: u32, v: vec4f) {
  let entries = p.cin_g * KH * KW;
  for (var i = 0u; i < 4u; i++) {
    if (e0 + i < entries) {
      part[at + i] = v[i];
    }
  }
}
