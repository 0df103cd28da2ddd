// y[n, k, i] += bias[k] in place: the bias of convolutions computed as a matrix product (1x1).
override WG: u32 = 256u;

// Params: BIAS_ADD_PARAMS in src/ops/conv-pointwise.ts
struct Params { count: u32, K: u32, plane: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let i = wid.x * WG + lid.x + wid.y * nwg.x * WG;
  if (i < p.count) {
    y[i] += bias[(i / p.plane) % p.K];
  }
}
