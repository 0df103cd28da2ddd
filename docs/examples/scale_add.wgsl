// y = a * x + b over n elements: an example for `mednas profile --wgsl` (docs/profile.md).
//   mednas profile --wgsl docs/examples/scale_add.wgsl --dispatch 4096 \
//     --buffer 0:4MiB:random --buffer 1:4MiB --uniform 2:1048576,2.5,-1 --flops 2097152
// Per element it reads 4 bytes, writes 4 and does one multiply-add (2 FLOPs).
struct Params {
  n: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i < params.n) {
    y[i] = params.a * x[i] + params.b;
  }
}
