// Closed forms on a two-layer linear network x -> W2 (W1 x + b1) + b2, computed by hand in f64 on the
// host: synflow (= 1'|W2||W1|1 + 1'|W2|(|W1|1 + |b1|)), snip, grad_norm, plain, l2_norm and fisher
// from the cross-entropy gradients, grasp from a float64 Hessian-gradient product, and jacob_cov,
// whose Jacobian rows are all W1' W2' 1 (a linear network's Jacobian does not depend on x), so its
// correlation matrix has rank one and the score is the worst one. Biases never enter a score.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Flatten, Linear, Sequential } from '../../src/nn/layers.ts';
import { Module } from '../../src/nn/module.ts';
import { batchFromArrays, getProxy, jacobCovWorst, ProxyInputError, ScoringContext } from '../../src/proxies/index.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';

const rt = await testRuntime();
const [N, C, H, W] = [6, 1, 2, 3];
const D = C * H * W;
const HIDDEN = 5;
const K = 3;

class TwoLayer extends Module {
  readonly body: Sequential;
  readonly first: Linear;
  readonly second: Linear;

  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.first = new Linear(D, HIDDEN, { rng, rt });
    this.second = new Linear(HIDDEN, K, { rng, rt });
    this.body = this.addChild('body', new Sequential(new Flatten(), this.first, this.second));
  }

  forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }

  clone(): TwoLayer {
    return new TwoLayer(0).copyStateFrom(this);
  }
}

const net = new TwoLayer(3);
const [w1, b1, w2, b2] = await Promise.all([net.first.weight, net.first.bias!, net.second.weight, net.second.bias!].map(async (t) => Float64Array.from(await t.data())));
const images = Float32Array.from({ length: N * D }, (_, i) => Math.sin(i * 1.7) + 0.3);
const x = Float64Array.from(images);
const labels = Int32Array.from({ length: N }, (_, n) => n % K);
const batch = batchFromArrays(images, [N, C, H, W], labels, { numClasses: K });

// ---- the network and its cross-entropy gradients in f64 --------------------------------------------
const matVec = (m: Float64Array, rows: number, cols: number, v: ArrayLike<number>, at = 0): Float64Array =>
  Float64Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += m[r * cols + c] * v[at + c];
    return s;
  });

interface Pass {
  loss: number;
  g1: Float64Array;
  g2: Float64Array;
  hidden: Float64Array[];
  logits: Float64Array[];
  dHidden: Float64Array[];
  dLogits: Float64Array[];
}

function crossEntropyPass(a1: Float64Array, a2: Float64Array): Pass {
  const g1 = new Float64Array(HIDDEN * D);
  const g2 = new Float64Array(K * HIDDEN);
  const hidden: Float64Array[] = [];
  const logits: Float64Array[] = [];
  const dHidden: Float64Array[] = [];
  const dLogits: Float64Array[] = [];
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const h = matVec(a1, HIDDEN, D, x, n * D).map((v, i) => v + b1[i]);
    const z = matVec(a2, K, HIDDEN, h).map((v, i) => v + b2[i]);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    loss += (Math.log(s) + m - z[labels[n]]) / N;
    const dz = e.map((v, k) => (v / s - (k === labels[n] ? 1 : 0)) / N);
    const dh = Float64Array.from({ length: HIDDEN }, (_, j) => dz.reduce((p, v, k) => p + v * a2[k * HIDDEN + j], 0));
    for (let k = 0; k < K; k++) for (let j = 0; j < HIDDEN; j++) g2[k * HIDDEN + j] += dz[k] * h[j];
    for (let j = 0; j < HIDDEN; j++) for (let i = 0; i < D; i++) g1[j * D + i] += dh[j] * x[n * D + i];
    hidden.push(h);
    logits.push(z);
    dHidden.push(dh);
    dLogits.push(dz);
  }
  return { loss, g1, g2, hidden, logits, dHidden, dLogits };
}

