// Row kernels (one invocation per sample, launched in groups of 64) at training batch sizes: every
// row of a batch larger than one group counts. Before range launches sized their grid by the kernel's own
// group, cross-entropy and softmax of a batch of 128 saw only its first 64 rows (the loss came out
// halved, the other rows' probabilities were whatever the buffer held).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crossEntropy, softmax } from '../../src/ops/loss.ts';
import { tensor } from '../../src/tensor/create.ts';
import { randomArray, testRuntime } from '../gpu.ts';

const rt = await testRuntime();

test('cross-entropy, its gradient and softmax over 65, 128 and 300 rows match float64', async () => {
  for (const B of [65, 128, 300]) {
    const K = 3;
    const x = randomArray(B * K, B, -3, 3);
    const labels = Int32Array.from({ length: B }, (_, i) => (i * 7) % K);
    const rows = Array.from({ length: B }, (_, i) => Array.from(x.subarray(i * K, (i + 1) * K)));
    const lse = rows.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
    const want = rows.reduce((s, r, i) => s + lse[i] - r[labels[i]], 0) / B;
    const logits = tensor(x, [B, K], rt).setRequiresGrad();
    const loss = crossEntropy(logits, labels);
    assert.ok(Math.abs((await loss.item()) - want) < 1e-5, `B = ${B}: ${await loss.item()} vs ${want}`);
    loss.backward();
    const grad = await logits.grad!.data();
    rows.forEach((r, i) => r.forEach((v, j) => {
      const g = (Math.exp(v - lse[i]) - (j === labels[i] ? 1 : 0)) / B;
      assert.ok(Math.abs(grad[i * K + j] - g) < 1e-6, `B = ${B}, d[${i}, ${j}]: ${grad[i * K + j]} vs ${g}`);
    }));
    const probs = await softmax(tensor(x, [B, K], rt)).data();
    rows.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(probs[i * K + j] - Math.exp(v - lse[i])) < 1e-6, `B = ${B}, softmax[${i}, ${j}]`)));
    logits.grad!.dispose();
    logits.dispose();
    loss.dispose();
  }
});

test.run();
