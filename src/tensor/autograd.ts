// Reverse-mode differentiation over the tape that recordOp builds (micrograd's recipe): order the
// graph topologically from the output, walk it backwards applying each node's rule, and accumulate
// gradients. Rules run under noGrad inside tidy(): their temporaries are freed as they go. The tensors
// the nodes saved are freed as each node finishes, unless retainGraph is asked for.
import { add, onesLike } from '../ops/elementwise.ts';
import { keep, noGrad, tidy } from './scope.ts';
import { sameShape, ShapeError, type Tensor } from './tensor.ts';

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
    grads.set(root, keep(grad ? grad.alias() : onesLike(root)));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      if (!t.node) {
        // A leaf: accumulate across backward() calls, as PyTorch does.
        if (t.grad) {
          const sumGrad = keep(add(t.grad, g));
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
          grads.set(input, keep(add(previous, ig)));
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
