// Max pooling forward (PyTorch max_pool2d, dilation 1, ceil_mode false).
// Each invocation owns 4 consecutive output columns (one vec4) of one plane and walks down the input
// rows once: every input row is reduced horizontally over the window (KW loads per output, shared
// loads merged after unrolling), then folded into the pending output rows that contain it. At most
// NACC = ceil(KH / SH) output rows contain a given input row; they are kept in registers as a shift
// register (oldest first, constant indices). Each input element is loaded about once per strip
// instead of KH * KW times, which is what matters on llvmpipe, where a load costs more than the
// arithmetic around it (PERF-NOTES). Window and stride are override constants so the loops unroll.
// Out-of-range rows and columns are clamped to the edge rather than branched on: padding is at most
// half the window, so the clamped element lies in the same window and cannot change its maximum, and
// it is visited beside its own position, so the first maximum in row-major order still wins ties.
// With SAVE_ARGMAX each output records the plane-local index h * W + w of its maximum for backward.
// NaN wins as in PyTorch (`v > best || isnan(v)`).
override WG: u32 = 64u;
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override SAVE_ARGMAX: bool = false;
/** Pending output rows: ceil(KH / SH), at most MAX_ACC (the host uses the strip kernel beyond). */
override NACC: u32 = 1u;
const MAX_ACC = 8u;

struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;

fn better(v: vec4f, best: vec4f) -> vec4<bool> {
  return (v > best) | (v != v);
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
  var acc: array<vec4f, MAX_ACC>;
  var arg: array<vec4u, MAX_ACC>;
  var oh_base = 0i;  // the oldest output row not yet written; acc[r] holds row oh_base + r
  let h_end = (i32(p.Ho) - 1) * i32(SH) - ph + i32(KH);
  for (var h = -ph; h < h_end; h++) {
    // Horizontal maximum of this input row for the 4 windows of the strip.
    let row = u32(clamp(h, 0, hmax)) * p.W;
    var hm = vec4f(0.0);
    var ha = vec4u(0u);
    for (var kw = 0u; kw < KW; kw++) {
      var v: vec4f;
      var i: vec4u;
      for (var j = 0u; j < 4u; j++) {
        i[j] = row + u32(clamp(w0 + i32(j * SW + kw), 0, wmax));
        v[j] = x[base + i[j]];
      }
      if (kw == 0u) {
        hm = v;
        ha = i;
      } else {
        let b = better(v, hm);
        hm = select(hm, v, b);
        ha = select(ha, i, b);
      }
    }
    // Fold into every pending output row whose window contains h; the first row of a window starts it.
    for (var r = 0u; r < NACC; r++) {
      let start = (oh_base + i32(r)) * i32(SH) - ph;
      if (h == start) {
        acc[r] = hm;
        arg[r] = ha;
      } else if (h > start && h < start + i32(KH)) {
        let b = better(hm, acc[r]);
        acc[r] = select(acc[r], hm, b);
        arg[r] = select(arg[r], ha, b);
      }
    }
    // The oldest row is complete after its last input row: write it and shift the others down.
    if (h == oh_base * i32(SH) - ph + i32(KH) - 1) {
      let o = (plane * p.Ho + u32(oh_base)) * p.Wo + ow0;
      for (var j = 0u; j < 4u; j++) {
        if (ow0 + j < p.Wo) {
          out[o + j] = acc[0][j];
          if (SAVE_ARGMAX) {
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
