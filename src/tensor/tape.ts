// The tape: how recorded ops become gradients, in one file (micrograd's recipe, tinygrad's shape).
//  1. recordOp, called by every differentiable op, attaches a GradNode to its output: the inputs,
//     the tensors its rule needs (saved), and the rule that turns the output's gradient into the
//     inputs'. Nothing is recorded under noGrad or when no input requires grad.
//  2. backward(root) orders the graph topologically from root, walks it backwards applying each
//     node's rule, and accumulates the gradients of tensors used more than once; leaves keep theirs
//     in `.grad`, adding to what an earlier backward left there (as PyTorch does).
//  3. Rules run under noGrad inside tidy(): their temporaries are freed as they go; the tensors a
//     node saved are freed as it finishes, unless retainGraph is asked for.
// Accumulation uses the raw add kernel (src/kernels), not the differentiable ops built on this file.
//
// Who disposes what. A tensor holds its GPU buffer through a reference-counted Storage: alias()
// takes another hold, dispose() drops one, and the buffer goes back to the pool with the last. The
// code that creates a tensor disposes it, or a tidy() scope does (everything made inside but what
// the function returns, which moves to the enclosing scope, and what was passed to keep()). Beyond
// that, three owners: (a) a GradNode owns aliases of the tensors its rule saved (kept, so no scope
// frees them) and frees them after backward has run through it, or, without a backward, when the
// last holder of the node lets go: its output tensor (dispose() drops that hold but leaves the
// node readable) and every downstream node that took it as an input; (b) backward() owns the
// gradients in flight, hands each input its own alias and frees each as it is summed or stored;
// rules run in a tidy(), so their temporaries go as they return; (c) a leaf owns its `.grad`,
// summed across backward() calls, until its owner drops it (Sgd.zeroGrad, or the caller).
// Parameters and optimiser buffers are kept out of every scope and disposed by their module or
// optimiser.
//
// Why tensor.ts and this file import each other (the one circle of value imports src/ allows; see
// test/ops/import-graph.test.ts): `t.backward()`, PyTorch's spelling that users and tests call, is a
// Tensor method that runs backward() here, and backward() makes gradient tensors (Tensor.empty).
// Neither module touches the other's bindings while it is evaluated, only inside functions called
// later, so the order of evaluation cannot bite. Breaking the pair would take a registration hook (a
// function slot tensor.ts exposes and this file fills on import), which hides the dependency
// instead of removing it, or dropping the method.
import { binaryKernel, fillKernel } from '../kernels/elementwise.ts';
import { isGradEnabled, keep, noGrad, tidy } from './scope.ts';
import { sameShape, ShapeError, Tensor } from './tensor.ts';

/**
 * How a tensor was made: the inputs and the rule that turns the output gradient into theirs.
 * A node lives while its output tensor or any node downstream still needs it (PyTorch keeps a graph
 * alive as long as its outputs): `refs` counts those holders, and the node releases what it saved
 * when the last one lets go. So a tidy() scope may dispose intermediates before backward runs.
 */
export class GradNode {
  private refs = 1;
  private released = false;

  constructor(
    readonly op: string,
    readonly inputs: readonly Tensor[],
    private readonly saved: readonly Tensor[],
    private readonly rule: (grad: Tensor, saved: readonly Tensor[]) => readonly (Tensor | null)[],
  ) {
    for (const t of inputs) t.node?.retain();
  }

  backward(grad: Tensor): readonly (Tensor | null)[] {
    if (this.released) throw new Error(`backward through '${this.op}' a second time: pass { retainGraph: true } to the first backward()`);
    return this.rule(grad, this.saved);
  }

  retain(): void {
    this.refs++;
  }

  /** Drops one holder; the last one frees the saved tensors and lets go of the inputs' nodes. */
  unref(): void {
    // Iterative: long chains of nodes would overflow a recursive release.
    const pending: GradNode[] = [this];
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (--node.refs > 0) continue;
      node.freeSaved();
      for (const t of node.inputs) if (t.node) pending.push(t.node);
    }
  }

  /** Frees the saved tensors now (after backward); the node can no longer run backward. */
  freeSaved(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.saved) t.dispose();
  }
}

