// Pooling backward, max (MAX) or average, the fast gather for CPU adapters: an invocation owns 4
// consecutive input columns of one plane and walks down the input rows. The output rows whose
// windows can reach the current input row (at most NACC = ceil(KH / SH)) are held in registers with
// the NCOL output columns that reach the strip, each loaded once per strip as the walk reaches it,
// instead of once per input element and window as in pool2d_grad.wgsl (the fallback for windows
// whose rows or columns exceed the register budget). Window, stride, NACC and NCOL are override
// constants so everything unrolls into registers.
// Max holds (gradient, argmax) pairs, and each input element sums the held gradients whose argmax
// is this element. An argmax lies inside its own window, so matching it is the whole test: held
// slots that are not real outputs (columns past the edge, loaded clamped, and rows before the
// first) hold NONE, which matches nothing.
// Average holds grad_out / divisor, and each input element sums the held values whose window
// contains it. It binds a stand-in argmax.
override WG: u32 = 64u;
override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override MAX: bool = true;
override COUNT_PAD: bool = true;
override NACC: u32 = 1u;
override NCOL: u32 = 2u;
const MAX_ROWS = 8u;  // mirrors MAX_HELD_ROWS in src/ops/pool-geometry.ts
const MAX_COLS = 8u;  // mirrors MAX_HELD_COLS in src/ops/pool-geometry.ts
const NONE = 0xffffffffu;

// Params: POOL_PARAMS in src/ops/pool-geometry.ts
struct Params { H: u32, W: u32, Ho: u32, Wo: u32, ph: u32, pw: u32, strips: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad_in: array<f32>;

/** The first output index along one axis whose window contains input index i. */
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
  // Average: the horizontal divisor factor of each held column, and which of the strip's 4 columns
  // its window covers (both fixed for the strip).
  var cols: array<f32, MAX_COLS>;
  var covers: array<vec4<bool>, MAX_COLS>;
  if (!MAX) {
    for (var c = 0u; c < NCOL; c++) {
      let ow = ow_first + i32(c);
      let left = ow * i32(SW) - i32(p.pw);
      cols[c] = f32(extent(left, KW, p.W, p.pw));
      let iw = vec4i(iw0) + vec4i(0, 1, 2, 3);
      covers[c] = (iw >= vec4i(left)) & (iw < vec4i(left + i32(KW))) & vec4<bool>(ow < Wo);
    }
  }
  var g: array<array<f32, MAX_COLS>, MAX_ROWS>;
  var a: array<array<u32, MAX_COLS>, MAX_ROWS>;
  if (MAX) {
    for (var r = 0u; r < NACC; r++) {
      for (var c = 0u; c < NCOL; c++) {
        a[r][c] = NONE;
      }
    }
  }
  var hi = -1i;  // the last output row loaded; slot r holds row hi - (NACC - 1) + r
  for (var ih = 0i; ih < i32(p.H); ih++) {
    let oh_last = min((ih + i32(p.ph)) / i32(SH), Ho - 1);
    for (var q = 0u; q < NACC; q++) {
      if (hi < oh_last) {
        for (var r = 0u; r + 1u < NACC; r++) {
          g[r] = g[r + 1u];
          if (MAX) {
            a[r] = a[r + 1u];
          }
        }
        hi++;
        let row = obase + u32(hi) * p.Wo;
        if (MAX) {
          for (var c = 0u; c < NCOL; c++) {
            let ow = ow_first + i32(c);
            let o = row + u32(min(ow, Wo - 1));
            g[NACC - 1u][c] = grad_out[o];
            a[NACC - 1u][c] = select(NONE, argmax[o], ow < Wo);
          }
        } else {
          let eh = f32(extent(hi * i32(SH) - i32(p.ph), KH, p.H, p.ph));
          for (var c = 0u; c < NCOL; c++) {
            g[NACC - 1u][c] = grad_out[row + u32(min(ow_first + i32(c), Wo - 1))] / (eh * cols[c]);
          }
        }
      }
    }
    var acc = vec4f(0.0);
    if (MAX) {
      let me = vec4u(u32(ih) * p.W + u32(iw0)) + vec4u(0u, 1u, 2u, 3u);
      for (var r = 0u; r < NACC; r++) {
        for (var c = 0u; c < NCOL; c++) {
          acc += select(vec4f(0.0), vec4f(g[r][c]), vec4u(a[r][c]) == me);
        }
      }
    } else {
      let oh_first = first_window(ih, KH, SH, p.ph);
      for (var r = 0u; r < NACC; r++) {
        let oh = hi - i32(NACC - 1u) + i32(r);
        let row_ok = oh >= oh_first && oh <= oh_last;
        for (var c = 0u; c < NCOL; c++) {
          acc += select(vec4f(0.0), vec4f(g[r][c]), covers[c] & vec4<bool>(row_ok));
        }
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
