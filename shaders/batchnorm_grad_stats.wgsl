// BatchNorm backward, first pass: per (n, c) plane, sum(dy) and sum(dy * xhat) with
// xhat = (x - mean) * inv_std from the forward's stats. One invocation per plane;
// batchnorm_grad_channel.wgsl adds the planes of each channel. VEC4 as in batchnorm_stats.wgsl.
override WG: u32 = 64u;
override VEC4: bool = true;
// Backward of relu(batch_norm(x)): dy taken only where the forward's output y > 0 (y bound at m, m4).
override MASK: bool = false;

// Params: BN_GRAD_STATS_PARAMS in src/ops/norm.ts
struct Params { planes: u32, hw: u32, C: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> dy4: array<vec4f>;  // the same buffer as dy
@group(0) @binding(4) var<storage, read> x4: array<vec4f>;   // the same buffer as x
@group(0) @binding(5) var<storage, read> stats: array<vec2f>;  // (mean, inv_std) per channel
@group(0) @binding(6) var<storage, read_write> partial: array<vec2f>;
@group(0) @binding(7) var<storage, read> m: array<f32>;     // the mask's source y (MASK), else a stand-in
@group(0) @binding(8) var<storage, read> m4: array<vec4f>;  // the same buffer as m

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let plane = gid.x + gid.y * nwg.x * WG;
  if (plane >= p.planes) {
    return;
  }
  let st = stats[plane % p.C];
  let base = plane * p.hw;
  var sdy = 0.0;
  var sdyx = 0.0;
  if (VEC4) {
    var a = vec4f(0.0);
    var b = vec4f(0.0);
    for (var i = base / 4u; i < (base + p.hw) / 4u; i++) {
      var g = dy4[i];
      if (MASK) {
        g = select(vec4f(0.0), g, m4[i] > vec4f(0.0));
      }
      a += g;
      b += g * (x4[i] - st.x);
    }
    sdy = a.x + a.y + a.z + a.w;
    sdyx = b.x + b.y + b.z + b.w;
  } else {
    for (var i = 0u; i < p.hw; i++) {
      var g = dy[base + i];
      if (MASK) {
        g = select(0.0, g, m[base + i] > 0.0);
      }
      sdy += g;
      sdyx += g * (x[base + i] - st.x);
    }
  }
  partial[plane] = vec2f(sdy, sdyx * st.y);
}
