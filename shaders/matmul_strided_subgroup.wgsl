// C[b] = A[b] . B[b] with any strides, for a CPU adapter with subgroups: the fallback when B cannot
// be read as vec4s (e.g. 7x7 feature maps, N or K = 49). Each invocation owns 2 columns of C (n and
// n + WG, so lanes read neighbouring columns) and 6 rows. Per 8 values of k it loads its columns'
// B values one by one and, as in matmul_subgroup.wgsl, lane l loads A[row, k0 + l] for each row and
// subgroupBroadcast shares them: 6 + 16 loads for 96 FMAs, against 8 loads per 16 FMAs in
// matmul_rows. Measured 14-15 GFLOP/s at 1024^3 on 2-core lavapipe (rows: 9).
// Column blocks as in matmul_subgroup.wgsl: column j of B and C lies in block j / n_block, the
// blocks b_block and c_block apart, C's rows n_block apart (n_block = N for a plain product).
// Host-checked requirement: subgroup size >= 8.
enable subgroups;

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

/** acc + sum over j < 8 of (lane j's a) * b[j], with b[0..3] = lo, b[4..7] = hi. */
fn dot8(acc: f32, a_lane: f32, lo: vec4f, hi: vec4f) -> f32 {
  let a_lo = vec4f(subgroupBroadcast(a_lane, 0u), subgroupBroadcast(a_lane, 1u),
                   subgroupBroadcast(a_lane, 2u), subgroupBroadcast(a_lane, 3u));
  let a_hi = vec4f(subgroupBroadcast(a_lane, 4u), subgroupBroadcast(a_lane, 5u),
                   subgroupBroadcast(a_lane, 6u), subgroupBroadcast(a_lane, 7u));
  return acc + dot(a_lo, lo) + dot(a_hi, hi);
}

/** B[k0 + 0..3, column at `at`] and B[k0 + 4..7, ...] as two vec4s. */
fn load_b8(at: u32, sk: u32) -> array<vec4f, 2> {
  return array<vec4f, 2>(
    vec4f(b[at], b[at + sk], b[at + 2u * sk], b[at + 3u * sk]),
    vec4f(b[at + 4u * sk], b[at + 5u * sk], b[at + 6u * sk], b[at + 7u * sk]),
  );
}

/** Column j's (block, column within the block). */
fn column(j: u32) -> vec2u {
  return vec2u(j / p.n_block, j % p.n_block);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let col0 = wid.x * 2u * WG + lid.x;
  let col1 = col0 + WG;
  let row = wid.y * 6u;
  let sk = p.b_sk;
  let sm = p.a_sm;
  // Columns past N read a clamped (valid) column and are never stored.
  let at0 = column(min(col0, p.N - 1u));
  let at1 = column(min(col1, p.N - 1u));
  var b0 = wid.z * p.b_batch + at0.x * p.b_block + at0.y * p.b_sn;
  var b1 = wid.z * p.b_batch + at1.x * p.b_block + at1.y * p.b_sn;
  let a_base = wid.z * p.a_batch + row * sm;
  var a_at = a_base + (lane % 8u) * p.a_sk;
  var c00 = 0.0; var c10 = 0.0; var c20 = 0.0; var c30 = 0.0; var c40 = 0.0; var c50 = 0.0;
  var c01 = 0.0; var c11 = 0.0; var c21 = 0.0; var c31 = 0.0; var c41 = 0.0; var c51 = 0.0;
  var k0 = 0u;
  for (; k0 + 8u <= p.K; k0 += 8u) {
    let x = load_b8(b0, sk);
    let y = load_b8(b1, sk);
    let a0 = a[a_at]; let a1 = a[a_at + sm]; let a2 = a[a_at + 2u * sm];
    let a3 = a[a_at + 3u * sm]; let a4 = a[a_at + 4u * sm]; let a5 = a[a_at + 5u * sm];
    c00 = dot8(c00, a0, x[0], x[1]); c01 = dot8(c01, a0, y[0], y[1]);
    c10 = dot8(c10, a1, x[0], x[1]); c11 = dot8(c11, a1, y[0], y[1]);
    c20 = dot8(c20, a2, x[0], x[1]); c21 = dot8(c21, a2, y[0], y[1]);
    c30 = dot8(c30, a3, x[0], x[1]); c31 = dot8(c31, a3, y[0], y[1]);
    c40 = dot8(c40, a4, x[0], x[1]); c41 = dot8(c41, a4, y[0], y[1]);
    c50 = dot8(c50, a5, x[0], x[1]); c51 = dot8(c51, a5, y[0], y[1]);
    a_at += 8u * p.a_sk;
    b0 += 8u * sk;
    b1 += 8u * sk;
  }
  // The last K % 8 steps, one k at a time.
  var t = a_base + k0 * p.a_sk;
  for (; k0 < p.K; k0++) {
    let x = b[b0];
    let y = b[b1];
    let a0 = a[t]; let a1 = a[t + sm]; let a2 = a[t + 2u * sm];
    let a3 = a[t + 3u * sm]; let a4 = a[t + 4u * sm]; let a5 = a[t + 5u * sm];
    c00 += a0 * x; c10 += a1 * x; c20 += a2 * x; c30 += a3 * x; c40 += a4 * x; c50 += a5 * x;
    c01 += a0 * y; c11 += a1 * y; c21 += a2 * y; c31 += a3 * y; c41 += a4 * y; c51 += a5 * y;
    t += p.a_sk;
    b0 += sk;
    b1 += sk;
  }
  let c_at = wid.z * p.c_batch + row * p.n_block;
  let n = p.n_block;  // C's row stride
  if (col0 < p.N) {
    let o = c_at + at0.x * p.c_block + at0.y;
    if (row < p.M) { c[o] = c00; }
    if (row + 1u < p.M) { c[o + n] = c10; }
    if (row + 2u < p.M) { c[o + 2u * n] = c20; }
    if (row + 3u < p.M) { c[o + 3u * n] = c30; }
    if (row + 4u < p.M) { c[o + 4u * n] = c40; }
    if (row + 5u < p.M) { c[o + 5u * n] = c50; }
  }
  if (col1 < p.N) {
    let o = c_at + at1.x * p.c_block + at1.y;
    if (row < p.M) { c[o] = c01; }
    if (row + 1u < p.M) { c[o + n] = c11; }
    if (row + 2u < p.M) { c[o + 2u * n] = c21; }
    if (row + 3u < p.M) { c[o + 3u * n] = c31; }
    if (row + 4u < p.M) { c[o + 4u * n] = c41; }
    if (row + 5u < p.M) { c[o + 5u * n] = c51; }
  }
}
