// Changing what a module of a network copy does, by replacing its forward on the instance (as
// nn/macs.ts counts MACs): proxies rescale activations (synflow), probe gradients (fisher) or replay
// recorded activation patterns (grasp) on a copy they own, so the network and its classes stay as
// they are.
import type { Module } from '../nn/module.ts';
import { type Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';

/** Makes `m` return `after(y)` where it returned y. */
export function wrapForward(m: Module, after: (y: Tensor, x: Tensor) => Tensor): void {
  const original = m.forward.bind(m);
  m.forward = (x: Tensor): Tensor => after(original(x), x);
}

/**
 * An identity on the tape whose backward first hands `seen` the value and its incoming gradient (the
 * reference's hooked nn.Identity). `seen` runs inside backward: no tape, temporaries freed; it must
 * keep() what it wants to outlive the step.
 */
export function probeGradient(y: Tensor, seen: (value: Tensor, grad: Tensor) => void): Tensor {
  return recordOp(y.alias(), 'probe', [y], [y], (g, [value]) => {
    seen(value, g);
    return [g];
  });
}
