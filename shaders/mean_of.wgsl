// out = (x0 + x1 + ... + x{N-1}) * scale, scale = 1 / N from the host: the mean of N same-shaped
// tensors in one pass (the normal cell's output, src/space/cells.ts), where a chain of binary adds
// and a scale wrote the activation N times. The sum runs left to right and is then multiplied by
// the f32 of 1 / N, as that chain (binary.wgsl's adds, then unary.wgsl's affine) did, so the
// values are the same bit for bit. Up to 7 inputs, so that with the output the kernel stays within
// WebGPU's default of 8 storage buffers per stage; the host binds x0 in the slots past N (read-only
// bindings may alias), and N, an override, removes their loads. One vec4 per invocation (bindings
// are padded to 16 bytes).
override WG: u32 = 256u;
override N: u32 = 2u;

// Params: MEAN_OF_PARAMS in src/kernels/elementwise.ts
struct Params { n: u32, scale: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x0: array<vec4f>;
@group(0) @binding(2) var<storage, read> x1: array<vec4f>;
@group(0) @binding(3) var<storage, read> x2: array<vec4f>;
@group(0) @binding(4) var<storage, read> x3: array<vec4f>;
@group(0) @binding(5) var<storage, read> x4: array<vec4f>;
@group(0) @binding(6) var<storage, read> x5: array<vec4f>;
@group(0) @binding(7) var<storage, read> x6: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i * 4u >= p.n) {
    return;
  }
  var acc = x0[i];
  if (N > 1u) { acc += x1[i]; }
  if (N > 2u) { acc += x2[i]; }
  if (N > 3u) { acc += x3[i]; }
  if (N > 4u) { acc += x4[i]; }
  if (N > 5u) { acc += x5[i]; }
  if (N > 6u) { acc += x6[i]; }
  out[i] = acc * p.scale;
}