/**
 * Attaches a backward rule to `out` when a tape is being recorded and any input requires grad.
 * `saved` are tensors the rule reads; they are aliased (kept alive) until backward or dispose.
 */
export function recordOp(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  saved: readonly Tensor[],
  backward: (grad: Tensor, saved: readonly Tensor[]) => readonly (Tensor | null)[],
): Tensor {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return out;
  // Aliases owned by the node, not by the enclosing tidy() scope.
  const kept = saved.map((t) => keep(t.alias()));
  out.requiresGrad = true;
  out.node = new GradNode(op, inputs, kept, backward);
  return out;
}

export interface BackwardOptions {
  /** Keep the tape so backward can run again through the same graph. */
  retainGraph?: boolean;
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS (deep networks would overflow a recursive one).
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (!visited.has(next) && next.requiresGrad) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/**
 * Accumulates d(root)/d(leaf) into `leaf.grad` for every leaf that requires grad. `root` must be a
 * scalar unless `grad` (the gradient of some objective with respect to root) is given.
 */
export function backward(root: Tensor, grad?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error('backward(): the tensor does not require grad (no input had requiresGrad, or it ran under noGrad)');
  }
  if (grad && !sameShape(grad.shape, root.shape)) {
    throw new ShapeError(`backward(): gradient shape [${grad.shape.join(', ')}] does not match [${root.shape.join(', ')}]`);
  }
  if (!grad && root.size !== 1) {
    throw new ShapeError(`backward() without a gradient needs a scalar, got shape [${root.shape.join(', ')}]`);
  }
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>();
  noGrad(() => {
    grads.set(root, keep(grad ? grad.alias() : ones(root)));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      if (!t.node) {
        // A leaf: accumulate across backward() calls, as PyTorch does.
        if (t.grad) {
          const sumGrad = keep(accumulate(t.grad, g, t));
          t.grad.dispose();
          g.dispose();
          t.grad = sumGrad;
        } else {
          t.grad = g.alias();
          keep(t.grad);
          g.dispose();
        }
        continue;
      }
      const node = t.node;
      const returned = tidy(() => node.backward(g));
      // A rule may hand back `g` itself or one tensor for two inputs (add): give each its own alias
      // so that disposing one never frees another.
      const seen = new Set<Tensor>([g]);
      const inputGrads = returned.map((ig) => {
        if (!ig) return null;
        const own = seen.has(ig) ? ig.alias() : ig;
        seen.add(ig);
        return keep(own);
      });
      g.dispose();
      node.inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (!ig) return;
        if (!input.requiresGrad) {
          ig.dispose();
          return;
        }
        const previous = grads.get(input);
        if (previous) {
          grads.set(input, keep(accumulate(previous, ig, input)));
          previous.dispose();
          ig.dispose();
        } else {
          grads.set(input, ig);
        }
      });
      if (!options.retainGraph) node.freeSaved();
    }
  });
}

/** A tensor of ones shaped like t: the gradient of a scalar with respect to itself. */
function ones(t: Tensor): Tensor {
  const out = Tensor.empty(t.shape, t.rt);
  fillKernel(t.rt, out.binding(), out.size, 1);
  return out;
}

/**
 * a + b for two gradients of `of` (which may have been disposed already: only its shape is read); a
 * rule that returns a gradient of another shape is a bug.
 */
function accumulate(a: Tensor, b: Tensor, of: Tensor): Tensor {
  if (!sameShape(a.shape, of.shape) || !sameShape(b.shape, of.shape)) {
    throw new ShapeError(
      `backward(): gradients [${a.shape.join(', ')}] and [${b.shape.join(', ')}] for a tensor of shape [${of.shape.join(', ')}]`,
    );
  }
  const out = Tensor.empty(of.shape, a.rt);
  binaryKernel(a.rt, a.binding(), b.binding(), out.binding(), out.size, 'add');
  return out;
}
