// Which part of a network each dispatch belongs to, for the per-op-type profile. Dispatches are
// numbered by the scheduler's counter (stats.dispatches), and the profiler times them in that order,
// so it is enough to know which label was current when each was recorded:
//  - forward: each scope's module gets its forward replaced on the instance (as countForwardMacs
//    does) by one that sets its label around the call; the innermost scope wins;
//  - backward: a scope also claims the tape nodes its forward created (those between its output and
//    its input that no inner scope claimed), and after the forward each node's backward is
//    replaced on the instance by one that sets that label. Dispatches between nodes (the tape
//    summing the gradients of tensors used twice) carry no label.
// Scopes should be modules that a fused Sequential never looks into (cells, op modules, the stem as
// a whole), so that fusion runs as it does unprofiled.
import type { Module } from '../nn/module.ts';
import type { Runtime } from '../gpu/runtime.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface ProfileScope {
  readonly module: Module;
  /** The op type its work is reported under (several scopes may share one). */
  readonly label: string;
}

type TapeNode = NonNullable<Tensor['node']>;

export class DispatchLabels {
  private readonly stack: string[] = [];
  /** From `at` on (a dispatch count), dispatches carry `label` ('' for none). */
  private readonly marks: { at: number; label: string }[] = [];
  private readonly claims = new WeakMap<TapeNode, string>();

  constructor(private readonly rt: Runtime) {}

  enter(label: string): void {
    this.stack.push(label);
    this.mark();
  }

  leave(): void {
    this.stack.pop();
    this.mark();
  }

  /** The label of each dispatch numbered from `from` to `to` - 1. */
  labelsOf(from: number, to: number): string[] {
    const out: string[] = [];
    let m = -1;
    for (let d = from; d < to; d++) {
      while (m + 1 < this.marks.length && this.marks[m + 1].at <= d) m++;
      out.push(m >= 0 ? this.marks[m].label : '');
    }
    return out;
  }

  /** Replaces each scope's forward on its instance; returns the function that puts them back. */
  wrapForwards(scopes: readonly ProfileScope[]): () => void {
    const wrapped: Module[] = [];
    for (const { module, label } of scopes) {
      if (Object.prototype.hasOwnProperty.call(module, 'forward')) continue; // listed twice
      const original = module.forward;
      module.forward = (x: Tensor): Tensor => {
        this.enter(label);
        try {
          const y = original.call(module, x);
          this.claim(y, x, label);
          return y;
        } finally {
          this.leave();
        }
      };
      wrapped.push(module);
    }
    return () => {
      // Dropping the own property brings back the class's forward.
      for (const m of wrapped) delete (m as { forward?: unknown }).forward;
    };
  }

  /** Runs `fn` (outside any module: the loss) under `label`, claiming the nodes it adds on top of `input`. */
  labelled(label: string, input: Tensor, fn: () => Tensor): Tensor {
    this.enter(label);
    try {
      const y = fn();
      this.claim(y, input, label);
      return y;
    } finally {
      this.leave();
    }
  }

  /** Gives every node below `root` a backward that runs under its claimed label. Call once per tape. */
  wrapBackwards(root: Tensor): void {
    const seen = new Set<TapeNode>();
    const pending: Tensor[] = [root];
    while (pending.length > 0) {
      const node = pending.pop()!.node;
      if (!node || seen.has(node)) continue;
      seen.add(node);
      const label = this.claims.get(node) ?? '';
      const original = node.backward.bind(node);
      node.backward = (grad: Tensor) => {
        this.enter(label);
        try {
          return original(grad);
        } finally {
          this.leave();
        }
      };
      pending.push(...node.inputs);
    }
  }

  private mark(): void {
    this.marks.push({ at: this.rt.scheduler.stats.dispatches, label: this.stack[this.stack.length - 1] ?? '' });
  }

  /** Claims for `label` the unclaimed nodes between `output` and `input` (inner scopes claimed theirs first). */
  private claim(output: Tensor, input: Tensor, label: string): void {
    const seen = new Set<Tensor>([input]);
    const pending: Tensor[] = [output];
    while (pending.length > 0) {
      const t = pending.pop()!;
      if (seen.has(t) || !t.node) continue;
      seen.add(t);
      if (!this.claims.has(t.node)) this.claims.set(t.node, label);
      pending.push(...t.node.inputs);
    }
  }
}
