// Buffer pool: GPU buffers are reused by size class so that a training loop does not allocate.
// Size classes are 2^k and 1.5*2^k bytes (at most 33% waste); a released buffer waits in its class's
// free list for the next request of that class. Counters let tests prove that memory stays flat.
// A request gets the oldest free buffer of its class (lowest creation number), not the last one
// released: then what the free lists hold at a step's start is a set, not an order, so a loop that
// repeats the same ops gets the same buffers for the same tensors every step, and the bind groups
// cached for those buffers (bindgroups.ts) are found again. With last-released-first, the order in
// which a step freed its temporaries permuted the next step's buffers: the paper network's training
// step found 44% of its 737 bind groups in the cache, and created the rest (~30 us each).
import { GpuLimitError } from './errors.ts';

// Usage bits are fixed by the WebGPU spec; spelled out so this module needs no GPUBufferUsage global.
export const BUFFER_USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 };
export const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

export function sizeClassBytes(bytes: number): number {
  const min = 256;
  if (bytes <= min) return min;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  const threeQuarters = (pow / 4) * 3;
  return bytes <= threeQuarters ? threeQuarters : pow;
}

export interface PoolCounters {
  /** Buffers ever created by the pool. */
  created: number;
  /** Requests served from a free list. */
  reused: number;
  /** Bytes held in buffers the pool created and did not destroy (in use + free). */
  allocatedBytes: number;
  /** Bytes in buffers handed out and not yet released. */
  inUseBytes: number;
  /** Buffers handed out and not yet released. */
  inUseCount: number;
}

export class BufferPool {
  /** Per size class, the free buffers by creation number, highest first (so pop() takes the oldest). */
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly serials = new WeakMap<GPUBuffer, number>();
  private nextSerial = 0;
  readonly counters: PoolCounters = { created: 0, reused: 0, allocatedBytes: 0, inUseBytes: 0, inUseCount: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferBytes: number,
    private readonly usage: number = STORAGE_USAGE,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const classBytes = sizeClassBytes(bytes);
    if (bytes > this.maxBufferBytes) {
      throw new GpuLimitError(
        `A tensor of ${bytes} bytes exceeds this device's largest buffer (${this.maxBufferBytes} bytes).`,
        'Use a smaller batch size or image size.',
      );
    }
    const list = this.free.get(classBytes);
    const reused = list?.pop();
    this.counters.inUseBytes += classBytes;
    this.counters.inUseCount++;
    if (reused) {
      this.counters.reused++;
      return reused;
    }
    // The class may round past the limit: fall back to the exact request then.
    const size = Math.min(classBytes, this.maxBufferBytes);
    const buffer = this.device.createBuffer({ size, usage: this.usage, label: `pool${classBytes}` });
    this.serials.set(buffer, this.nextSerial++);
    this.counters.created++;
    this.counters.allocatedBytes += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const classBytes = sizeClassBytes(buffer.size);
    this.counters.inUseBytes -= classBytes;
    this.counters.inUseCount--;
    let list = this.free.get(classBytes);
    if (!list) this.free.set(classBytes, (list = []));
    // Insert in place (binary search): the list stays sorted by creation number, highest first.
    const serial = this.serial(buffer);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.serial(list[mid]) > serial) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, buffer);
  }

  /** A buffer's creation number; buffers the pool did not create sort as newest. */
  private serial(buffer: GPUBuffer): number {
    return this.serials.get(buffer) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Called before trim() destroys buffers (the runtime drops cached bind groups that name them). */
  onTrim: (() => void) | null = null;

  /** Destroy every free buffer (memory pressure, or before device teardown). */
  trim(): void {
    this.onTrim?.();
    for (const list of this.free.values()) {
      for (const b of list) {
        this.counters.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }
}
