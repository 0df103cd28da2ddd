// Stochastic gradient descent as torch.optim.SGD: learning rate, momentum, dampening, weight decay,
// Nesterov. One fused kernel per parameter (shaders/sgd_step.wgsl); momentum buffers live on the GPU.
import sgdWgsl from '../../shaders/sgd_step.wgsl';
import { f32Bits } from '../gpu/runtime.ts';
import { launch1d } from '../ops/launch.ts';
import { keep } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';

const SGD_STEP = { name: 'sgd_step', code: sgdWgsl };

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class Sgd {
  /** The learning rate used by the next step (LR schedules set it). */
  lr: number;
  private readonly momentumBuffers = new Map<Tensor, Tensor>();
  /** Bound in the momentum slot when momentum is off (a buffer may not be bound read and write). */
  private placeholder: Tensor | null = null;

  constructor(
    private readonly params: readonly Tensor[],
    readonly options: SgdOptions,
  ) {
    if (!(options.lr >= 0)) throw new RangeError(`SGD: learning rate must be >= 0, got ${options.lr}`);
    if (options.nesterov && (!options.momentum || options.dampening)) {
      throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)');
    }
    this.lr = options.lr;
  }

  /** Updates every parameter that has a gradient, in place. Records GPU work; does not wait. */
  step(): void {
    const momentum = this.options.momentum ?? 0;
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
      const params = [
        p.size,
        f32Bits(this.lr),
        f32Bits(momentum),
        f32Bits(this.options.dampening ?? 0),
        f32Bits(this.options.weightDecay ?? 0),
        this.options.nesterov ? 1 : 0,
        first ? 1 : 0,
      ];
      launch1d(p.rt, SGD_STEP, p.size, [p.grad.binding(), p.binding(), buf.binding()], params);
    }
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
  }
}
