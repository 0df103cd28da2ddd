// Copies a strided view into another: for each coordinate c of `shape`,
// dst[dst_offset + c . dst_strides] = src[src_offset + c . src_strides].
// Transpose, permute, slice, concat and their gradients are all this one kernel.
override WG: u32 = 256u;

// Params: COPY_STRIDED_PARAMS in src/ops/primitives/copy.ts
struct Params {
  n: u32,
  rank: u32,
  src_offset: u32,
  dst_offset: u32,
  shape: array<vec4u, 2>,
  src_strides: array<vec4u, 2>,
  dst_strides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  var s = p.src_offset;
  var t = p.dst_offset;
  var rest = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let size = p.shape[d / 4][d % 4];
    let c = rest % size;
    rest = rest / size;
    s += c * p.src_strides[d / 4][d % 4];
    t += c * p.dst_strides[d / 4][d % 4];
  }
  dst[t] = src[s];
}
