// Module: a named tree of parameters (trained tensors), buffers (state like BatchNorm's running
// statistics) and child modules, with train/eval mode. Names are PyTorch's dotted paths
// ("cells.0.conv.weight"), so a state dict reads the same as torch's.
import { ShapeError, type Tensor } from '../tensor/tensor.ts';
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

  /** Number of trained scalars (frozen parameters included: they are still the model's). */
  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  /** The parameters that backward() gives a gradient: all but the frozen ones. */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((t) => t.requiresGrad);
  }

  /**
   * Freezes every parameter under this module: backward() skips them (no gradient is computed or
   * kept), so an optimiser leaves them as they are. Their gradients are dropped. unfreeze() undoes it.
   */
  freeze(): this {
    this.zeroGrad();
    for (const p of this.parameters()) p.setRequiresGrad(false);
    return this;
  }

  unfreeze(): this {
    for (const p of this.parameters()) p.setRequiresGrad(true);
    return this;
  }

  /**
   * Copies every parameter and buffer of `source` into this module's own tensors, on the GPU (no
   * readback). Both must have the same names and shapes (the same architecture); a mismatch throws
   * before anything is copied. Gradients, modes and frozen flags are not copied.
   */
  copyStateFrom(source: Module): this {
    const mine = this.stateEntries();
    const theirs = new Map(source.stateEntries());
    const pairs: [Tensor, Tensor][] = [];
    for (const [name, t] of mine) {
      const s = theirs.get(name);
      if (!s) throw new ShapeError(`copyStateFrom: the source has no '${name}': it is another architecture`);
      if (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) {
        throw new ShapeError(`copyStateFrom: '${name}' is [${s.shape.join(', ')}] in the source, [${t.shape.join(', ')}] here`);
      }
      if (s.rt !== t.rt) throw new ShapeError(`copyStateFrom: '${name}' lives on another runtime`);
      pairs.push([s, t]);
      theirs.delete(name);
    }
    if (theirs.size > 0) throw new ShapeError(`copyStateFrom: the source has more state (${[...theirs.keys()].slice(0, 3).join(', ')}, ...): it is another architecture`);
    for (const [s, t] of pairs) if (t.size > 0) t.rt.scheduler.copy(s.buffer, 0, t.buffer, 0, t.size * 4);
    return this;
  }

  train(on = true): this {
    this.training = on;
    for (const m of this.children.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Visits this module and every descendant with its dotted name ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix.replace(/\.$/, ''), this];
    for (const [n, m] of this.children) yield* m.namedModules(`${prefix}${n}.`);
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
