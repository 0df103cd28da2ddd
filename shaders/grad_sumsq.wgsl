// First pass of the global gradient norm (clip_grad_norm_): each invocation sums the squares of
// one chunk of one gradient into its slot of a shared partial-sums buffer, at `offset`. One
// dispatch per parameter writes disjoint slots; clip_scale.wgsl adds them all up.
override WG: u32 = 256u;

// Params: GRAD_SUMSQ_PARAMS in src/train/clip.ts
struct Params { n: u32, chunk: u32, offset: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = gid.x + gid.y * nwg.x * WG;
  let start = c * p.chunk;
  if (start >= p.n) {
    return;
  }
  let stop = min(start + p.chunk, p.n);
  var s = 0.0;
  for (var i = start; i < stop; i++) {
    let g = grad[i];
    s += g * g;
  }
  partial[p.offset + c] = s;
}
