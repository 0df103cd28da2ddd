// The tiny network behind fixtures/state-v1-tiny.msgpack (see scripts/make-fixtures.ts).
import type { Runtime } from '../../src/gpu/runtime.ts';
import { BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, ReLU, Sequential } from '../../src/nn/index.ts';
import { Rng } from '../../src/util/rng.ts';

export function tinyFixtureNet(rt: Runtime, seed = 20261126): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    new Conv2d(1, 4, 3, { rng, rt, padding: 1 }),
    new BatchNorm2d(4, { rt }),
    new ReLU(),
    new Conv2d(4, 4, 3, { rng, rt, padding: 1, groups: 4, bias: false }),
    new GlobalAvgPool2d(),
    new Linear(4, 3, { rng, rt }),
  );
}
