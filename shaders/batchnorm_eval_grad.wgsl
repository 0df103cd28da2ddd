// BatchNorm backward in eval mode where no parameter gradient is wanted (a frozen network, as
// jacob_cov scores it), in one pass: the statistics are constants, so
//   dx = grad_out * w * inv_std, inv_std = stats[c].y from batchnorm_eval.wgsl,
// and with MASK grad_out is taken only where the forward's output y (bound at m, m4) is > 0 (the
// backward of relu(batch_norm(x))). Grid and VEC4 as in batchnorm_eval.wgsl.
override WG: u32 = 64u;
override PER: u32 = 4u;
override VEC4: bool = true;
override AFFINE: bool = true;
override MASK: bool = false;

// Params: BN_PLANE_PARAMS in src/ops/norm.ts
struct Params { C: u32, hw: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> g4: array<vec4f>;  // the same buffer as g
@group(0) @binding(3) var<storage, read> stats: array<vec2f>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;  // AFFINE only
@group(0) @binding(5) var<storage, read> m: array<f32>;       // the mask's source y (MASK), else a stand-in
@group(0) @binding(6) var<storage, read> m4: array<vec4f>;    // the same buffer as m
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wid.y;
  var scale = stats[c].y;
  if (AFFINE) {
    scale *= weight[c];
  }
  let plane = wid.z * p.C + c;
  let len = select(p.hw, p.hw / 4u, VEC4);
  let first = wid.x * WG * PER + lid.x;
  let stop = min(first + WG * PER, len);
  for (var i = first; i < stop; i += WG) {
    let at = plane * len + i;
    if (VEC4) {
      var v = g4[at];
      if (MASK) {
        v = select(vec4f(0.0), v, m4[at] > vec4f(0.0));
      }
      let r = v * scale;
      dx[at * 4u] = r.x;
      dx[at * 4u + 1u] = r.y;
      dx[at * 4u + 2u] = r.z;
      dx[at * 4u + 3u] = r.w;
    } else {
      var v = g[at];
      if (MASK) {
        v = select(0.0, v, m[at] > 0.0);
      }
      dx[at] = v * scale;
    }
  }
}
