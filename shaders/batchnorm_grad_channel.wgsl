// BatchNorm backward, per channel: adds the per-plane sums of batchnorm_grad_stats.wgsl into
// grad_bias = sum(dy) and grad_weight = sum(dy * xhat), and writes the coefficients of the input
// gradient for batchnorm_apply.wgsl (dx = A * dy + B * (x - M) + D).
// TRAIN (batch statistics, count = N * H * W): dx = w * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat)),
// so A = w * inv_std, B = -A * inv_std * mean(dy * xhat), M = mean, D = -A * mean(dy).
// Eval (running statistics are constants): dx = w * inv_std * dy, so B = D = 0.
override WG: u32 = 64u;
override TRAIN: bool = true;
override AFFINE: bool = true;

// Params: BN_GRAD_CHANNEL_PARAMS in src/ops/norm.ts
struct Params { C: u32, N: u32, hw: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<vec2f>;  // [N * C] (sum dy, sum dy * xhat)
@group(0) @binding(2) var<storage, read> stats: array<vec2f>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;     // AFFINE only
@group(0) @binding(4) var<storage, read_write> grad_weight: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> coef: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.C) {
    return;
  }
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let s = partial[n * p.C + c];
    sdy += s.x;
    sdyx += s.y;
  }
  grad_weight[c] = sdyx;
  grad_bias[c] = sdy;
  let st = stats[c];
  var w = 1.0;
  if (AFFINE) {
    w = weight[c];
  }
  let a = w * st.y;
  if (TRAIN) {
    let count = f32(p.N * p.hw);
    coef[c] = vec4f(a, -a * st.y * (sdyx / count), st.x, -a * (sdy / count));
  } else {
    coef[c] = vec4f(a, 0.0, 0.0, 0.0);
  }
}
