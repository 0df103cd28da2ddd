// A network copy's activation pattern held fixed: in 'record' mode every ReLU keeps its mask (x > 0)
// and every max pool its argmax while computing as usual; in 'replay' mode a ReLU multiplies by the
// recorded mask and a max pool takes the recorded positions. The network is then the smooth piece
// around the recorded point, which is what PyTorch's double backward differentiates (it treats ReLU
// masks and max-pool choices as constants), so grasp's finite differences converge to its value
// instead of jumping at every ReLU or max pool whose choice the perturbation flips.
import { mul, step } from '../ops/elementwise.ts';
import { maxPool2dAt, maxPool2dWithArgmax } from '../ops/pool.ts';
import { ReLU } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import { HalvingPool } from '../space/op-modules.ts';
import { halvingPadding } from '../space/plan.ts';
import { keep, noGrad } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

export class ActivationPattern {
  mode: 'record' | 'replay' = 'record';
  private readonly held = new Map<Module, Tensor>();

  /** Patches every ReLU and max pool under `net` (a copy: their forward is replaced). */
  install(net: Module): void {
    for (const m of net.modules()) {
      if (m instanceof ReLU) m.forward = (x) => this.relu(m, x);
      else if (m instanceof HalvingPool && m.kind === 'max') m.forward = (x) => this.maxPool(m, x);
    }
  }

  private hold(m: Module, t: Tensor): void {
    this.held.get(m)?.dispose();
    this.held.set(m, keep(t));
  }

  private recorded(m: Module): Tensor {
    const t = this.held.get(m);
    if (!t) throw new Error('ActivationPattern: replay before record (run the network once in record mode)');
    return t;
  }

  private relu(m: ReLU, x: Tensor): Tensor {
    if (this.mode === 'record') this.hold(m, noGrad(() => step(x)));
    return mul(x, this.recorded(m));
  }

  private maxPool(m: HalvingPool, x: Tensor): Tensor {
    const options = { stride: 2, padding: [halvingPadding(m.kernel, x.shape[2]), halvingPadding(m.kernel, x.shape[3])] as const };
    if (this.mode === 'replay') return maxPool2dAt(x, this.recorded(m), m.kernel, options);
    const { out, argmax } = maxPool2dWithArgmax(x, m.kernel, options);
    this.hold(m, argmax);
    return out;
  }

  dispose(): void {
    for (const t of this.held.values()) t.dispose();
    this.held.clear();
  }
}
