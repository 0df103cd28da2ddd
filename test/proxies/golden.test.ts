// The proxies against PyTorch float64 (scripts/golden/proxies_torch.py, the reference definitions on
// mstf_torch.py's network): the same weights and images (generated on both sides from one hash, see
// fixed-weights.ts), every proxy's value within a tolerance justified by f32, and synflow at C = 128
// where f32 alone overflows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchFromArrays, batchJacobian, ScoringContext, scoreNetwork, type BatchNormMode } from '../../src/proxies/index.ts';
import { buildNetwork } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';
import { fixedImages, setFixedWeights, type GoldenNetworkCase } from './fixed-weights.ts';
import { GOLDEN_TOLERANCE } from './tolerances.ts';

const rt = await testRuntime();

interface GoldenCase extends GoldenNetworkCase {
  multiLabel: boolean;
  labels: number[];
  parameterNames: string[];
  values: Record<string, number>;
  jacobian: Record<string, { max_abs: number; min_eigenvalue: number }>;
}

interface SynflowCase {
  name: string;
  genotype: number[];
  initChannels: number;
  seed: number;
  synflowLog: number;
  float32Overflows: boolean;
}

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'proxies-golden.json'), 'utf8')) as {
  format: string;
  cases: GoldenCase[];
  synflow: SynflowCase[];
};

// Tolerances: |ours - float64| <= atol + rtol |float64|, and why each: test/proxies/tolerances.ts.
const GOLDEN_PROXIES = ['jacob_cov', 'jacob_cov_batchstats', 'synflow', 'snip', 'grad_norm', 'l2_norm', 'fisher', 'plain', 'grasp'];
const TOLERANCE: Record<string, [number, number]> = Object.fromEntries(GOLDEN_PROXIES.map((p) => [p, [GOLDEN_TOLERANCE[p].atol, GOLDEN_TOLERANCE[p].rtol]]));

for (const c of fixture.cases) {
  test(`golden ${c.name}: every proxy within its f32 tolerance of PyTorch float64`, async () => {
    const net = buildNetwork(c.genotype, { inChannels: c.inChannels, numClasses: c.numClasses, initChannels: c.initChannels }, { rt });
    assert.equal(net.namedParameters().map(([n]) => n), c.parameterNames, 'the same parameters in the same order as PyTorch');
    setFixedWeights(net, c.seed);
    const labels = c.multiLabel ? Float32Array.from(c.labels) : Int32Array.from(c.labels);
    const batch = batchFromArrays(fixedImages(c.seed, c.batch, c.inChannels), [c.batch, c.inChannels, 28, 28], labels, {
      numClasses: c.numClasses, multiLabel: c.multiLabel,
    });
    const names = [...Object.keys(TOLERANCE), 'jacob_cov_reference'];
    const score = await scoreNetwork(net, names, batch);
    for (const [name, [atol, rtol]] of Object.entries(TOLERANCE)) {
      const expected = c.values[name];
      const actual = score.values[name];
      assert.ok(Math.abs(actual - expected) <= atol + rtol * Math.abs(expected), `${c.name} ${name}: ${actual}, PyTorch float64 ${expected} (atol ${atol}, rtol ${rtol})`);
    }
    assert.ok(Math.abs(score.logValues.synflow - c.values.synflow_log) <= 1e-5 * c.values.synflow_log, `${c.name} ln synflow`);
    assert.ok(Number.isFinite(score.values.jacob_cov_reference), 'the literal jacob_cov is a number (of no meaning: see below)');

    // The Jacobians themselves: eval mode and batch statistics match float64 in magnitude; the
    // literal (train-mode) one is rounding noise, 0 in exact arithmetic (docs/proxies.md): ~1e-16 in
    // float64, ~1e-7 in f32, against ~2 with batch statistics.
    const ctx = new ScoringContext(net, batch);
    const maxAbs = async (mode: BatchNormMode, proxy: string): Promise<number> =>
      (await batchJacobian(ctx, mode, proxy)).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const [proxy, mode] of [['jacob_cov', 'running'], ['jacob_cov_batchstats', 'batch-constant']] as const) {
      const expected = c.jacobian[proxy].max_abs;
      const actual = await maxAbs(mode, proxy);
      assert.ok(Math.abs(actual - expected) <= 1e-4 * expected, `${c.name} ${proxy}: max |J| ${actual}, float64 ${expected}`);
    }
    const literal = await maxAbs('batch', 'jacob_cov_reference');
    const batchStats = c.jacobian.jacob_cov_batchstats.max_abs;
    assert.ok(c.jacobian.jacob_cov_reference.max_abs < 1e-14 * batchStats, 'float64: the literal Jacobian is at rounding level');
    assert.ok(literal < 1e-5 * batchStats, `${c.name}: the literal Jacobian (${literal}) is at f32 rounding level against ${batchStats}`);
    net.dispose();
  });
}

for (const c of fixture.synflow) {
  test(`synflow ${c.name}: ln(synflow) ${c.synflowLog.toFixed(1)}${c.float32Overflows ? ' (f32 overflows)' : ''}, finite and within 1e-3 relative of float64`, async () => {
    const net = buildNetwork(c.genotype, { inChannels: 1, numClasses: 2, initChannels: c.initChannels }, { rt });
    setFixedWeights(net, c.seed);
    // synflow reads only the batch's shape (its input is ones).
    const batch = batchFromArrays(new Float32Array(2 * 28 * 28), [2, 1, 28, 28], Int32Array.from([0, 1]), { numClasses: 2 });
    const score = await scoreNetwork(net, ['synflow'], batch);
    const log = score.logValues.synflow;
    assert.ok(Number.isFinite(log) && Number.isFinite(score.values.synflow), `finite: ${log}`);
    // synflow within 1e-3 relative <=> ln within ~1e-3; measured within 1e-7.
    assert.ok(Math.abs(log - c.synflowLog) < 1e-3, `ln synflow ${log}, float64 ${c.synflowLog}`);
    assert.ok(Math.abs(score.values.synflow / Math.exp(c.synflowLog) - 1) < 1e-3, 'synflow within 1e-3 relative');
    if (c.float32Overflows) assert.ok(c.synflowLog > Math.log(3.4028234663852886e38), 'the case is past f32 range');
    net.dispose();
  });
}

test.run();
