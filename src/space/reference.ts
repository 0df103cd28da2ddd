// A fixed DARTS-style network used as a yardstick by the benchmarks and `mednas profile` (the kernels
// issue's reference): a stem to 16 channels, 8 cells of sep_conv_3x3 (DARTS's op: twice ReLU,
// depthwise 3x3, pointwise 1x1, BatchNorm without affine) with a residual add, reduction cells
// (stride 2, channels doubled) at cells 3 and 6, global average pooling and a linear classifier.
// It is not a searched architecture: those come from the search space, whose op table supplies its
// sep_conv_3x3 layers (here with stride 2 in reduction cells and DARTS's non-affine BatchNorm).
import type { Runtime } from '../gpu/runtime.ts';
import { add } from '../ops/elementwise.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, Sequential } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import { sepConvLayers } from './op-modules.ts';

function sepConv3x3(cin: number, cout: number, stride: number, rng: Rng, rt: Runtime): Sequential {
  return new Sequential(...sepConvLayers(cin, cout, 3, { rng, rt }, { stride, affine: false }));
}

class ReferenceCell extends Module {
  private readonly op: Sequential;

  constructor(
    private readonly reduction: boolean,
    channels: number,
    rng: Rng,
    rt: Runtime,
  ) {
    super();
    const out = reduction ? channels * 2 : channels;
    this.op = this.addChild('op', sepConv3x3(channels, out, reduction ? 2 : 1, rng, rt));
  }

  forward(x: Tensor): Tensor {
    const y = this.op.forward(x);
    return this.reduction ? y : add(x, y);
  }
}

export interface ReferenceNetOptions {
  inChannels?: number;
  classes?: number;
  seed?: number;
}

/** The DARTS-style reference network (31k parameters for 1 input channel and 10 classes). */
export function referenceNet(rt: Runtime, options: ReferenceNetOptions = {}): Sequential {
  const rng = new Rng(options.seed ?? 0);
  let c = 16;
  const layers: Module[] = [
    new Conv2d(options.inChannels ?? 1, c, 3, { rng, rt, padding: 1, bias: false }),
    new BatchNorm2d(c, { rt }),
  ];
  for (let i = 1; i <= 8; i++) {
    const reduction = i === 3 || i === 6;
    layers.push(new ReferenceCell(reduction, c, rng, rt));
    if (reduction) c *= 2;
  }
  layers.push(new GlobalAvgPool2d(), new Linear(c, options.classes ?? 10, { rng, rt }));
  return new Sequential(...layers);
}
