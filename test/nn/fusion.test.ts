// Sequential runs a ReLU together with its neighbour (BatchNorm2d then ReLU, ReLU then Conv2d): the
// fused forms must give the values and gradients that running the layers one by one gives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, ReLU, Sequential, type Module } from '../../src/nn/index.ts';
import { mul } from '../../src/ops/elementwise.ts';
import { sum } from '../../src/ops/reduce.ts';
import { tensor } from '../../src/tensor/create.ts';
import { tidy } from '../../src/tensor/scope.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

/** DARTS's sep_conv twice over (ReLU, depthwise, pointwise, BN) plus a strided one and a head. */
function net(): Sequential {
  const rng = new Rng(5);
  const half = (c: number, stride: number): Module[] => [
    new ReLU(),
    new Conv2d(c, c, 3, { rng, rt, stride, padding: 1, groups: c, bias: false }),
    new Conv2d(c, c, 1, { rng, rt, bias: false }),
    new BatchNorm2d(c, { rt }),
  ];
  return new Sequential(
    new Conv2d(2, 8, 3, { rng, rt, padding: 1 }),
    ...half(8, 1), ...half(8, 1), ...half(8, 2),
    new ReLU(), new GlobalAvgPool2d(), new Linear(8, 3, { rng, rt }),
  );
}

/** Output and every parameter's gradient of sum(out * r), with the layers fused or run one by one. */
async function run(fused: boolean): Promise<Float32Array[]> {
  const model = net();
  const x = tensor(randomArray(4 * 2 * 12 * 12, 3), [4, 2, 12, 12], rt);
  const r = tensor(randomArray(4 * 3, 4), [4, 3], rt);
  const [out, loss] = tidy(() => {
    const y = fused ? model.forward(x) : layersOf(model).reduce((t, m) => m.forward(t), x);
    return [y, sum(mul(y, r))];
  });
  loss.backward();
  const values = [await out.data(), ...(await Promise.all(model.parameters().map((p) => p.grad!.data())))];
  for (const t of [x, r, out, loss]) t.dispose();
  model.dispose();
  return values;
}

const layersOf = (m: Sequential): Module[] => m.namedChildren().map(([, c]) => c);

test('Sequential: fused ReLU neighbours give the values and gradients of the layers one by one', async () => {
  for (const profile of ['cpu', 'gpu'] as const) {
    await rt.withPolicy({ profile }, async () => {
      const fused = await run(true);
      const plain = await run(false);
      assert.is(fused.length, plain.length);
      fused.forEach((got, k) => {
        const want = plain[k];
        for (let i = 0; i < want.length; i++) {
          const tol = 1e-5 * (1 + Math.abs(want[i]));
          if (!(Math.abs(got[i] - want[i]) <= tol)) {
            assert.unreachable(`${profile}: ${k === 0 ? 'output' : `gradient ${k - 1}`}[${i}] = ${got[i]}, one by one ${want[i]}`);
          }
        }
      });
    });
  }
});

test.run();
