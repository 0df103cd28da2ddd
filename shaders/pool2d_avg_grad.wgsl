// Average pooling backward as a gather: each input element sums grad_out / divisor over the windows
// that contain it, the divisor recomputed exactly as in pool2d_avg.wgsl. Strips of STRIP input
// columns per invocation and constant trip counts with masking, as in pool2d_max_grad.wgsl (and,
// like it, the general path beside the faster pool2d_avg_grad_rows.wgsl).
override WG: u32 = 64u;
override STRIP: u32 = 4u;  // consecutive columns per invocation
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override COUNT_PAD: bool = true;

struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad_in: array<f32>;

fn first_window(i: u32, k: u32, s: u32, pad: u32) -> i32 {
  let lo = i32(i + pad) - i32(k) + 1;
  return select(0, (lo + i32(s) - 1) / i32(s), lo > 0);
}

/** How many positions along one axis count towards the divisor of the window starting at s0. */
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
  let rest = t / p.strips;
  let ih = rest % p.H;
  let plane = rest / p.H;
  let obase = plane * p.Ho * p.Wo;
  let oh0 = first_window(ih, KH, SH, p.ph);
  let oh_last = min(i32((ih + p.ph) / SH), i32(p.Ho) - 1);
  let NH = (KH + SH - 1u) / SH;
  let NW = (KW + SW - 1u) / SW;
  for (var j = 0u; j < STRIP; j++) {
    let iw = strip * STRIP + j;
    let ow0 = first_window(iw, KW, SW, p.pw);
    let ow_last = min(i32((iw + p.pw) / SW), i32(p.Wo) - 1);
    var acc = 0.0;
    for (var r = 0u; r < NH; r++) {
      let oh = oh0 + i32(r);
      let eh = extent(oh * i32(SH) - i32(p.ph), KH, p.H, p.ph);
      let row = obase + u32(clamp(oh, 0, i32(p.Ho) - 1)) * p.Wo;
      for (var c = 0u; c < NW; c++) {
        let ow = ow0 + i32(c);
        let ew = extent(ow * i32(SW) - i32(p.pw), KW, p.W, p.pw);
        let g = grad_out[row + u32(clamp(ow, 0, i32(p.Wo) - 1))] / f32(eh * ew);
        acc += select(0.0, g, oh <= oh_last && ow <= ow_last);
      }
    }
    if (iw < p.W) {
      grad_in[plane * p.H * p.W + ih * p.W + iw] = acc;
    }
  }
}
