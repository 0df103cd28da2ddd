// Module: a named tree of parameters (trained tensors), buffers (state like BatchNorm's running
// statistics) and child modules, with train/eval mode. Names are PyTorch's dotted paths
// ("cells.0.conv.weight"), so a state dict reads the same as torch's.
import type { Tensor } from '../tensor/tensor.ts';
import { keep } from '../tensor/scope.ts';

export abstract class Module {
  /** Training mode: BatchNorm uses batch statistics and updates its running ones. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trained tensor (requiresGrad, outlives every tidy scope). */
  protected addParameter(name: string, t: Tensor): Tensor {
    this.params.set(name, keep(t.setRequiresGrad()));
    return t;
  }

  /** Registers state that is saved with the module but not trained. */
  protected addBuffer(name: string, t: Tensor): Tensor {
    this.buffers.set(name, keep(t));
    return t;
  }

  protected addChild<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Every parameter of this module and its descendants, depth first, with dotted names. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.buffers) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Parameters then buffers: everything a saved model holds. */
  stateEntries(): [string, Tensor][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  /** Number of trained scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  train(on = true): this {
    this.training = on;
    for (const m of this.children.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Visits this module and every descendant. */
  *modules(): Generator<Module> {
    yield this;
    for (const m of this.children.values()) yield* m.modules();
  }

  /** Drops the accumulated gradients (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees every parameter, gradient and buffer. The module cannot be used afterwards. */
  dispose(): void {
    this.zeroGrad();
    for (const [, t] of this.stateEntries()) t.dispose();
  }
}
