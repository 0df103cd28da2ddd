// Binary cross-entropy on logits, elementwise (the mean is a separate reduction):
// loss = max(x, 0) - x * y + log(1 + exp(-|x|)), the stable form PyTorch uses; exp(-|x|) <= 1 so
// nothing overflows for any finite logit.
override WG: u32 = 256u;

// Params: BCE_PARAMS in src/ops/loss.ts
struct Params { n: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  let v = x[i];
  loss[i] = max(v, 0.0) - v * y[i] + log(1.0 + exp(-abs(v)));
}
