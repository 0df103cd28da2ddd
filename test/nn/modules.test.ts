// nn modules: PyTorch names and defaults, seeded init, train/eval, BatchNorm bypass, state files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BatchNorm2d, Conv2d, Sequential, setBatchNormBypass, StateFormatError,
} from '../../src/nn/index.ts';
import { loadStateFile, saveStateFile } from '../../src/node/state-file.ts';
import { tensor } from '../../src/tensor/create.ts';
import { noGrad } from '../../src/tensor/scope.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomArray, testRuntime } from '../gpu.ts';
import { smallNet as sharedSmallNet } from './fixture-net.ts';

const rt = await testRuntime();

const smallNet = (seed: number): Sequential => sharedSmallNet(rt, seed);

const input = () => tensor(randomArray(2 * 3 * 6 * 6, 9), [2, 3, 6, 6], rt);

async function forwardValues(net: Sequential): Promise<Float32Array> {
  const x = input();
  const y = noGrad(() => net.forward(x));
  const out = await y.data();
  x.dispose();
  y.dispose();
  return out;
}

test('names, counts and buffers follow torch.nn', () => {
  const net = smallNet(1);
  assert.equal(net.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`), [
    '0.weight:8x3x3x3', '1.weight:8', '1.bias:8', '4.weight:4x8', '4.bias:4',
  ]);
  assert.equal(net.namedBuffers().map(([n]) => n), ['1.running_mean', '1.running_var']);
  assert.is(net.parameterCount(), 8 * 27 + 8 + 8 + 32 + 4);
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  net.dispose();
});

test('kaiming-uniform init: within +-1/sqrt(fan_in), spread over it, seeded', async () => {
  const a = new Conv2d(16, 32, 3, { rng: new Rng(5), rt });
  const b = new Conv2d(16, 32, 3, { rng: new Rng(5), rt });
  const w = await a.weight.data();
  const bound = 1 / Math.sqrt(16 * 9);
  const maxAbs = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(maxAbs <= bound && maxAbs > 0.95 * bound, `max |w| ${maxAbs} vs bound ${bound}`);
  // Uniform on [-b, b] has variance b^2 / 3; 4608 draws put the sample within 10% of it.
  const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.1, `variance ${variance}`);
  const bias = await a.bias!.data();
  assert.ok(bias.every((v) => Math.abs(v) <= bound));
  assert.equal(Array.from(await b.weight.data()), Array.from(w), 'same seed, same weights');
  a.dispose();
  b.dispose();
});

test('eval mode uses running statistics; BatchNorm bypass is the identity', async () => {
  const net = smallNet(2);
  const train1 = await forwardValues(net);
  net.eval();
  const eval1 = await forwardValues(net);
  assert.ok(train1.some((v, i) => Math.abs(v - eval1[i]) > 1e-4), 'eval differs from train');
  // In eval mode nothing moves: the same input gives the same output.
  assert.equal(Array.from(await forwardValues(net)), Array.from(eval1));

  const bn = new BatchNorm2d(3, { rt });
  const x = input();
  setBatchNormBypass(bn, true);
  assert.is(bn.forward(x), x);
  setBatchNormBypass(bn, false);
  assert.is.not(noGrad(() => bn.forward(x)), x);
  x.dispose();
  bn.dispose();
  net.dispose();
});

test('state files: round trip, wrong network, truncated file, failed load changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mednas-state-'));
  try {
    const source = smallNet(3);
    await forwardValues(source); // moves the running statistics away from their initial values
    const path = join(dir, 'model.msgpack');
    await saveStateFile(source, path);
    const target = smallNet(4);
    await loadStateFile(target, path);
    source.eval();
    target.eval();
    assert.equal(Array.from(await forwardValues(target)), Array.from(await forwardValues(source)));
    for (const [[n, a], [, b]] of source.stateEntries().map((e, i) => [e, target.stateEntries()[i]] as const)) {
      assert.equal(Array.from(await b.data()), Array.from(await a.data()), n);
    }

    const other = new Sequential(new Conv2d(3, 4, 3, { rng: new Rng(1), rt }));
    const before = Array.from(await other.parameters()[0].data());
    try {
      await loadStateFile(other, path);
      assert.unreachable('a different network must not load');
    } catch (e) {
      assert.instance(e, StateFormatError);
      assert.match((e as Error).message, /unexpected 0\.bias|missing 0\.bias|1\.weight/);
    }
    assert.equal(Array.from(await other.parameters()[0].data()), before, 'failed load left weights alone');

    const truncated = join(dir, 'truncated.msgpack');
    writeFileSync(truncated, readFileSync(path).subarray(0, 100));
    try {
      await loadStateFile(target, truncated);
      assert.unreachable('a truncated file must not load');
    } catch (e) {
      assert.match((e as Error).message, /truncated|not a mednas|not a readable/);
    }
    try {
      await loadStateFile(target, join(dir, 'missing.msgpack'));
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, /does not exist/);
    }
    for (const m of [source, target, other]) m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
