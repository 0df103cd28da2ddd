// Softmax along the last axis, one invocation per row of [rows, K]: exp(x - max) / sum, so large
// logits never overflow.
override WG: u32 = 64u;

// Params: SOFTMAX_PARAMS in src/ops/loss.ts
struct Params { rows: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= p.rows) {
    return;
  }
  let base = r * p.K;
  var m = x[base];
  for (var j = 1u; j < p.K; j++) {
    m = max(m, x[base + j]);
  }
  var s = 0.0;
  for (var j = 0u; j < p.K; j++) {
    let e = exp(x[base + j] - m);
    out[base + j] = e;
    s += e;
  }
  let inv = 1.0 / s;
  for (var j = 0u; j < p.K; j++) {
    out[base + j] *= inv;
  }
}
