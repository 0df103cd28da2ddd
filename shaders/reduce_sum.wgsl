// Sums x viewed as [outer, reduced, inner] over the middle axis, in chunks of `chunk` elements:
// out[o, c, i] = scale * sum_{r in chunk c} x[o, r, i]. One chunk is a plain reduction; several make
// a first pass whose partial sums a second dispatch adds (long reductions stay parallel and accurate).
override WG: u32 = 256u;

// Params: REDUCE_SUM_PARAMS in src/ops/primitives/reduce.ts
struct Params { outer: u32, reduced: u32, inner: u32, chunk: u32, chunks: u32, scale: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= p.outer * p.chunks * p.inner) {
    return;
  }
  let i = idx % p.inner;
  let c = (idx / p.inner) % p.chunks;
  let o = idx / (p.inner * p.chunks);
  let start = c * p.chunk;
  let stop = min(start + p.chunk, p.reduced);
  var sum = 0.0;
  var at = (o * p.reduced + start) * p.inner + i;
  for (var r = start; r < stop; r++) {
    sum += x[at];
    at += p.inner;
  }
  out[idx] = sum * p.scale;
}
