// BatchNorm forward, per channel: the statistics to normalise with and the coefficients that
// batchnorm_apply.wgsl uses, one invocation per channel.
// TRAIN: merges the N per-plane (mean, M2) pairs of batchnorm_stats.wgsl (equal counts, so the
// batch mean is the mean of plane means and M2 = sum M2_n + hw * sum (mean_n - mean)^2, Chan et al.),
// normalises with the biased variance M2 / count, and with UPDATE_RUNNING moves the running
// statistics in place the way PyTorch does: running = (1 - momentum) * running + momentum * batch,
// with the unbiased variance M2 / (count - 1). Otherwise (eval) the running statistics normalise.
// Writes stats[c] = (mean, 1 / sqrt(var + eps)) for backward, and coef[c] = (A, B, M, D) for
// out = A * u + B * (v - M) + D: here A = 0, B = weight / sqrt(var + eps), M = mean, D = bias.
override WG: u32 = 64u;
override TRAIN: bool = true;
override UPDATE_RUNNING: bool = true;
override AFFINE: bool = true;

// Params: BN_CHANNEL_PARAMS in src/ops/norm.ts
struct Params { C: u32, N: u32, hw: u32, momentum: f32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<vec2f>;   // [N * C] (mean, M2), TRAIN only
@group(0) @binding(2) var<storage, read> weight: array<f32>;      // AFFINE only
@group(0) @binding(3) var<storage, read> bias: array<f32>;        // AFFINE only
@group(0) @binding(4) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<vec2f>;
@group(0) @binding(7) var<storage, read_write> coef: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.C) {
    return;
  }
  var m = 0.0;
  var v = 0.0;
  if (TRAIN) {
    for (var n = 0u; n < p.N; n++) {
      m += partial[n * p.C + c].x;
    }
    m /= f32(p.N);
    var m2 = 0.0;
    var spread = 0.0;
    for (var n = 0u; n < p.N; n++) {
      let pm = partial[n * p.C + c];
      m2 += pm.y;
      spread += (pm.x - m) * (pm.x - m);
    }
    m2 += f32(p.hw) * spread;
    let count = f32(p.N * p.hw);
    v = m2 / count;
    if (UPDATE_RUNNING) {
      running_mean[c] = (1.0 - p.momentum) * running_mean[c] + p.momentum * m;
      running_var[c] = (1.0 - p.momentum) * running_var[c] + p.momentum * (m2 / (count - 1.0));
    }
  } else {
    m = running_mean[c];
    v = running_var[c];
  }
  let inv_std = inverseSqrt(v + p.eps);
  stats[c] = vec2f(m, inv_std);
  var w = 1.0;
  var b = 0.0;
  if (AFFINE) {
    w = weight[c];
    b = bias[c];
  }
  coef[c] = vec4f(0.0, w * inv_std, m, b);
}
