// Pooling forward, max (MAX) or average: PyTorch's max_pool2d (dilation 1) and avg_pool2d (no
// divisor_override), ceil_mode false.
// Each invocation owns 4 consecutive output columns (one vec4) of one plane and walks down the input
// rows once: every input row is reduced horizontally over the window (KW loads per output, shared
// loads merged after unrolling), then folded into the pending output rows that contain it. At most
// NACC = ceil(KH / SH) output rows contain a given input row; they are kept in registers as a shift
// register (oldest first, constant indices). Each input element is loaded about once per strip
// instead of KH * KW times, which is what matters on llvmpipe, where a load costs more than the
// arithmetic around it (PERF-NOTES). Window and stride are override constants so the loops unroll.
// Max: out-of-range rows and columns are clamped to the edge rather than branched on: padding is at
// most half the window, so the clamped element lies in the same window and cannot change its maximum,
// and it is visited beside its own position, so the first maximum in row-major order still wins ties.
// With SAVE_ARGMAX each output records the plane-local index h * W + w of its maximum for backward.
// NaN wins as in PyTorch (`v > best || isnan(v)`).
// Average: out-of-range coordinates are clamped for the load and masked out of the sum. COUNT_PAD
// (count_include_pad) divides by the window clipped to the padded input, as PyTorch does; otherwise
// by the number of real input elements in the window. The argmax binding is a stand-in, never used.
override WG: u32 = 64u;
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override MAX: bool = true;
override SAVE_ARGMAX: bool = false;
override COUNT_PAD: bool = true;
/** Pending output rows: ceil(KH / SH), at most MAX_ACC (the host refuses larger ones). */
override NACC: u32 = 1u;
const MAX_ACC = 8u;  // mirrors MAX_PENDING_ROWS in src/ops/pool-geometry.ts

// Params: POOL_PARAMS in src/ops/pool-geometry.ts
struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;

fn better(v: vec4f, best: vec4f) -> vec4<bool> {
  return (v > best) | (v != v);
}

/** How many positions of a window starting at s0 count towards its divisor along one axis. */
fn extent(s0: i32, k: u32, n: u32, pad: u32) -> i32 {
  if (COUNT_PAD) {
    return min(s0 + i32(k), i32(n + pad)) - s0;
  }
  return min(s0 + i32(k), i32(n)) - max(s0, 0);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= p.total) {
    return;
  }
  let strip = t % p.strips;
  let plane = t / p.strips;
  let base = plane * p.H * p.W;
  let ow0 = strip * 4u;
  let w0 = i32(ow0 * SW) - i32(p.pw);
  let wmax = i32(p.W) - 1;
  let hmax = i32(p.H) - 1;
  let ph = i32(p.ph);
  // Average: the divisors' horizontal factor per column, fixed for the strip.
  var cols: vec4f;
  if (!MAX) {
    for (var j = 0u; j < 4u; j++) {
      cols[j] = f32(extent(w0 + i32(j * SW), KW, p.W, p.pw));
    }
  }
  var acc: array<vec4f, MAX_ACC>;
  var arg: array<vec4u, MAX_ACC>;
  var oh_base = 0i;  // the oldest output row not yet written; acc[r] holds row oh_base + r
  let h_end = (i32(p.Ho) - 1) * i32(SH) - ph + i32(KH);
  for (var h = -ph; h < h_end; h++) {
    // This input row reduced horizontally for the 4 windows of the strip (and where its maxima are).
    var hv = vec4f(0.0);
    var ha = vec4u(0u);
    if (MAX) {
      let row = u32(clamp(h, 0, hmax)) * p.W;
      for (var kw = 0u; kw < KW; kw++) {
        var v: vec4f;
        var i: vec4u;
        for (var j = 0u; j < 4u; j++) {
          i[j] = row + u32(clamp(w0 + i32(j * SW + kw), 0, wmax));
          v[j] = x[base + i[j]];
        }
        if (kw == 0u) {
          hv = v;
          ha = i;
        } else {
          let b = better(v, hv);
          hv = select(hv, v, b);
          ha = select(ha, i, b);
        }
      }
    } else if (h >= 0 && h <= hmax) {
      let row = base + u32(h) * p.W;
      for (var kw = 0u; kw < KW; kw++) {
        for (var j = 0u; j < 4u; j++) {
          let w = w0 + i32(j * SW + kw);
          hv[j] += select(0.0, x[row + u32(clamp(w, 0, wmax))], w >= 0 && w <= wmax);
        }
      }
    }
    // Fold into every pending output row whose window contains h; the first row of a window starts it.
    for (var r = 0u; r < NACC; r++) {
      let start = (oh_base + i32(r)) * i32(SH) - ph;
      if (h == start) {
        acc[r] = hv;
        arg[r] = ha;
      } else if (h > start && h < start + i32(KH)) {
        if (MAX) {
          let b = better(hv, acc[r]);
          acc[r] = select(acc[r], hv, b);
          arg[r] = select(arg[r], ha, b);
        } else {
          acc[r] += hv;
        }
      }
    }
    // The oldest row is complete after its last input row: write it and shift the others down.
    let start0 = oh_base * i32(SH) - ph;
    if (h == start0 + i32(KH) - 1) {
      var value = acc[0];
      if (!MAX) {
        value /= f32(extent(start0, KH, p.H, p.ph)) * cols;
      }
      let o = (plane * p.Ho + u32(oh_base)) * p.Wo + ow0;
      for (var j = 0u; j < 4u; j++) {
        if (ow0 + j < p.Wo) {
          out[o + j] = value[j];
          if (MAX && SAVE_ARGMAX) {
            argmax[o + j] = arg[0][j];
          }
        }
      }
      for (var r = 0u; r + 1u < NACC; r++) {
        acc[r] = acc[r + 1u];
        arg[r] = arg[r + 1u];
      }
      oh_base++;
    }
  }
}
