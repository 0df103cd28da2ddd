// One SGD step on one parameter, in place, with PyTorch's torch.optim.SGD rule, after
// torch.nn.utils.clip_grad_norm_ has scaled the gradient:
//   g = grad * clip[1]           (clip = [global norm, scale]; scale 1 when not clipping)
//   d = g + weight_decay * p
//   momentum: buf = d on the first step, else momentum * buf + (1 - dampening) * d;
//             d = d + momentum * buf (nesterov) or d = buf
//   p -= lr * d
// Fused so that a step costs one dispatch per parameter instead of five or six elementwise ops.
override WG: u32 = 256u;

// Params: SGD_STEP_PARAMS in src/train/sgd.ts
struct Params {
  n: u32,
  lr: f32,
  momentum: f32,
  dampening: f32,
  weight_decay: f32,
  nesterov: u32,
  first_step: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
@group(0) @binding(4) var<storage, read> clip: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= p.n) {
    return;
  }
  var d = grad[i] * clip[1] + p.weight_decay * param[i];
  if (p.momentum != 0.0) {
    var b = d;
    if (p.first_step == 0u) {
      b = p.momentum * buf[i] + (1.0 - p.dampening) * d;
    }
    buf[i] = b;
    d = select(b, d + p.momentum * b, p.nesterov != 0u);
  }
  param[i] -= p.lr * d;
}
