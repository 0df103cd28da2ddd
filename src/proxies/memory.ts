// How many images one pass may hold. A pass keeps every layer's output on the tape until backward,
// so its memory grows with the batch: this estimates the bytes per image from the network's layers
// and their sizes (each leaf layer's output at its block's size, which bounds it from above: the
// reduction cell's layers run at half the size), with half as much again for what is not a layer
// (the cells' means, the concatenations) and backward's temporaries.
// WebGPU does not say how much memory a device has, so the budget is a setting (default 2 GiB).
import { Linear } from '../nn/layers.ts';
import type { MstfNetwork } from '../space/network.ts';

export const DEFAULT_MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;
const MARGIN = 1.5;

/** Estimated tape bytes per image for a pass of `net` with a backward (an upper bound, see above). */
export function tapeBytesPerImage(net: MstfNetwork): number {
  const p = net.plan;
  const top = p.initChannels * p.inputHeight * p.inputWidth;
  let elements = p.inChannels * p.inputHeight * p.inputWidth;
  for (const [name, m] of net.namedModules()) {
    if (m.namedChildren().length > 0) continue; // containers hold nothing of their own
    const block = /^blocks\.(\d+)\./.exec(name);
    const b = block ? p.blocks[Number(block[1])] : null;
    const size = b ? b.channels * b.height * b.width : m instanceof Linear ? p.features + p.numClasses : top;
    elements += size; // its output, which the next layer's backward keeps
  }
  return Math.ceil(elements * 4 * MARGIN);
}

/** The largest single tensor of a pass, per image: the stem's output (C x H x W floats). */
export function largestTensorBytesPerImage(net: MstfNetwork): number {
  const p = net.plan;
  return 4 * Math.max(p.initChannels, p.inChannels) * p.inputHeight * p.inputWidth;
}

/** Images per pass within `budgetBytes` and the device's largest buffer (at least 1). */
export function imagesPerPass(net: MstfNetwork, budgetBytes: number, maxBufferBytes: number): number {
  const byBudget = Math.floor(budgetBytes / tapeBytesPerImage(net));
  const byBuffer = Math.floor(maxBufferBytes / largestTensorBytesPerImage(net));
  return Math.max(1, Math.min(byBudget, byBuffer));
}
