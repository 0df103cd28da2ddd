// out[i] = value for i < n, a vec4 per invocation (bindings are padded to 16 bytes). The index folds
// y into x so that large tensors fit the dispatch limits.
override WG: u32 = 256u;

// Params: FILL_PARAMS in src/kernels/elementwise.ts
struct Params { n: u32, value: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i * 4u < p.n) {
    out[i] = vec4f(p.value);
  }
}
