// A dispatch that does nothing but depend on up to 8 buffers: while profiling (ProfileFence in
// src/gpu/profiler.ts, for the scheduler and the user-kernel timer) it runs after each kernel inside
// the kernel's timed pass, bound to the kernel's buffers, so that the barrier Dawn puts before it
// makes the pass's end timestamp wait for the kernel. Without it lavapipe writes the end timestamp
// while the kernel's threads still run, and the time lands on the next kernel that depends on its
// output. Unused slots are bound to a 16-byte stand-in. Nothing is written: arrayLength is never
// 0xffffffff.
@group(0) @binding(0) var<storage, read_write> b0: array<u32>;
@group(0) @binding(1) var<storage, read_write> b1: array<u32>;
@group(0) @binding(2) var<storage, read_write> b2: array<u32>;
@group(0) @binding(3) var<storage, read_write> b3: array<u32>;
@group(0) @binding(4) var<storage, read_write> b4: array<u32>;
@group(0) @binding(5) var<storage, read_write> b5: array<u32>;
@group(0) @binding(6) var<storage, read_write> b6: array<u32>;
@group(0) @binding(7) var<storage, read_write> b7: array<u32>;

@compute @workgroup_size(1)
fn main() {
  let n = arrayLength(&b0) + arrayLength(&b1) + arrayLength(&b2) + arrayLength(&b3) +
          arrayLength(&b4) + arrayLength(&b5) + arrayLength(&b6) + arrayLength(&b7);
  if (n == 0xffffffffu) {
    b0[0] = n;
  }
}
