// Stochastic gradient descent as torch.optim.SGD: learning rate, momentum, dampening, weight decay,
// Nesterov. One fused kernel per parameter (shaders/sgd_step.wgsl); momentum buffers live on the GPU.
// A step may take the [norm, scale] tensor of clipGradNorm (clip.ts): the kernel scales each
// gradient by it, so clipping by global norm costs no readback.
// Weight decay falls on every parameter (PyTorch's one parameter group, as DARTS trains) or, with
// weightDecayOn 'weights', only on tensors of two or more dimensions: PyTorch with two groups, the
// one-dimensional tensors (BatchNorm's scale and shift, biases) at weight_decay 0 (timm's rule).
import sgdWgsl from '../../shaders/sgd_step.wgsl';
import { packUniform } from '../gpu/uniforms.ts';
import { tensor } from '../tensor/create.ts';
import { keep } from '../tensor/scope.ts';
import { ShapeError, Tensor } from '../tensor/tensor.ts';

const SGD_STEP = { name: 'sgd_step', code: sgdWgsl };
/** sgd_step.wgsl: n values, torch.optim.SGD's settings, and whether this is the buffer's first step (1) or not (0). */
export const SGD_STEP_PARAMS = ['n', 'lr:f32', 'momentum:f32', 'dampening:f32', 'weight_decay:f32', 'nesterov', 'first_step'] as const;

export type WeightDecayOn = 'all' | 'weights';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  /** 'all' (default): every parameter; 'weights': only tensors of two or more dimensions. */
  weightDecayOn?: WeightDecayOn;
  nesterov?: boolean;
}

/** Whether weight decay falls on a parameter of this shape. */
export function decaysParameter(shape: readonly number[], on: WeightDecayOn): boolean {
  return on === 'all' || shape.length >= 2;
}

export interface SgdUpdateOptions {
  /** [norm, scale] from clipGradNorm: every gradient is multiplied by scale first. */
  gradScale?: Tensor;
}

export class Sgd {
  /** The learning rate used by the next step (LR schedules set it). */
  lr: number;
  private readonly momentumBuffers = new Map<Tensor, Tensor>();
  /** Bound in the momentum slot when momentum is off (a buffer may not be bound read and write). */
  private placeholder: Tensor | null = null;
  /** [0, 1]: the gradient scale of an unclipped step. */
  private unitScale: Tensor | null = null;

  constructor(
    private readonly params: readonly Tensor[],
    readonly options: SgdOptions,
  ) {
    if (!(options.lr >= 0)) throw new RangeError(`SGD: learning rate must be >= 0, got ${options.lr}`);
    if (options.weightDecayOn !== undefined && options.weightDecayOn !== 'all' && options.weightDecayOn !== 'weights') {
      throw new RangeError(`SGD: weightDecayOn must be 'all' or 'weights', got ${String(options.weightDecayOn)}`);
    }
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
    const weightDecay = this.options.weightDecay ?? 0;
    const decayOn = this.options.weightDecayOn ?? 'all';
    if (scale.size !== 2) throw new ShapeError(`SGD: gradScale must be the [norm, scale] tensor of clipGradNorm, got shape [${scale.shape.join(', ')}]`);
    for (const p of this.params) {
      if (!p.grad) continue;
      let buf = this.momentumBuffers.get(p);
      const first = buf === undefined;
      if (!buf && momentum !== 0) {
        buf = keep(Tensor.empty(p.shape, p.rt));
        this.momentumBuffers.set(p, buf);
      }
      // Momentum off: the kernel never touches the buffer slot.
      buf ??= this.placeholder ??= keep(Tensor.empty([4], p.rt));
      const params = packUniform(SGD_STEP_PARAMS, {
        n: p.size,
        lr: this.lr,
        momentum,
        dampening: this.options.dampening ?? 0,
        weight_decay: decaysParameter(p.shape, decayOn) ? weightDecay : 0,
        nesterov: this.options.nesterov ? 1 : 0,
        first_step: first ? 1 : 0,
      });
      p.rt.run(SGD_STEP, { buffers: [p.grad.binding(), p.binding(), buf.binding(), scale.binding()], params, invocations: p.size });
    }
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
    this.placeholder?.dispose();
    this.placeholder = null;
    this.unitScale?.dispose();
    this.unitScale = null;
  }
}
