// Average pooling forward (PyTorch avg_pool2d, ceil_mode false, no divisor_override). Same walk as
// pool2d_max.wgsl: an invocation owns 4 output columns of one plane, sums each input row horizontally
// once and adds it to the (at most NACC = ceil(KH / SH)) pending output rows whose window contains
// it. Out-of-range coordinates are clamped for the load and masked out of the sum. COUNT_PAD
// (count_include_pad) divides by the window clipped to the padded input, as PyTorch does; otherwise
// by the number of real input elements in the window.
override WG: u32 = 64u;
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override COUNT_PAD: bool = true;
override NACC: u32 = 1u;
const MAX_ACC = 8u;

struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

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
  let W = i32(p.W);
  let H = i32(p.H);
  let ph = i32(p.ph);
  // Per-column divisors' horizontal factor, fixed for the strip.
  var cols: vec4f;
  for (var j = 0u; j < 4u; j++) {
    cols[j] = f32(extent(w0 + i32(j * SW), KW, p.W, p.pw));
  }
  var acc: array<vec4f, MAX_ACC>;
  var oh_base = 0i;
  let h_end = (i32(p.Ho) - 1) * i32(SH) - ph + i32(KH);
  for (var h = -ph; h < h_end; h++) {
    var hs = vec4f(0.0);
    if (h >= 0 && h < H) {
      let row = base + u32(h) * p.W;
      for (var kw = 0u; kw < KW; kw++) {
        for (var j = 0u; j < 4u; j++) {
          let w = w0 + i32(j * SW + kw);
          hs[j] += select(0.0, x[row + u32(clamp(w, 0, W - 1))], w >= 0 && w < W);
        }
      }
    }
    for (var r = 0u; r < NACC; r++) {
      let start = (oh_base + i32(r)) * i32(SH) - ph;
      if (h == start) {
        acc[r] = hs;
      } else if (h > start && h < start + i32(KH)) {
        acc[r] += hs;
      }
    }
    let start0 = oh_base * i32(SH) - ph;
    if (h == start0 + i32(KH) - 1) {
      let divisor = f32(extent(start0, KH, p.H, p.ph)) * cols;
      let value = acc[0] / divisor;
      let o = (plane * p.Ho + u32(oh_base)) * p.Wo + ow0;
      for (var j = 0u; j < 4u; j++) {
        if (ow0 + j < p.Wo) {
          out[o + j] = value[j];
        }
      }
      for (var r = 0u; r + 1u < NACC; r++) {
        acc[r] = acc[r + 1u];
      }
      oh_base++;
    }
  }
}
