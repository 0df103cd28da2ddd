// Depthwise convolution forward (groups = C = K) for CPU adapters, rows at stride 1 (SH = 1; any
// column stride, padding, dilation): each invocation walks down a strip of SC output columns of one
// (n, c) plane, ROWS output rows (p.rows) at a time, loading every input row under the strip once.
// Output row o takes input row o + ky * DH through filter row ky, so the accumulators of the last
// RING = (KH - 1) * DH + 1 output rows stay in registers and each step retires one of them.
//
// Why (llvmpipe, 2-core VM): a per-lane load costs a mask test, a bounds check and an insert per
// scalar element, vec4 or not, so what counts is elements loaded per output. conv2d_depthwise*.wgsl
// loads 6 rows x 3 aligned vec4 blocks (72 elements) per 16 outputs; here 3x3 at SC = 7, 28 rows
// loads 30 rows x 9 = 1.4 per output. Measured back to back, N = 64, C = 32, 28x28, single
// dispatch + wait, medians of 75-100: 3x3 p1 4.4 -> 2.5-2.7 ms, 5x5 p2 12.8 -> 4.0 ms, 3x3 d2 p2
// 7.4 -> 3.2 ms. Wider strips (14 columns) or 64-lane groups changed nothing beyond noise; fewer
// rows per invocation (10-14) were slower. 7x7 p3 at 5 columns: 14x14 7.0 -> 2.0 ms, 28x28 18.6 ->
// 5.6 ms; but at 7 columns (343 multiply-adds per row) 14x14 took 11 ms and at 6 (294) 28x28 took
// 34 ms, hence MAX_ROW_TERMS in src/ops/conv-depthwise.ts. bench conv.dw* (median of 8 runs each,
// alternating with the old kernel): 3x3 4.8 -> 3.2 ms, 5x5 11.8 -> 3.9 ms, 3x3 d2 6.2 -> 3.6 ms.
// Every array here must be indexed by constants once the fixed-count loops unroll: the first
// version shifted the accumulator ring in a `k--` loop that was not unrolled, which put the ring in
// memory behind per-lane gathers and cost 2 ms of the 5 (in conv2d_depthwise*.wgsl the row loop does
// not unroll either: its machine code holds one row step, so the filter is indexed by a variable).
override WG: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SW: u32 = 1u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override HAS_BIAS: bool = false;
// The filter rotated by 180 degrees (taps in reverse order): the input gradient of a stride-1
// depthwise convolution is this convolution of dy (src/ops/conv-depthwise.ts).
override FLIP: bool = false;
// ReLU fused into the input loads: the forward of conv2d(relu(x)) (reluConv2d in src/ops/conv.ts).
override IN_RELU: bool = false;
// The output multiplied by aux > 0: the input gradient of reluConv2d, masked by the ReLU's input
// (aux then holds x, not a bias).
override MASK: bool = false;
// Output columns per invocation (columnWalk in src/ops/conv-depthwise.ts picks it per width).
override SC: u32 = 7u;
// Input columns under SC adjacent outputs.
override SPAN: u32 = (SC - 1u) * SW + (KW - 1u) * DW + 1u;
// Output rows in flight: those that the current input row feeds.
override RING: u32 = (KH - 1u) * DH + 1u;
const MAX_SC = 8u;  // mirrors MAX_COLUMNS in src/ops/conv-depthwise.ts
const MAX_SPAN = 32u;  // mirrors MAX_SPAN in src/ops/conv-geometry.ts
const MAX_RING = 13u;  // mirrors MAX_RING in src/ops/conv-depthwise.ts
const MAX_TAPS = 49u;  // mirrors MAX_TAPS in src/ops/conv-geometry.ts

// Params: COLUMN_WALK_PARAMS in src/ops/conv-depthwise.ts
struct Params {
  N: u32, C: u32, H: u32, W: u32,
  K: u32, OH: u32, OW: u32, cin_g: u32,
  cout_g: u32, pt: i32, pl: i32, rows: u32,
  count: u32, _a: u32, strips: u32, chunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> aux: array<f32>;  // the bias (HAS_BIAS) or the mask's source (MASK)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // One invocation per (plane, chunk of p.rows rows, strip of SC columns). Lanes past the end compute
  // a clamped copy, never stored.
  let live = wid.x * WG + lid.x + wid.y * nwg.x * WG;
  let idx = min(live, p.count - 1u);
  let strip = idx % p.strips;
  let rest = idx / p.strips;
  let oy0 = (rest % p.chunks) * p.rows;
  let pc = rest / p.chunks;  // n * C + c
  let c = pc % p.C;
  // The lanes of a group cover several planes, so the taps are per-lane loads: 9 per 196 outputs.
  var f: array<f32, MAX_TAPS>;
  for (var t = 0u; t < KH * KW; t++) {
    f[t] = w[c * KH * KW + select(t, KH * KW - 1u - t, FLIP)];
  }
  var b = 0.0;
  if (HAS_BIAS) {
    b = aux[c];
  }
  let ox0 = strip * SC;
  let ix0 = i32(ox0 * SW) - p.pl;
  let plane = i32(pc * p.H * p.W);
  let oplane = pc * p.OH * p.OW;
  // Which input columns under the strip lie inside the row: the same for every row.
  var col_ok: array<bool, MAX_SPAN>;
  for (var i = 0u; i < SPAN; i++) {
    let ix = ix0 + i32(i);
    col_ok[i] = ix >= 0 && ix < i32(p.W);
  }
  // acc[k] holds output row (input row - k): input row r feeds acc[ky * DH] through filter row ky.
  var acc: array<array<f32, MAX_SC>, MAX_RING>;
  for (var r = 0u; r < p.rows + RING - 1u; r++) {
    let iy = i32(oy0 + r) - p.pt;
    let row_ok = iy >= 0 && iy < i32(p.H);
    let row = plane + iy * i32(p.W) + ix0;
    var seg: array<f32, MAX_SPAN>;
    for (var i = 0u; i < SPAN; i++) {
      let ok = row_ok && col_ok[i];
      seg[i] = select(0.0, x[u32(select(0, row + i32(i), ok))], ok);
      if (IN_RELU) {
        seg[i] = max(seg[i], 0.0);
      }
    }
    for (var ky = 0u; ky < KH; ky++) {
      for (var kx = 0u; kx < KW; kx++) {
        let fv = f[ky * KW + kx];
        for (var q = 0u; q < SC; q++) {
          acc[ky * DH][q] += fv * seg[q * SW + kx * DW];
        }
      }
    }
    // Output row oy0 + r - (RING - 1) has had its last input row.
    let oy = oy0 + r + 1u - RING;
    if (r + 1u >= RING && oy < p.OH && live < p.count) {
      let at = oplane + oy * p.OW + ox0;
      for (var q = 0u; q < SC; q++) {
        if (ox0 + q < p.OW) {
          var v = acc[RING - 1u][q] + b;
          if (MASK) {
            v = select(0.0, v, aux[at + q] > 0.0);
          }
          y[at + q] = v;
        }
      }
    }
    // Counting up, so that the loop unrolls and the ring stays in registers (see the header).
    for (var k = 0u; k + 1u < RING; k++) {
      acc[RING - 1u - k] = acc[RING - 2u - k];
    }
    acc[0] = array<f32, MAX_SC>();
  }
}
