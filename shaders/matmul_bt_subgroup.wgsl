// C[b] = A[b] . B[b] where B is given transposed (B^T row-major: element (k, n) at n * b_sn + k),
// for a CPU adapter with subgroups. This is the weight gradient of a 1x1 convolution,
// dY[n] . X[n]^T, whose operands are both contiguous along k.
// Each invocation owns one column n of C and ROWS rows. Per 8 values of k it loads its column's
// B values as two vec4s (contiguous along k) and, as in matmul_subgroup.wgsl, lane l loads
// A[row, k0 + l] for each row and subgroupBroadcast shares them: ROWS + 2 loads for 8 * ROWS FMAs.
// Host-checked requirements: b_sn and the B batch stride multiples of 4, subgroup size >= 8.
enable subgroups;

override WG: u32 = 64u;
const ROWS = 8u;  // mirrors BT_ROWS in src/ops/matmul.ts

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

/** acc + sum over j < 8 of (lane j's a) * b[j], with b[0..3] = lo, b[4..7] = hi. */
fn dot8(acc: f32, a_lane: f32, lo: vec4f, hi: vec4f) -> f32 {
  let a_lo = vec4f(subgroupBroadcast(a_lane, 0u), subgroupBroadcast(a_lane, 1u),
                   subgroupBroadcast(a_lane, 2u), subgroupBroadcast(a_lane, 3u));
  let a_hi = vec4f(subgroupBroadcast(a_lane, 4u), subgroupBroadcast(a_lane, 5u),
                   subgroupBroadcast(a_lane, 6u), subgroupBroadcast(a_lane, 7u));
  return acc + dot(a_lo, lo) + dot(a_hi, hi);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let col = wid.x * WG + lid.x;
  let row = wid.y * ROWS;
  // Columns past N read a clamped (valid) column and are never stored.
  let b_base = wid.z * p.b_batch + min(col, p.N - 1u) * p.b_sn;
  let a_base = wid.z * p.a_batch + row * p.a_sm;
  let sm = p.a_sm;
  var a_at = a_base + (lane % 8u) * p.a_sk;
  var acc0 = 0.0; var acc1 = 0.0; var acc2 = 0.0; var acc3 = 0.0;
  var acc4 = 0.0; var acc5 = 0.0; var acc6 = 0.0; var acc7 = 0.0;
  var k0 = 0u;
  for (; k0 + 8u <= p.K; k0 += 8u) {
    let at4 = (b_base + k0) / 4u;
    let lo = b[at4];
    let hi = b[at4 + 1u];
    acc0 = dot8(acc0, a[a_at], lo, hi);
    acc1 = dot8(acc1, a[a_at + sm], lo, hi);
    acc2 = dot8(acc2, a[a_at + 2u * sm], lo, hi);
    acc3 = dot8(acc3, a[a_at + 3u * sm], lo, hi);
    acc4 = dot8(acc4, a[a_at + 4u * sm], lo, hi);
    acc5 = dot8(acc5, a[a_at + 5u * sm], lo, hi);
    acc6 = dot8(acc6, a[a_at + 6u * sm], lo, hi);
    acc7 = dot8(acc7, a[a_at + 7u * sm], lo, hi);
    a_at += 8u * p.a_sk;
  }
  // The last K % 8 steps, one k at a time (B read as scalars out of its vec4s).
  for (; k0 < p.K; k0++) {
    let bk = b[(b_base + k0) / 4u][(b_base + k0) % 4u];
    let t = a_base + k0 * p.a_sk;
    acc0 += a[t] * bk; acc1 += a[t + sm] * bk; acc2 += a[t + 2u * sm] * bk; acc3 += a[t + 3u * sm] * bk;
    acc4 += a[t + 4u * sm] * bk; acc5 += a[t + 5u * sm] * bk; acc6 += a[t + 6u * sm] * bk; acc7 += a[t + 7u * sm] * bk;
  }
  if (col >= p.N) {
    return;
  }
  let c_at = wid.z * p.c_batch + row * p.N + col;
  let n = p.N;
  if (row < p.M) { c[c_at] = acc0; }
  if (row + 1u < p.M) { c[c_at + n] = acc1; }
  if (row + 2u < p.M) { c[c_at + 2u * n] = acc2; }
  if (row + 3u < p.M) { c[c_at + 3u * n] = acc3; }
  if (row + 4u < p.M) { c[c_at + 4u * n] = acc4; }
  if (row + 5u < p.M) { c[c_at + 5u * n] = acc5; }
  if (row + 6u < p.M) { c[c_at + 6u * n] = acc6; }
  if (row + 7u < p.M) { c[c_at + 7u * n] = acc7; }
}
