// Second pass of the global gradient norm: one invocation adds every partial sum of squares, then
// writes [norm, scale] with PyTorch's clip_grad_norm_ rule, scale = min(1, max_norm / (norm + 1e-6)).
// The SGD kernel multiplies each gradient by `scale`, so clipping needs no readback. A few thousand
// partials (one per 512 gradient values) take one invocation well under a millisecond.
// Params: CLIP_SCALE_PARAMS in src/train/clip.ts
struct Params { count: u32, max_norm: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1)
fn main() {
  var s = 0.0;
  for (var i = 0u; i < p.count; i++) {
    s += partial[i];
  }
  let norm = sqrt(s);
  out[0] = norm;
  out[1] = min(1.0, p.max_norm / (norm + 1e-6));
}
