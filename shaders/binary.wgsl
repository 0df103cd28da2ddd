// out = a OP b with NumPy/PyTorch broadcasting. The host collapses dimensions and passes, per output
// dimension, its size and each input's stride (0 where that input is broadcast). With BROADCAST off
// (same shapes) the index arithmetic is skipped. Each invocation writes one vec4 of the output (a
// vec4 access costs about what a scalar one does on llvmpipe; bindings are padded to 16 bytes).
override WG: u32 = 256u;
override OP: u32 = 0u;
override BROADCAST: bool = true;

const ADD = 0u;  // mirrors BinaryOp.add in src/kernels/elementwise.ts
const SUB = 1u;  // mirrors BinaryOp.sub in src/kernels/elementwise.ts
const MUL = 2u;  // mirrors BinaryOp.mul in src/kernels/elementwise.ts
const DIV = 3u;  // mirrors BinaryOp.div in src/kernels/elementwise.ts
const MAX = 4u;  // mirrors BinaryOp.max in src/kernels/elementwise.ts
const MIN = 5u;  // mirrors BinaryOp.min in src/kernels/elementwise.ts
const MASK_POSITIVE = 6u;  // mirrors BinaryOp.maskPositive in src/kernels/elementwise.ts; a where b > 0, else 0 (gradient through relu / max)
const POW = 7u;  // mirrors BinaryOp.pow in src/kernels/elementwise.ts

// Params: BINARY_PARAMS in src/kernels/elementwise.ts
struct Params {
  n: u32,
  rank: u32,
  _a: u32,
  _b: u32,
  shape: array<vec4u, 2>,
  a_strides: array<vec4u, 2>,
  b_strides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;

fn combine(x: vec4f, y: vec4f) -> vec4f {
  switch OP {
    case ADD: { return x + y; }
    case SUB: { return x - y; }
    case MUL: { return x * y; }
    case DIV: { return x / y; }
    case MAX: { return max(x, y); }
    case MIN: { return min(x, y); }
    case MASK_POSITIVE: { return select(vec4f(0.0), x, y > vec4f(0.0)); }
    case POW: { return pow(x, y); }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i * 4u >= p.n) {
    return;
  }
  if (!BROADCAST) {
    out[i] = combine(a[i], b[i]);
    return;
  }
  var va: vec4f;
  var vb: vec4f;
  for (var j = 0u; j < 4u; j++) {
    // Lanes past the end repeat the last element (their results land in padding).
    let e = min(i * 4u + j, p.n - 1u);
    var ia = 0u;
    var ib = 0u;
    var rest = e;
    for (var d = i32(p.rank) - 1; d >= 0; d--) {
      let size = p.shape[d / 4][d % 4];
      let c = rest % size;
      rest = rest / size;
      ia += c * p.a_strides[d / 4][d % 4];
      ib += c * p.b_strides[d / 4][d % 4];
    }
    va[j] = a[ia / 4u][ia % 4u];
    vb[j] = b[ib / 4u][ib % 4u];
  }
  out[i] = combine(va, vb);
}
