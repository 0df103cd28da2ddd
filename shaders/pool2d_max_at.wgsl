// Max pooling replayed at recorded positions: out[o] = x[argmax[o]], where argmax holds the
// plane-local indices (h * W + w) an earlier max pool of the same geometry chose. The gradient of
// this selection is the max pool's own backward with the same argmax (pool2d_grad*.wgsl with MAX).
// grasp's finite differences use it so that the perturbed passes keep the base pass's choices.
override WG: u32 = 256u;

// Params: POOL_AT_PARAMS in src/ops/pool-geometry.ts
struct Params { plane_in: u32, plane_out: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * WG;
  if (o >= p.total) {
    return;
  }
  out[o] = x[(o / p.plane_out) * p.plane_in + argmax[o]];
}
