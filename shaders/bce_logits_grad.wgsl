// Binary cross-entropy on logits, backward to the logits: dx = g * scale * (sigmoid(x) - y), with
// g the upstream scalar gradient and scale = 1 / n for the mean. The sigmoid is evaluated through
// exp(-|x|) so it never overflows.
override WG: u32 = 256u;

// Params: BCE_GRAD_PARAMS in src/ops/loss.ts
struct Params { n: u32, scale: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  let v = x[i];
  let e = exp(-abs(v));
  let s = select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
  dx[i] = g[0] * p.scale * (s - y[i]);
}
