// C[b] = A[b] . B[b] for a real GPU: 64x64 output tiles staged through workgroup memory in steps of
// 16 along K; a 16x16 workgroup where each invocation accumulates a 4x4 block in registers.
// Same strided operand layout and uniform as matmul_rows.wgsl.
const TILE = 64u;  // mirrors MATMUL_TILE in src/ops/matmul.ts
const TK = 16u;

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

var<workgroup> a_tile: array<array<f32, TILE>, TK>;  // [k][m]
var<workgroup> b_tile: array<array<f32, TILE>, TK>;  // [k][n]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) flat: u32) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let a_base = wid.z * p.a_batch;
  let b_base = wid.z * p.b_batch;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // 256 invocations load 1024 elements of each tile: 4 each.
    for (var l = 0u; l < 4u; l++) {
      let e = flat + l * 256u;
      let kk = e / TILE;
      let mm = e % TILE;
      let k = k0 + kk;
      var av = 0.0;
      if (row0 + mm < p.M && k < p.K) {
        av = a[a_base + (row0 + mm) * p.a_sm + k * p.a_sk];
      }
      a_tile[kk][mm] = av;
      var bv = 0.0;
      if (col0 + mm < p.N && k < p.K) {
        bv = b[b_base + k * p.b_sk + (col0 + mm) * p.b_sn];
      }
      b_tile[kk][mm] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var ar: array<f32, 4>;
      var br: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        ar[i] = a_tile[kk][lid.y * 4u + i];
        br[i] = b_tile[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i][j] = fma(ar[i], br[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }
  let c_base = wid.z * p.c_batch;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x * 4u + j;
      if (r < p.M && col < p.N) {
        c[c_base + r * p.N + col] = acc[i][j];
      }
    }
  }
}
