// BatchNorm's elementwise pass, forward and backward: out = A * u + B * (v - M) + D with per-channel
// (A, B, M, D) from coef. Forward: v = x (A = 0, U_INPUT off, u unread). Backward: u = grad_out,
// v = x. Subtracting the channel mean before scaling keeps precision when the mean is large.
// The grid is (chunks of a plane, C, N): the channel comes from the workgroup id, because an integer
// division per element (i / hw % C) costs more than the arithmetic on llvmpipe, which has no vector
// divide. VEC4 (H * W a multiple of 4, so planes start on a vec4): lanes take consecutive vec4s,
// loaded through the vec4 views of the same buffers; otherwise single elements. The output has only
// an f32 view (a buffer cannot be bound writable twice), so a vec4 is stored as 4 scalars.
override WG: u32 = 64u;
/** Elements (VEC4: vec4s) per invocation, strided by WG so that lanes stay consecutive. */
override PER: u32 = 4u;
override VEC4: bool = true;
override U_INPUT: bool = false;
// Forward of relu(batch_norm(x)): the output clamped at 0 (RELU). Backward of it: grad_out (u) taken
// only where the forward's output y > 0 (MASK; y bound at m, m4).
override RELU: bool = false;
override MASK: bool = false;

// Params: BN_PLANE_PARAMS in src/ops/norm.ts
struct Params { C: u32, hw: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> u4: array<vec4f>;  // the same buffer as u
@group(0) @binding(4) var<storage, read> v4: array<vec4f>;  // the same buffer as v
@group(0) @binding(5) var<storage, read> coef: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> m: array<f32>;     // the mask's source y (MASK), else a stand-in
@group(0) @binding(8) var<storage, read> m4: array<vec4f>;  // the same buffer as m

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let k = coef[wid.y];
  let plane = wid.z * p.C + wid.y;
  let len = select(p.hw, p.hw / 4u, VEC4);
  let first = wid.x * WG * PER + lid.x;
  let stop = min(first + WG * PER, len);
  for (var i = first; i < stop; i += WG) {
    let at = plane * len + i;
    if (VEC4) {
      var r = k.y * (v4[at] - k.z) + k.w;
      if (U_INPUT) {
        var g = u4[at];
        if (MASK) {
          g = select(vec4f(0.0), g, m4[at] > vec4f(0.0));
        }
        r += k.x * g;
      }
      if (RELU) {
        r = max(r, vec4f(0.0));
      }
      out[at * 4u] = r.x;
      out[at * 4u + 1u] = r.y;
      out[at * 4u + 2u] = r.z;
      out[at * 4u + 3u] = r.w;
    } else {
      var r = k.y * (v[at] - k.z) + k.w;
      if (U_INPUT) {
        var g = u[at];
        if (MASK) {
          g = select(0.0, g, m[at] > 0.0);
        }
        r += k.x * g;
      }
      if (RELU) {
        r = max(r, 0.0);
      }
      out[at] = r;
    }
  }
}
