// A small network the nn tests share, for module behaviour. (The tiny one behind
// fixtures/state-v1-tiny.msgpack lives beside that fixture: fixtures/tiny-net.ts.)
import type { Runtime } from '../../src/gpu/runtime.ts';
import { BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, ReLU, Sequential } from '../../src/nn/index.ts';
import { Rng } from '../../src/util/rng.ts';

/** conv 3 -> 8 (3x3, no bias), BN, ReLU, global average pool, linear 8 -> 4: for 2 x 3 x 6 x 6 input. */
export function smallNet(rt: Runtime, seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    new Conv2d(3, 8, 3, { rng, rt, padding: 1, bias: false }),
    new BatchNorm2d(8, { rt }),
    new ReLU(),
    new GlobalAvgPool2d(),
    new Linear(8, 4, { rng, rt }),
  );
}
