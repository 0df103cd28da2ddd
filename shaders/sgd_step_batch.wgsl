// SGD steps on up to 5 parameters in one dispatch: sgd_step.wgsl's rule and order of operations
// exactly (the same expressions, so the same f32 results), on slots 0-4, each a parameter's gradient,
// values and momentum buffer. WGSL cannot index bindings, so each slot is written out; a slot owns
// whole workgroups (start1-4 are the slots' first invocations, a multiple of WG), so every workgroup takes
// one branch. 3 x 5 + 1 = 16 storage buffers: only on devices that allow that many per stage (the
// host falls back to sgd_step.wgsl, one parameter per dispatch, elsewhere). Empty slots have n = 0.
override WG: u32 = 256u;

// Params: SGD_BATCH_PARAMS in src/train/sgd.ts
struct Params {
  lr: f32,
  momentum: f32,
  dampening: f32,
  weight_decay: f32,
  nesterov: u32,
  n0: u32, n1: u32, n2: u32, n3: u32, n4: u32,
  start1: u32, start2: u32, start3: u32, start4: u32,
  first0: u32, first1: u32, first2: u32, first3: u32, first4: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> clip: array<f32>;
@group(0) @binding(2) var<storage, read> grad0: array<f32>;
@group(0) @binding(3) var<storage, read_write> param0: array<f32>;
@group(0) @binding(4) var<storage, read_write> buf0: array<f32>;
@group(0) @binding(5) var<storage, read> grad1: array<f32>;
@group(0) @binding(6) var<storage, read_write> param1: array<f32>;
@group(0) @binding(7) var<storage, read_write> buf1: array<f32>;
@group(0) @binding(8) var<storage, read> grad2: array<f32>;
@group(0) @binding(9) var<storage, read_write> param2: array<f32>;
@group(0) @binding(10) var<storage, read_write> buf2: array<f32>;
@group(0) @binding(11) var<storage, read> grad3: array<f32>;
@group(0) @binding(12) var<storage, read_write> param3: array<f32>;
@group(0) @binding(13) var<storage, read_write> buf3: array<f32>;
@group(0) @binding(14) var<storage, read> grad4: array<f32>;
@group(0) @binding(15) var<storage, read_write> param4: array<f32>;
@group(0) @binding(16) var<storage, read_write> buf4: array<f32>;

/** sgd_step.wgsl's d before momentum (the gradient scaled by the clip, plus weight decay). */
fn decayed(g: f32, w: f32) -> f32 {
  return g * clip[1] + p.weight_decay * w;
}

/** The new momentum buffer from the old one and d, as sgd_step.wgsl. */
fn momentum_buffer(old: f32, d: f32, first: bool) -> f32 {
  var b = d;
  if (!first) {
    b = p.momentum * old + (1.0 - p.dampening) * d;
  }
  return b;
}

fn direction(d: f32, b: f32) -> f32 {
  return select(b, d + p.momentum * b, p.nesterov != 0u);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let moving = p.momentum != 0.0;
  if (i < p.start1) {
    let j = i;
    if (j >= p.n0) { return; }
    var d = decayed(grad0[j], param0[j]);
    if (moving) { let b = momentum_buffer(buf0[j], d, p.first0 != 0u); buf0[j] = b; d = direction(d, b); }
    param0[j] -= p.lr * d;
  } else if (i < p.start2) {
    let j = i - p.start1;
    if (j >= p.n1) { return; }
    var d = decayed(grad1[j], param1[j]);
    if (moving) { let b = momentum_buffer(buf1[j], d, p.first1 != 0u); buf1[j] = b; d = direction(d, b); }
    param1[j] -= p.lr * d;
  } else if (i < p.start3) {
    let j = i - p.start2;
    if (j >= p.n2) { return; }
    var d = decayed(grad2[j], param2[j]);
    if (moving) { let b = momentum_buffer(buf2[j], d, p.first2 != 0u); buf2[j] = b; d = direction(d, b); }
    param2[j] -= p.lr * d;
  } else if (i < p.start4) {
    let j = i - p.start3;
    if (j >= p.n3) { return; }
    var d = decayed(grad3[j], param3[j]);
    if (moving) { let b = momentum_buffer(buf3[j], d, p.first3 != 0u); buf3[j] = b; d = direction(d, b); }
    param3[j] -= p.lr * d;
  } else {
    let j = i - p.start4;
    if (j >= p.n4) { return; }
    var d = decayed(grad4[j], param4[j]);
    if (moving) { let b = momentum_buffer(buf4[j], d, p.first4 != 0u); buf4[j] = b; d = direction(d, b); }
    param4[j] -= p.lr * d;
  }
}
