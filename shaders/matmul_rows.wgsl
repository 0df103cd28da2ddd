// C[b] = A[b] . B[b] for a CPU adapter (llvmpipe): no workgroup memory, no barriers.
// Each invocation computes a block of 4 rows x 4 columns, held in registers. All invocations of a
// workgroup share the same rows, so their A loads hit one address (a broadcast), and adjacent
// invocations read adjacent B columns. Loads past the edges are clamped by WebGPU's robust access and
// their results discarded: only the stores are guarded.
// Element (m, k) of A is at a_offset + m * a_sm + k * a_sk; (k, n) of B at k * b_sk + n * b_sn: the
// strides express transposed operands without a copy.
override WG: u32 = 64u;

// Params: MATMUL_PARAMS in src/ops/matmul.ts
struct Params {
  M: u32, N: u32, K: u32, _pad: u32,
  a_sm: u32, a_sk: u32, b_sk: u32, b_sn: u32,
  a_batch: u32, b_batch: u32, c_batch: u32, n_block: u32,
  b_block: u32, c_block: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

fn load_b(at: u32) -> vec4f {
  return vec4f(b[at], b[at + p.b_sn], b[at + 2u * p.b_sn], b[at + 3u * p.b_sn]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let col = (wid.x * WG + lid.x) * 4u;
  let row = wid.y * 4u;
  var a_at = wid.z * p.a_batch + row * p.a_sm;
  var b_at = wid.z * p.b_batch + col * p.b_sn;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let bv = load_b(b_at);
    acc0 += a[a_at] * bv;
    acc1 += a[a_at + p.a_sm] * bv;
    acc2 += a[a_at + 2u * p.a_sm] * bv;
    acc3 += a[a_at + 3u * p.a_sm] * bv;
    a_at += p.a_sk;
    b_at += p.b_sk;
  }
  let base = wid.z * p.c_batch;
  store_row(base, row, col, acc0);
  store_row(base, row + 1u, col, acc1);
  store_row(base, row + 2u, col, acc2);
  store_row(base, row + 3u, col, acc3);
}

fn store_row(base: u32, r: u32, col: u32, v: vec4f) {
  if (r >= p.M) {
    return;
  }
  let at = base + r * p.N + col;
  if (col + 3u < p.N) {
    c[at] = v.x;
    c[at + 1u] = v.y;
    c[at + 2u] = v.z;
    c[at + 3u] = v.w;
  } else {
    for (var j = 0u; j < 4u; j++) {
      if (col + j < p.N) {
        c[at + j] = v[j];
      }
    }
  }
}
