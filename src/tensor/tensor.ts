// Tensor: a shape plus a reference-counted GPU buffer, and the autograd fields (the tape itself is in
// tape.ts). f32, contiguous.
import type { Runtime } from '../gpu/runtime.ts';
import { currentRuntime } from '../gpu/runtime.ts';
import type { BufferBinding } from '../gpu/scheduler.ts';
import { track } from './scope.ts';
import { backward as runBackward, type BackwardOptions, type GradNode } from './tape.ts';

export type Shape = readonly number[];

export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The runtime every tensor of an op lives on; an op cannot mix devices. */
export function assertSameRuntime(op: string, ...tensors: { rt: Runtime }[]): Runtime {
  const rt = tensors[0].rt;
  if (tensors.some((t) => t.rt !== rt)) throw new Error(`${op}: tensors live on different GPU devices`);
  return rt;
}

/** A GPU buffer shared by tensors that alias it (reshape, detach, tensors saved for backward). */
export class Storage {
  private refs = 1;
  constructor(
    readonly rt: Runtime,
    readonly buffer: GPUBuffer,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.rt.pool.release(this.buffer);
  }
}

let nextId = 0;

export class Tensor {
  readonly isTensor = true;
  readonly id = nextId++;
  readonly size: number;
  requiresGrad = false;
  /** Accumulated gradient of a leaf tensor that requires grad. */
  grad: Tensor | null = null;
  /** Set on tensors produced by an op while a tape is recorded. */
  node: GradNode | null = null;
  private storage: Storage | null;

  constructor(
    readonly shape: Shape,
    storage: Storage,
  ) {
    this.size = shapeSize(shape);
    this.storage = storage;
    track(this);
  }

  /** A new, uninitialised tensor on `rt`. */
  static empty(shape: Shape, rt: Runtime = currentRuntime()): Tensor {
    const bytes = Math.max(16, Math.ceil(shapeSize(shape) / 4) * 16);
    return new Tensor(shape, new Storage(rt, rt.pool.acquire(bytes)));
  }

  get rt(): Runtime {
    return this.live().rt;
  }

  get buffer(): GPUBuffer {
    return this.live().buffer;
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** The binding of this tensor's elements (rounded up to 16 bytes for vec4 access). */
  binding(): BufferBinding {
    return { buffer: this.buffer, offset: 0, size: Math.max(16, Math.ceil(this.size / 4) * 16) };
  }

  /** Another tensor object over the same storage (reshape, detach, saving for backward). */
  alias(shape: Shape = this.shape): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new ShapeError(`cannot view [${this.shape.join(', ')}] as [${shape.join(', ')}]`);
    }
    return new Tensor(shape, this.live().retain());
  }

  /** The same values, cut from the tape. */
  detach(): Tensor {
    return this.alias();
  }

  /** Marks a leaf tensor as a parameter whose gradient backward() accumulates. */
  setRequiresGrad(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** Takes over `src`'s storage (an in-place update without a copy); `src` is disposed. */
  assign(src: Tensor): this {
    if (!sameShape(src.shape, this.shape)) {
      throw new ShapeError(`assign: shape [${src.shape.join(', ')}] does not match [${this.shape.join(', ')}]`);
    }
    const incoming = src.live().retain();
    src.dispose();
    this.storage?.release();
    this.storage = incoming;
    return this;
  }

  /** Copies the values to the host. Explicit and rare: it waits for the GPU. */
  async data(): Promise<Float32Array> {
    const bytes = await this.rt.scheduler.read(this.buffer, 0, this.size * 4);
    return new Float32Array(bytes);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError(`item() needs one element, tensor has shape [${this.shape.join(', ')}]`);
    return (await this.data())[0];
  }

  /** Accumulates gradients into the leaves this tensor depends on (see tape.ts). */
  backward(grad?: Tensor, options?: BackwardOptions): void {
    runBackward(this, grad, options);
  }

  /**
   * Returns the buffer to the pool (when no alias holds it) and lets go of this tensor's tape node,
   * which stays alive while downstream nodes need it for backward. Idempotent.
   */
  dispose(): void {
    if (this.storage === null) return;
    this.storage.release();
    this.storage = null;
    // Only the hold is dropped: `node` stays readable so that backward can still walk through this
    // tensor, and so that a downstream node's release reaches this node's count.
    this.node?.unref();
  }

  toString(): string {
    return `Tensor[${this.shape.join('x')}]${this.requiresGrad ? ' (requires grad)' : ''}`;
  }

  private live(): Storage {
    if (this.storage === null) throw new Error(`${this.toString()} was disposed and cannot be used`);
    return this.storage;
  }
}
