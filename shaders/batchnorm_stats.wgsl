// BatchNorm training statistics, first pass: the mean and the sum of squared deviations (M2) of each
// (n, c) plane of an NCHW tensor, one invocation per plane. Two passes over the plane (it is a few KB
// and stays in cache) instead of sum and sum-of-squares: E[x^2] - E[x]^2 cancels badly in f32 when
// the mean is large against the spread. The first pass sums x - x[first], so that a large common
// offset does not eat the f32 mantissa of the running sum either. batchnorm_channel.wgsl merges the
// planes of each channel. VEC4 (H * W a multiple of 4, so planes start on a vec4): the plane is read
// through the vec4 view of the same buffer, a quarter of the loads.
override WG: u32 = 64u;
override VEC4: bool = true;

// Params: BN_STATS_PARAMS in src/ops/norm.ts
struct Params { planes: u32, hw: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> x4: array<vec4f>;  // the same buffer as x
@group(0) @binding(3) var<storage, read_write> partial: array<vec2f>;  // (mean, M2) per plane

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let plane = gid.x + gid.y * nwg.x * WG;
  if (plane >= p.planes) {
    return;
  }
  let base = plane * p.hw;
  let shift = x[base];
  var m = 0.0;
  var q = 0.0;
  if (VEC4) {
    let base4 = base / 4u;
    let n4 = p.hw / 4u;
    var s = vec4f(0.0);
    for (var i = 0u; i < n4; i++) {
      s += x4[base4 + i] - shift;
    }
    m = shift + (s.x + s.y + s.z + s.w) / f32(p.hw);
    var d2 = vec4f(0.0);
    for (var i = 0u; i < n4; i++) {
      let d = x4[base4 + i] - m;
      d2 += d * d;
    }
    q = d2.x + d2.y + d2.z + d2.w;
  } else {
    var s = 0.0;
    for (var i = 0u; i < p.hw; i++) {
      s += x[base + i] - shift;
    }
    m = shift + s / f32(p.hw);
    for (var i = 0u; i < p.hw; i++) {
      let d = x[base + i] - m;
      q += d * d;
    }
  }
  partial[plane] = vec2f(m, q);
}
