// Pooling backward as a gather, max (MAX) or average: each input element sums the output gradients
// of the windows that contain it: for max, of those whose recorded argmax is this element; for
// average, grad_out / divisor with the divisor recomputed exactly as in pool2d.wgsl. No atomics
// (WGSL has none for f32) and every element is written once. An invocation handles a strip of
// STRIP consecutive input columns of one input row (8 on a CPU adapter, where fewer, fatter
// invocations win; 1 on a real GPU); each element visits at most ceil(K/S) windows per axis, a
// constant trip count with out-of-range windows masked (loads clamped, contributions dropped).
// The general path: on a CPU adapter pool2d_grad_rows.wgsl is faster wherever its registers hold the
// windows' reach (poolGatherKernel in src/ops/kernel-choice.ts). Average binds a stand-in argmax.
override WG: u32 = 64u;
override STRIP: u32 = 4u;  // consecutive columns per invocation
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override MAX: bool = true;
override COUNT_PAD: bool = true;

// Params: POOL_PARAMS in src/ops/pool-geometry.ts
struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad_in: array<f32>;

/** The first output index along one axis whose window contains input index i. */
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
    let me = ih * p.W + iw;
    var acc = 0.0;
    for (var r = 0u; r < NH; r++) {
      let oh = oh0 + i32(r);
      let row = obase + u32(clamp(oh, 0, i32(p.Ho) - 1)) * p.Wo;
      for (var c = 0u; c < NW; c++) {
        let ow = ow0 + i32(c);
        let o = row + u32(clamp(ow, 0, i32(p.Wo) - 1));
        let inside = oh <= oh_last && ow <= ow_last;
        if (MAX) {
          acc += select(0.0, grad_out[o], inside && argmax[o] == me);
        } else {
          let eh = extent(oh * i32(SH) - i32(p.ph), KH, p.H, p.ph);
          let ew = extent(ow * i32(SW) - i32(p.pw), KW, p.W, p.pw);
          acc += select(0.0, grad_out[o] / f32(eh * ew), inside);
        }
      }
    }
    if (iw < p.W) {
      grad_in[plane * p.H * p.W + me] = acc;
    }
  }
}
