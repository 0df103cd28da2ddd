// Stochastic gradient descent as torch.optim.SGD: learning rate, momentum, dampening, weight decay,
// Nesterov. One fused kernel per parameter (shaders/sgd_step.wgsl), or 5 parameters per dispatch
// (sgd_step_batch.wgsl, the same expressions: the same bits) on devices that allow 16 storage buffers
// per stage: on lavapipe a dispatch costs ~16-40 us, which is most of a small parameter's update.
// Momentum buffers live on the GPU.
// A step may take the [norm, scale] tensor of clipGradNorm (clip.ts): the kernel scales each
// gradient by it, so clipping by global norm costs no readback.
import sgdWgsl from '../../shaders/sgd_step.wgsl';
import sgdBatchWgsl from '../../shaders/sgd_step_batch.wgsl';
import { f32Bits, grid1d, type Runtime } from '../gpu/runtime.ts';
import { packUniform } from '../gpu/uniforms.ts';
import { launch1d } from '../ops/launch.ts';
import { tensor } from '../tensor/create.ts';
import { keep } from '../tensor/scope.ts';
import { ShapeError, Tensor } from '../tensor/tensor.ts';

const SGD_STEP = { name: 'sgd_step', code: sgdWgsl };
const SGD_STEP_BATCH = { name: 'sgd_step_batch', code: sgdBatchWgsl };
/** Parameters per sgd_step_batch dispatch: 3 storage buffers each, plus the clip scale. */
export const SGD_BATCH_SLOTS = 5;
const BATCH_GROUP = 256;
/** The uniform of sgd_step_batch.wgsl. */
export const SGD_BATCH_PARAMS = [
  'lr:f32', 'momentum:f32', 'dampening:f32', 'weight_decay:f32', 'nesterov',
  'n0', 'n1', 'n2', 'n3', 'n4', 'start1', 'start2', 'start3', 'start4',
  'first0', 'first1', 'first2', 'first3', 'first4',
] as const;

/** Parameters per dispatch this device allows: the batch kernel needs 16 storage buffers per stage. */
export function sgdSlots(rt: Runtime): number {
  return rt.limits.maxStorageBuffersPerShaderStage >= 3 * SGD_BATCH_SLOTS + 1 ? SGD_BATCH_SLOTS : 1;
}

interface Update {
  param: Tensor;
  grad: Tensor;
  buf: Tensor;
  first: boolean;
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export interface SgdUpdateOptions {
  /** [norm, scale] from clipGradNorm: every gradient is multiplied by scale first. */
  gradScale?: Tensor;
}

export class Sgd {
  /** The learning rate used by the next step (LR schedules set it). */
  lr: number;
  private readonly momentumBuffers = new Map<Tensor, Tensor>();
  /**
   * Bound in momentum slots when momentum is off (a buffer may not be bound read and write), and in a
   * batch's empty slots: distinct, since writable bindings of one dispatch may not alias.
   */
  private readonly spares: Tensor[] = [];
  /** [0, 1]: the gradient scale of an unclipped step. */
  private unitScale: Tensor | null = null;

  constructor(
    private readonly params: readonly Tensor[],
    readonly options: SgdOptions,
    /** Parameters per dispatch, 1 to SGD_BATCH_SLOTS; by default what the device allows (sgdSlots). */
    private readonly slots?: number,
  ) {
    if (!(options.lr >= 0)) throw new RangeError(`SGD: learning rate must be >= 0, got ${options.lr}`);
    if (options.nesterov && (!options.momentum || options.dampening)) {
      throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)');
    }
    this.lr = options.lr;
  }

  /** Updates every parameter that has a gradient, in place. Records GPU work; does not wait. */
  step(options: SgdUpdateOptions = {}): void {
    const momentum = this.options.momentum ?? 0;
    const rt = this.params[0]?.rt;
    if (!rt) return;
    const scale = options.gradScale ?? (this.unitScale ??= keep(tensor([0, 1], [2], rt)));
    if (scale.size !== 2) throw new ShapeError(`SGD: gradScale must be the [norm, scale] tensor of clipGradNorm, got shape [${scale.shape.join(', ')}]`);
    const updates: Update[] = [];
    for (const p of this.params) {
      if (!p.grad) continue;
      let buf = this.momentumBuffers.get(p);
      const first = buf === undefined;
      if (!buf && momentum !== 0) {
        buf = keep(Tensor.empty(p.shape, p.rt));
        this.momentumBuffers.set(p, buf);
      }
      // Momentum off: the kernel never touches the buffer slot.
      updates.push({ param: p, grad: p.grad, buf: buf ?? this.spare(p.rt, updates.length % SGD_BATCH_SLOTS), first });
    }
    const slots = this.slots ?? sgdSlots(rt);
    if (slots === 1) {
      for (const u of updates) this.stepOne(u, scale);
      return;
    }
    // Batches of distinct parameters (one listed twice would alias a writable binding).
    let batch: Update[] = [];
    for (const u of updates) {
      if (batch.length === slots || batch.some((b) => b.param === u.param)) {
        this.stepBatch(batch, scale);
        batch = [];
      }
      batch.push(u);
    }
    if (batch.length > 0) this.stepBatch(batch, scale);
  }

