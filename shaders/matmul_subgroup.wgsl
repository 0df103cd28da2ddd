// C[b] = A[b] . B[b] for a CPU adapter with subgroups (llvmpipe runs subgroups of 8 lanes in SIMD).
// On llvmpipe every per-lane load is a gather, and loads, not arithmetic, bound a matmul. So:
//  - each invocation owns 4 adjacent columns of C (one vec4 load of B per k feeds 4 FMAs) and ROWS
//    rows (that vec4 is reused ROWS times from registers);
//  - the A values of those rows are the same for every lane: instead of each lane loading them, lane
//    l loads A[row, k0 + l] for 8 consecutive k and a subgroup shuffle hands each one to all lanes (a
//    register permute), so A costs one load per row per 8 k instead of 8.
// Measured on 2-core lavapipe at 1024^3 (best of 15, quiet machine): 29-30 GFLOP/s, vs 9 for the
// barrier-free 4x4 kernel (matmul_rows.wgsl) and 4 for the workgroup-tiled one. 8 rows gave 24;
// 16-24 were within noise of 12 there. ROWS is an override (8, 12 or 16 per product, see
// subgroupRows): the arrays are sized MAX_ROWS and the unrolled loops drop the unused entries. 16 won
// on the 16-128-channel products of 1x1 convolutions, where 12 left a third of 16 rows idle. The
// same kernel fully unrolled with named registers (no arrays) was slower (21-22).
// Column blocks (pointwise convolutions over a whole batch: column j = (image, pixel)): column j of
// B and C lies in block j / n_block, the blocks b_block and c_block apart, and C's rows n_block apart
// (n_block = N, one block, for a plain product).
// Host-checked requirements: B row-major with N, n_block, b_block and the batch stride multiples of
// 4 (vec4 loads), subgroup size >= 8.
enable subgroups;

override WG: u32 = 64u;
override ROWS: u32 = 16u;  // subgroupRows in src/ops/matmul.ts picks 8, 12 or 16 per product
const MAX_ROWS = 16u;  // mirrors MAX_SUBGROUP_ROWS in src/ops/matmul.ts
const KSTEP = 8u;  // mirrors SUBGROUP_LANES in src/ops/matmul.ts

// Params: MATMUL_PARAMS in src/ops/matmul.ts
struct Params {
  M: u32, N: u32, K: u32, _pad: u32,
  a_sm: u32, a_sk: u32, b_sk: u32, b_sn: u32,
  a_batch: u32, b_batch: u32, c_batch: u32, n_block: u32,
  b_block: u32, c_block: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let col = (wid.x * WG + lid.x) * 4u; // this lane's 4 columns, inside one column block
  let block = col / p.n_block;
  let in_block = col % p.n_block;
  let row = wid.y * ROWS;
  let b_row = p.b_sk / 4u; // vec4s per row of B
  var b_at = (wid.z * p.b_batch + block * p.b_block + in_block) / 4u;
  let a_base = wid.z * p.a_batch + row * p.a_sm;
  // Lane l of each group of KSTEP loads the A values for k = k0 + l.
  var a_at = a_base + (lane % KSTEP) * p.a_sk;
  var acc: array<vec4f, MAX_ROWS>;
  var k0 = 0u;
  for (; k0 + KSTEP <= p.K; k0 += KSTEP) {
    var av: array<f32, MAX_ROWS>;
    for (var r = 0u; r < ROWS; r++) {
      av[r] = a[a_at + r * p.a_sm];
    }
    for (var kk = 0u; kk < KSTEP; kk++) {
      let bv = b[b_at];
      b_at += b_row;
      for (var r = 0u; r < ROWS; r++) {
        acc[r] += subgroupShuffle(av[r], kk) * bv;
      }
    }
    a_at += KSTEP * p.a_sk;
  }
  // The last K % KSTEP steps: plain loads.
  var t_at = a_base + k0 * p.a_sk;
  for (; k0 < p.K; k0++) {
    let bv = b[b_at];
    b_at += b_row;
    for (var r = 0u; r < ROWS; r++) {
      acc[r] += a[t_at + r * p.a_sm] * bv;
    }
    t_at += p.a_sk;
  }
  if (col >= p.N) {
    return;
  }
  for (var r = 0u; r < ROWS; r++) {
    if (row + r < p.M) {
      let at = wid.z * p.c_batch + block * p.c_block + (row + r) * p.n_block + in_block;
      c[at] = acc[r].x;
      c[at + 1u] = acc[r].y;
      c[at + 2u] = acc[r].z;
      c[at + 3u] = acc[r].w;
    }
  }
}
