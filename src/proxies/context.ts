// What a proxy works with while scoring one network: the batch, copies of the network, images on the
// GPU, the memory budget and the phase clock. Everything a proxy allocates through it is released.
import type { Runtime } from '../gpu/runtime.ts';
import { MstfNetwork } from '../space/network.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ProxyBatch } from './batch.ts';
import { ProxyBatchTooLargeError } from './errors.ts';
import { GRASP_STEP } from './grasp.ts';
import { DEFAULT_MEMORY_BUDGET_BYTES, imagesPerPass, tapeBytesPerImage } from './memory.ts';
import { PhaseClock } from './phases.ts';
import type { ProxyContext, ScorableNetwork } from './types.ts';

export interface ContextOptions {
  /** Bytes one pass may hold (default 2 GiB): larger batches are split where the maths allows. */
  memoryBudgetBytes?: number;
  /** grasp's step (default 1/32). */
  graspStep?: number;
  /** Wait for the GPU after every phase so that phase times are GPU times (benchmarks). */
  phaseTimes?: boolean;
}

const mb = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

export class ScoringContext implements ProxyContext {
  readonly rt: Runtime;
  readonly phases: PhaseClock;
  readonly graspStep: number;
  readonly memoryBudgetBytes: number;
  private readonly copies = new Set<ScorableNetwork>();

  constructor(
    readonly net: ScorableNetwork,
    readonly batch: ProxyBatch,
    options: ContextOptions = {},
  ) {
    this.rt = net.parameters()[0].rt;
    this.phases = new PhaseClock(this.rt, options.phaseTimes ?? false);
    this.graspStep = options.graspStep ?? GRASP_STEP;
    this.memoryBudgetBytes = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  }

  copy(): ScorableNetwork {
    const c = this.net.clone();
    // Disposing twice is harmless: the proxy disposes its copy, release() catches any it did not.
    const dispose = c.dispose.bind(c);
    c.dispose = () => {
      this.copies.delete(c);
      dispose();
    };
    this.copies.add(c);
    return c;
  }

  images(from = 0, to = this.batch.shape[0]): Tensor {
    const [, c, h, w] = this.batch.shape;
    const d = c * h * w;
    return tensor(this.batch.images.subarray(from * d, to * d), [to - from, c, h, w], this.rt);
  }

  chunkSize(): number {
    // Only the space's networks have a memory estimate; other (small, test) networks run whole.
    if (!(this.net instanceof MstfNetwork)) return this.batch.shape[0];
    const limits = this.rt.limits;
    return imagesPerPass(this.net, this.memoryBudgetBytes, Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize));
  }

  requireWholeBatch(proxy: string): void {
    const n = this.batch.shape[0];
    const fits = this.chunkSize();
    if (n <= fits) return;
    throw new ProxyBatchTooLargeError(
      `${proxy} needs all ${n} images of the proxy batch in one pass (BatchNorm's batch statistics couple them, so the batch cannot be split), ` +
        `but at about ${mb(tapeBytesPerImage(this.net as MstfNetwork))} per image only ${fits} fit in the memory budget of ${mb(this.memoryBudgetBytes)} ` +
        `(or the device's largest buffer): use a proxy batch of at most ${fits} (--proxy-batch ${fits}), fewer channels, or a larger memoryBudgetBytes`,
      fits,
    );
  }

  /** Disposes any copy a proxy left behind (after an error). */
  release(): void {
    for (const c of [...this.copies]) c.dispose();
  }
}
