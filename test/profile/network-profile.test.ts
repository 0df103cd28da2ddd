// A search-space network's profile per op type: every dispatch of the step is attributed, each op
// of the genotype is reported with its instances, the per-op kernels add up to the op, the FLOPs
// are the space's exact count, and profiling leaves the network as it was (forwards restored).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CELL_MEAN_LABEL, CLASSIFIER_LABEL, CONCAT_LABEL, FUSE_LABEL, LOSS_LABEL, mstfProfilePlan, OTHER_LABEL, POOL_LABEL, profileNetwork, STEM_LABEL, TAPE_LABEL,
} from '../../src/profile/index.ts';
import { architectureCost, buildNetwork, decodeGenotype, NORMAL_OP_NAMES, PAPER_GENOTYPE, REDUCTION_OP_NAMES } from '../../src/space/index.ts';
import { testRuntime } from '../gpu.ts';

const config = { inChannels: 1, numClasses: 2, initChannels: 4, inputSize: 16 };
const BATCH = 2;

test('the paper network at C = 4: every dispatch attributed, op types with their instances, exact FLOPs', async () => {
  const rt = await testRuntime();
  const net = buildNetwork('paper', config, { rt });
  const plan = mstfProfilePlan(net, BATCH);
  const p = await profileNetwork(rt, net, { inputShape: [BATCH, 1, 16, 16], classes: 2, scopes: plan.scopes, flops: plan.flops, repeat: 2 });
  assert.is(p.timing, 'timestamps');
  const byName = new Map(p.ops.map((o) => [o.opType, o]));
  // Every dispatch of each pass lands on one op type (no dispatch lost, none counted twice).
  assert.is(p.ops.reduce((s, o) => s + o.forward.count, 0), p.dispatches.forward);
  assert.is(p.ops.reduce((s, o) => s + o.backward.count, 0), p.dispatches.backward);
  assert.is(byName.get(OTHER_LABEL), undefined, 'no work outside the scopes');
  // The genotype's ops, with as many instances as it has (zero and identity included).
  const genes = decodeGenotype(PAPER_GENOTYPE);
  const expected = new Map<string, number>();
  for (const b of genes) {
    for (const n of b.normal) expected.set(NORMAL_OP_NAMES[n.op], (expected.get(NORMAL_OP_NAMES[n.op]) ?? 0) + 1);
    for (const j of b.pools) expected.set(REDUCTION_OP_NAMES[j], (expected.get(REDUCTION_OP_NAMES[j]) ?? 0) + 1);
  }
  for (const [op, count] of expected) {
    const o = byName.get(op);
    if (op === 'identity') continue; // does no work, so nothing is reported under it
    assert.ok(o, `${op} is reported`);
    assert.is(o!.instances, count, op);
    assert.ok(o!.forward.count > 0 && o!.backward.count > 0 && o!.forward.ms > 0, op);
  }
  for (const label of [STEM_LABEL, CELL_MEAN_LABEL, CONCAT_LABEL, FUSE_LABEL, POOL_LABEL, CLASSIFIER_LABEL, LOSS_LABEL, TAPE_LABEL]) {
    assert.ok(byName.has(label), `${label} is reported`);
  }
  assert.is(byName.get(TAPE_LABEL)!.forward.count, 0, 'the tape only sums gradients in backward');
  // An op's kernels add up to the op's dispatches.
  for (const o of p.ops) {
    for (const pass of ['forward', 'backward'] as const) {
      const kernels = o.kernels.filter((k) => k.pass === pass);
      assert.is(kernels.reduce((s, k) => s + k.count, 0), o[pass].count, `${o.opType} ${pass} dispatches`);
    }
  }
  // FLOPs: the space's exact count for the batch, split over the op types.
  const cost = architectureCost('paper', config);
  const forwardFlops = p.ops.reduce((s, o) => s + (o.forwardFlops ?? 0), 0);
  assert.is(forwardFlops, cost.flops * BATCH);
  assert.is(byName.get(STEM_LABEL)!.backwardFlops, byName.get(STEM_LABEL)!.forwardFlops, 'the stem has no input gradient');
  const sep = byName.get('sep_conv_3x3')!;
  assert.is(sep.backwardFlops, 2 * sep.forwardFlops!);
  assert.ok(Math.abs(sep.forwardGflops! - sep.forwardFlops! / sep.forward.ms / 1e6) < 1e-9);
  // Kernel totals over op types equal the per-kernel table.
  const kernelCalls = p.kernels.reduce((s, k) => s + k.forward.count + k.backward.count, 0);
  assert.is(kernelCalls, p.dispatches.forward + p.dispatches.backward);
  // Profiling left the modules' own forwards in place: the network runs unprofiled as before.
  assert.ok(plan.scopes.every((s) => !Object.prototype.hasOwnProperty.call(s.module, 'forward')));
  assert.ok(!Object.prototype.hasOwnProperty.call(net, 'forward'));
  const wallOnly = await profileNetwork(rt, net, { inputShape: [BATCH, 1, 16, 16], classes: 2, scopes: plan.scopes, repeat: 1, timing: 'wall' });
  assert.equal([wallOnly.timing, wallOnly.gpu, wallOnly.ops.length], ['wall', null, 0]);
  assert.equal(wallOnly.dispatches, p.dispatches);
  net.dispose();
});

test.run();
