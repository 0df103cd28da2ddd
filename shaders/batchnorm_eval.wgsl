// BatchNorm with the running statistics (eval mode) in one pass, each workgroup working out its
// channel's coefficients itself instead of a separate per-channel dispatch (batchnorm_channel.wgsl
// then batchnorm_apply.wgsl take two, and a tiny dispatch costs tens of microseconds on llvmpipe,
// far more while the machine is loaded). Both directions:
//   forward (GRAD off): out = (v - mean) * w / sqrt(var + eps) + b, clamped at 0 with RELU (the mean
//     subtracted before scaling keeps precision when it is large against the spread); the first
//     workgroup of each channel writes stats[c] = (mean, 1 / sqrt(var + eps)) for backward;
//   backward (GRAD on): out = v * w * stats[c].y, v = grad_out, where the statistics are constants
//     and no weight or bias gradient is wanted; with MASK grad_out is taken only where the
//     forward's output y (bound at m) is > 0 (the backward of relu(batch_norm(x))).
// The grid is (chunks of a plane, C, N), as batchnorm_apply.wgsl's; loads are scalar (on llvmpipe
// a load costs about the same per element, vec4 or not, and vec4 views would need more bindings).
override WG: u32 = 64u;
/** Elements per invocation, strided by WG so that lanes stay consecutive. */
override PER: u32 = 16u;
override AFFINE: bool = true;
override GRAD: bool = false;
override RELU: bool = false;
override MASK: bool = false;

struct Params { C: u32, hw: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<vec2f>;  // written forward, read backward
@group(0) @binding(3) var<storage, read> running_mean: array<f32>;   // forward only
@group(0) @binding(4) var<storage, read> running_var: array<f32>;    // forward only
@group(0) @binding(5) var<storage, read> weight: array<f32>;         // AFFINE only
@group(0) @binding(6) var<storage, read> bias: array<f32>;           // AFFINE, forward only
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<storage, read> m: array<f32>;              // the mask's source y (MASK), else a stand-in

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wid.y;
  var mu = 0.0;
  var scale = 1.0;
  var shift = 0.0;
  if (GRAD) {
    scale = stats[c].y;
  } else {
    mu = running_mean[c];
    scale = inverseSqrt(running_var[c] + p.eps);
    if (wid.x == 0u && wid.z == 0u && lid.x == 0u) {
      stats[c] = vec2f(mu, scale);
    }
    if (AFFINE) {
      shift = bias[c];
    }
  }
  if (AFFINE) {
    scale *= weight[c];
  }
  let plane = (wid.z * p.C + c) * p.hw;
  let first = wid.x * WG * PER + lid.x;
  let stop = min(first + WG * PER, p.hw);
  for (var i = first; i < stop; i += WG) {
    let at = plane + i;
    var g = v[at];
    if (MASK) {
      g = select(0.0, g, m[at] > 0.0);
    }
    var r = (g - mu) * scale + shift;
    if (RELU) {
      r = max(r, 0.0);
    }
    out[at] = r;
  }
}