  /** The hyperparameters shared by both kernels' uniforms. */
  private rule(): { lr: number; momentum: number; dampening: number; weight_decay: number; nesterov: number } {
    return {
      lr: this.lr,
      momentum: this.options.momentum ?? 0,
      dampening: this.options.dampening ?? 0,
      weight_decay: this.options.weightDecay ?? 0,
      nesterov: this.options.nesterov ? 1 : 0,
    };
  }

  private stepOne(u: Update, scale: Tensor): void {
    const r = this.rule();
    const params = [
      u.param.size, f32Bits(r.lr), f32Bits(r.momentum), f32Bits(r.dampening), f32Bits(r.weight_decay), r.nesterov, u.first ? 1 : 0,
    ];
    launch1d(u.param.rt, SGD_STEP, u.param.size, [u.grad.binding(), u.param.binding(), u.buf.binding(), scale.binding()], params);
  }

  /** Up to SGD_BATCH_SLOTS updates in one dispatch; each slot owns whole workgroups. */
  private stepBatch(batch: readonly Update[], scale: Tensor): void {
    if (batch.length === 1) return this.stepOne(batch[0], scale);
    const rt = batch[0].param.rt;
    const n: number[] = [];
    const starts: number[] = [];
    const first: number[] = [];
    const buffers = [scale.binding()];
    let total = 0;
    for (let k = 0; k < SGD_BATCH_SLOTS; k++) {
      const u = batch[k];
      starts.push(total);
      n.push(u ? u.param.size : 0);
      first.push(u?.first ? 1 : 0);
      total += u ? Math.ceil(u.param.size / BATCH_GROUP) * BATCH_GROUP : 0;
      // Empty slots: n = 0, so nothing is read or written; their writable bindings must still be distinct.
      buffers.push(...(u
        ? [u.grad.binding(), u.param.binding(), u.buf.binding()]
        : [scale.binding(), this.spare(rt, SGD_BATCH_SLOTS + k).binding(), this.spare(rt, 2 * SGD_BATCH_SLOTS + k).binding()]));
    }
    const params = packUniform(SGD_BATCH_PARAMS, {
      ...this.rule(),
      n0: n[0], n1: n[1], n2: n[2], n3: n[3], n4: n[4],
      start1: starts[1], start2: starts[2], start3: starts[3], start4: starts[4],
      first0: first[0], first1: first[1], first2: first[2], first3: first[3], first4: first[4],
    });
    const [x, y] = grid1d(total, BATCH_GROUP, rt.limits.maxComputeWorkgroupsPerDimension);
    rt.run(SGD_STEP_BATCH, { constants: { WG: BATCH_GROUP }, buffers, params, workgroups: [x, y] });
  }

  /**
   * Spare buffer `k`, created on first use: 0 to SLOTS - 1 momentum slots with momentum off (a
   * batch's updates are consecutive, so their k mod SLOTS differ), then an empty slot k's parameter
   * (SLOTS + k) and momentum (2 SLOTS + k).
   */
  private spare(rt: Runtime, k: number): Tensor {
    return (this.spares[k] ??= keep(Tensor.empty([4], rt)));
  }

  /**
   * The momentum buffer of every parameter, in the order the optimiser was given them (null for
   * one that has not been stepped yet, or when momentum is off). Reads back from the GPU.
   */
  async momentumState(): Promise<(Float32Array | null)[]> {
    const out: (Float32Array | null)[] = [];
    for (const p of this.params) {
      const buf = this.momentumBuffers.get(p);
      out.push(buf ? await buf.data() : null);
    }
    return out;
  }

  /**
   * Restores momentum buffers saved by momentumState (same parameter order), so that the next step
   * continues exactly as an uninterrupted run would. Sizes are checked before anything is written.
   */
  loadMomentumState(state: readonly (Float32Array | null)[]): void {
    if (state.length !== this.params.length) throw new ShapeError(`SGD: momentum state for ${state.length} parameters, the optimiser has ${this.params.length}`);
    state.forEach((values, i) => {
      if (values && values.length !== this.params[i].size) {
        throw new ShapeError(`SGD: momentum buffer ${i} holds ${values.length} values, its parameter has ${this.params[i].size}`);
      }
    });
    state.forEach((values, i) => {
      const p = this.params[i];
      const old = this.momentumBuffers.get(p);
      if (!values) {
        old?.dispose();
        this.momentumBuffers.delete(p);
        return;
      }
      const buf = old ?? keep(Tensor.empty(p.shape, p.rt));
      if (values.length > 0) p.rt.scheduler.write(buf.buffer, 0, values);
      this.momentumBuffers.set(p, buf);
    });
  }

  /** Drops every parameter's gradient (PyTorch's zero_grad with set_to_none). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    for (const b of this.momentumBuffers.values()) b.dispose();
    this.momentumBuffers.clear();
    for (const t of this.spares) t?.dispose();
    this.spares.length = 0;
    this.unitScale?.dispose();
    this.unitScale = null;
  }
}
