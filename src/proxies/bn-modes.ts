// How the BatchNorms of a network copy normalise while a proxy runs. jacob_cov comes in three
// versions that differ only here (docs/proxies.md has the proof of why): the running statistics
// (eval mode), the batch's statistics treated as constants in backward, or the batch's statistics
// with gradients through them (train mode, the reference's literal definition).
import { batchNorm2d } from '../ops/norm.ts';
import { square, sub } from '../ops/elementwise.ts';
import { mean } from '../ops/reduce.ts';
import { reshape } from '../ops/shape.ts';
import { BatchNorm2d, setBatchNormStatistics } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import { noGrad, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** 'running': eval mode; 'batch-constant': batch statistics, constants in backward; 'batch': train mode. */
export type BatchNormMode = 'running' | 'batch-constant' | 'batch';

/** The batch mean and biased variance per channel of an NCHW tensor (off the tape). */
function batchMoments(x: Tensor): [Tensor, Tensor] {
  return noGrad(() =>
    tidy(() => {
      const m = mean(x, [0, 2, 3]);
      const centred = sub(x, reshape(m, [1, x.shape[1], 1, 1]));
      return [m, mean(square(centred), [0, 2, 3])] as [Tensor, Tensor];
    }),
  );
}

/**
 * Sets every BatchNorm2d under `root` (a copy: 'batch-constant' replaces their forward) to `mode`.
 * None of the modes moves the running statistics.
 */
export function setBatchNormMode(root: Module, mode: BatchNormMode): void {
  if (mode === 'running') {
    root.eval();
    setBatchNormStatistics(root, 'mode');
    return;
  }
  root.train();
  setBatchNormStatistics(root, 'batch');
  if (mode === 'batch') return;
  for (const m of root.modules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    const bn = m;
    // Normalising with the batch's moments passed as if they were running statistics is the train-mode
    // forward, and the eval-mode backward then treats them as constants.
    bn.forward = (x: Tensor): Tensor => {
      if (bn.bypass) return x;
      const [m, v] = batchMoments(x);
      const y = batchNorm2d(x, m, v, bn.weight, bn.bias, { training: false, eps: bn.options.eps });
      m.dispose();
      v.dispose();
      return y;
    };
  }
}
