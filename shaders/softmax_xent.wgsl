// Softmax cross-entropy forward, one invocation per row of [B, K] logits:
// loss[i] = logsumexp(x[i, :]) - x[i, label[i]], with logsumexp = max + log(sum exp(x - max)) so
// that no exp() overflows (the sum lies in [1, K]); logits of +-1e4 stay finite. Also writes
// (max, log(sum)) of each row for the backward pass, kept apart: added into one f32, logits near 1e4
// would lose ~5e-4 of the log (ulp(1e4) = 1e-3) and the gradient with it. Labels arrive as f32 holding small integers (exact below 2^24),
// already range-checked on the host.
override WG: u32 = 64u;

// Params: XENT_PARAMS in src/ops/loss.ts
struct Params { B: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<vec2f>;  // (max, log(sum exp(x - max)))

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.B) {
    return;
  }
  let base = i * p.K;
  var m = x[base];
  for (var j = 1u; j < p.K; j++) {
    m = max(m, x[base + j]);
  }
  var s = 0.0;
  for (var j = 0u; j < p.K; j++) {
    s += exp(x[base + j] - m);
  }
  let log_s = log(s);
  lse[i] = vec2f(m, log_s);
  loss[i] = (m - x[base + u32(labels[i])]) + log_s;
}
