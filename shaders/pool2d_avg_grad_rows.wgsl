// Average pooling backward, the fast gather: the walk of pool2d_max_grad_rows.wgsl, holding
// grad_out / divisor for the output rows and columns that reach the strip, each loaded once per
// strip. Each input element sums the held values whose window contains it. pool2d_avg_grad.wgsl
// is the fallback for windows beyond the register budget.
override WG: u32 = 64u;
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override COUNT_PAD: bool = true;
override NACC: u32 = 1u;
override NCOL: u32 = 2u;
const MAX_ROWS = 8u;
const MAX_COLS = 8u;

struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad_in: array<f32>;

fn first_window(i: i32, k: u32, s: u32, pad: u32) -> i32 {
  let lo = i + i32(pad) - i32(k) + 1;
  return select(0, (lo + i32(s) - 1) / i32(s), lo > 0);
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
  let obase = plane * p.Ho * p.Wo;
  let iw0 = i32(strip * 4u);
  let ow_first = first_window(iw0, KW, SW, p.pw);
  let Ho = i32(p.Ho);
  let Wo = i32(p.Wo);
  // The horizontal divisor factor of each held column, fixed for the strip.
  var cols: array<f32, MAX_COLS>;
  for (var c = 0u; c < NCOL; c++) {
    cols[c] = f32(extent((ow_first + i32(c)) * i32(SW) - i32(p.pw), KW, p.W, p.pw));
  }
  // Which of the strip's 4 columns each held output column's window covers (fixed for the strip).
  var covers: array<vec4<bool>, MAX_COLS>;
  for (var c = 0u; c < NCOL; c++) {
    let ow = ow_first + i32(c);
    let left = ow * i32(SW) - i32(p.pw);
    let iw = vec4i(iw0) + vec4i(0, 1, 2, 3);
    covers[c] = (iw >= vec4i(left)) & (iw < vec4i(left + i32(KW))) & vec4<bool>(ow < Wo);
  }
  var g: array<array<f32, MAX_COLS>, MAX_ROWS>;
  var hi = -1i;
  for (var ih = 0i; ih < i32(p.H); ih++) {
    let oh_first = first_window(ih, KH, SH, p.ph);
    let oh_last = min((ih + i32(p.ph)) / i32(SH), Ho - 1);
    for (var q = 0u; q < NACC; q++) {
      if (hi < oh_last) {
        for (var r = 0u; r + 1u < NACC; r++) {
          g[r] = g[r + 1u];
        }
        hi++;
        let row = obase + u32(hi) * p.Wo;
        let eh = f32(extent(hi * i32(SH) - i32(p.ph), KH, p.H, p.ph));
        for (var c = 0u; c < NCOL; c++) {
          g[NACC - 1u][c] = grad_out[row + u32(min(ow_first + i32(c), Wo - 1))] / (eh * cols[c]);
        }
      }
    }
    var acc = vec4f(0.0);
    for (var r = 0u; r < NACC; r++) {
      let oh = hi - i32(NACC - 1u) + i32(r);
      let row_ok = oh >= oh_first && oh <= oh_last;
      for (var c = 0u; c < NCOL; c++) {
        acc += select(vec4f(0.0), vec4f(g[r][c]), covers[c] & vec4<bool>(row_ok));
      }
    }
    let o = plane * p.H * p.W + u32(ih) * p.W + u32(iw0);
    for (var j = 0u; j < 4u; j++) {
      if (u32(iw0) + j < p.W) {
        grad_in[o + j] = acc[j];
      }
    }
  }
}
