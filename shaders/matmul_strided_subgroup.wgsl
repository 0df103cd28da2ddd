// C[b] = A[b] . B[b] with any strides, for a CPU adapter with subgroups: the fallback when B cannot
// be read as vec4s (7x7 feature maps: N or K = 49; B given transposed). The layout of
// matmul_subgroup.wgsl (4 columns and ROWS rows of C per invocation, A shared by subgroup shuffles),
// but B's 4 values per k are gathered from 4 column addresses computed once, so any column layout
// works: strided, transposed, or in column blocks that a group of 4 columns may straddle (a 7x7
// image ends inside it). On llvmpipe a load costs about the same per element, vec4 or not, so this
// loads as few elements per multiply-add as matmul_subgroup does (4 + ROWS / 8 per 4 * ROWS).
// Against the kernel it replaced (2 columns x 6 rows per invocation), interleaved on 2-core lavapipe:
// the 7x7 C64 pointwise forward over 64 images 1.7-1.8 vs 2.7-2.8 ms, its per-image weight gradient
// 1.3-2.4 vs 1.9-3.7 ms, 1024^3 with B transposed level (94-122 vs 91-161 ms, noisy).
// Column blocks as in matmul_subgroup.wgsl: column j lies in block j / n_block, the blocks b_block
// and c_block apart, C's rows n_block apart (n_block = N for a plain product).
// Host-checked requirement: subgroup size >= 8.
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
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let col = (wid.x * WG + lid.x) * 4u; // this lane's 4 columns
  let row = wid.y * ROWS;
  // Where each column starts in B and C. Columns past N read a clamped (valid) column, never stored.
  var b_at: vec4u;
  var c_at: vec4u;
  for (var j = 0u; j < 4u; j++) {
    let cj = min(col + j, p.N - 1u);
    let block = cj / p.n_block;
    let in_block = cj % p.n_block;
    b_at[j] = wid.z * p.b_batch + block * p.b_block + in_block * p.b_sn;
    c_at[j] = wid.z * p.c_batch + block * p.c_block + in_block;
  }
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
      let bv = vec4f(b[b_at.x], b[b_at.y], b[b_at.z], b[b_at.w]);
      b_at += vec4u(p.b_sk);
      for (var r = 0u; r < ROWS; r++) {
        acc[r] += subgroupShuffle(av[r], kk) * bv;
      }
    }
    a_at += KSTEP * p.a_sk;
  }
  // The last K % KSTEP steps: plain loads.
  var t_at = a_base + k0 * p.a_sk;
  for (; k0 < p.K; k0++) {
    let bv = vec4f(b[b_at.x], b[b_at.y], b[b_at.z], b[b_at.w]);
    b_at += vec4u(p.b_sk);
    for (var r = 0u; r < ROWS; r++) {
      acc[r] += a[t_at + r * p.a_sm] * bv;
    }
    t_at += p.a_sk;
  }
  for (var r = 0u; r < ROWS; r++) {
    if (row + r < p.M) {
      let at = c_at + vec4u((row + r) * p.n_block);
      for (var j = 0u; j < 4u; j++) {
        if (col + j < p.N) {
          c[at[j]] = acc[r][j];
        }
      }
    }
  }
}
