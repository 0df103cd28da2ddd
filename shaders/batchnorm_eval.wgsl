// BatchNorm forward with the running statistics (eval mode) in one pass, each workgroup working
// out its channel's coefficients itself instead of a separate per-channel dispatch
// (batchnorm_channel.wgsl then batchnorm_apply.wgsl take two):
//   out = (x - mean) * w / sqrt(var + eps) + b, clamped at 0 with RELU (the mean subtracted before
//   scaling keeps precision when it is large against the spread);
// the first workgroup of each channel also writes stats[c] = (mean, 1 / sqrt(var + eps)) for
// backward (batchnorm_eval_grad.wgsl, or batchnorm_grad_stats.wgsl where parameter gradients are
// wanted). The grid is (chunks of a plane, C, N), as batchnorm_apply.wgsl's. VEC4 (H * W a multiple
// of 4, so planes start on a vec4): x is read through its vec4 view (a quarter of the load
// instructions, which is what costs on llvmpipe); the output has only an f32 view (a buffer cannot
// be bound writable twice), so a vec4 is stored as 4 scalars.
override WG: u32 = 64u;
/** Elements (VEC4: vec4s) per invocation, strided by WG so that lanes stay consecutive. */
override PER: u32 = 4u;
override VEC4: bool = true;
override AFFINE: bool = true;
override RELU: bool = false;

// Params: BN_EVAL_PARAMS in src/ops/norm.ts
struct Params { C: u32, hw: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> x4: array<vec4f>;  // the same buffer as x
@group(0) @binding(3) var<storage, read> running_mean: array<f32>;
@group(0) @binding(4) var<storage, read> running_var: array<f32>;
@group(0) @binding(5) var<storage, read> weight: array<f32>;  // AFFINE only
@group(0) @binding(6) var<storage, read> bias: array<f32>;    // AFFINE only
@group(0) @binding(7) var<storage, read_write> stats: array<vec2f>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wid.y;
  let mu = running_mean[c];
  let inv_std = inverseSqrt(running_var[c] + p.eps);
  if (wid.x == 0u && wid.z == 0u && lid.x == 0u) {
    stats[c] = vec2f(mu, inv_std);
  }
  var scale = inv_std;
  var shift = 0.0;
  if (AFFINE) {
    scale *= weight[c];
    shift = bias[c];
  }
  let plane = wid.z * p.C + c;
  let len = select(p.hw, p.hw / 4u, VEC4);
  let first = wid.x * WG * PER + lid.x;
  let stop = min(first + WG * PER, len);
  for (var i = first; i < stop; i += WG) {
    let at = plane * len + i;
    if (VEC4) {
      var r = (x4[at] - mu) * scale + shift;
      if (RELU) {
        r = max(r, vec4f(0.0));
      }
      out[at * 4u] = r.x;
      out[at * 4u + 1u] = r.y;
      out[at * 4u + 2u] = r.z;
      out[at * 4u + 3u] = r.w;
    } else {
      var r = (x[at] - mu) * scale + shift;
      if (RELU) {
        r = max(r, 0.0);
      }
      out[at] = r;
    }
  }
}