const sum = (v: Iterable<number>): number => [...v].reduce((p, q) => p + q, 0);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => sum(Array.from(a, (v, i) => v * b[i]));
const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));
const base = crossEntropyPass(w1, w2);

function fisherOf(acts: Float64Array[], grads: Float64Array[], width: number, perChannel: number): number {
  let total = 0;
  for (let k = 0; k < width; k++) total += 0.5 * sum(acts.map((a, n) => (a[k] * grads[n][k]) ** 2)) / N * perChannel;
  return total;
}

/** H g over (W1, W2) by a central difference of the f64 gradients (error ~1e-10 here). */
function hessianTimesGradient(): [Float64Array, Float64Array] {
  const eps = 1e-5;
  const at = (s: number): Pass => crossEntropyPass(w1.map((v, i) => v + s * base.g1[i]), w2.map((v, i) => v + s * base.g2[i]));
  const up = at(eps);
  const down = at(-eps);
  return [up.g1.map((v, i) => (v - down.g1[i]) / (2 * eps)), up.g2.map((v, i) => (v - down.g2[i]) / (2 * eps))];
}

const abs1 = w1.map(Math.abs);
const abs2 = w2.map(Math.abs);
const hiddenOfOnes = matVec(abs1, HIDDEN, D, new Float64Array(D).fill(1));
const [hg1, hg2] = hessianTimesGradient();

const expected: Record<string, number> = {
  synflow: sum(matVec(abs2, K, HIDDEN, hiddenOfOnes)) + sum(matVec(abs2, K, HIDDEN, hiddenOfOnes.map((v, j) => v + Math.abs(b1[j])))),
  snip: sum(w1.map((v, i) => Math.abs(v * base.g1[i]))) + sum(w2.map((v, i) => Math.abs(v * base.g2[i]))),
  grad_norm: norm(base.g1) + norm(base.g2),
  plain: dot(w1, base.g1) + dot(w2, base.g2),
  l2_norm: norm(w1) + norm(w2),
  fisher: fisherOf(base.hidden, base.dHidden, HIDDEN, D) + fisherOf(base.logits, base.dLogits, K, HIDDEN),
  grasp: -(dot(w1, hg1) + dot(w2, hg2)),
};

for (const [name, value] of Object.entries(expected)) {
  test(`${name} of a two-layer linear network equals its closed form`, async () => {
    const ctx = new ScoringContext(net, batch);
    const outcome = await getProxy(name).run(ctx);
    ctx.release();
    // f32 through two small layers: relative 1e-5; grasp's finite difference (step 1/32 of the
    // weights; the loss of a linear network is smooth): 1e-4 of the terms' scale.
    const tol = name === 'grasp' ? 1e-4 * (sum(w1.map((v, i) => Math.abs(v * hg1[i]))) + sum(w2.map((v, i) => Math.abs(v * hg2[i])))) : 1e-5 * Math.abs(value);
    assert.ok(Math.abs(outcome.value - value) <= tol, `${name}: ${outcome.value}, closed form ${value}`);
  });
}

test('jacob_cov of a linear network: identical Jacobian rows, rank-one correlation, the worst score', async () => {
  for (const name of ['jacob_cov', 'jacob_cov_batchstats', 'jacob_cov_reference']) {
    const ctx = new ScoringContext(net, batch);
    const outcome = await getProxy(name).run(ctx);
    assert.ok(Math.abs(outcome.value - jacobCovWorst(N)) <= 1e-6 * Math.abs(jacobCovWorst(N)), `${name}: ${outcome.value} vs ${jacobCovWorst(N)}`);
  }
});

test('flops and params need a network of the search space', async () => {
  const ctx = new ScoringContext(net, batch);
  for (const name of ['flops', 'params']) {
    try {
      await getProxy(name).run(ctx);
      assert.unreachable(`${name} of a non-space network`);
    } catch (e) {
      assert.instance(e, ProxyInputError);
    }
  }
});

test.run();
