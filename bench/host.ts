// What recording a training step costs the host (JavaScript and Dawn's validation), apart from the
// GPU: the step runs on Dawn's null backend, which accepts every call and computes nothing, so the
// wall time of an SGD step there is host time alone. On lavapipe the GPU work mostly hides it; on a
// real GPU, where the kernels take microseconds, it is the critical path. The kernel policy is
// lavapipe's (the 'cpu' profile, 8-lane subgroups), so the dispatches are the ones a CPU-adapter step
// records. Also reports the bind-group cache's hit rate over the timed steps.
// The library refuses the null adapter (its results would be garbage); this file builds the Runtime
// itself because it wants no results, only the time to record them.
import { create, globals } from 'webgpu';
import { requestEngineDevice, summariseAdapter } from '../src/gpu/device.ts';
import { Runtime } from '../src/gpu/runtime.ts';
import type { Module } from '../src/nn/module.ts';
import { buildNetwork } from '../src/space/network.ts';
import { referenceNet } from '../src/space/reference.ts';
import { randUniform } from '../src/tensor/create.ts';
import { Sgd } from '../src/train/sgd.ts';
import { sgdStep } from '../src/train/step.ts';
import { Rng } from '../src/util/rng.ts';
import { median, timeRuns, type BenchCase } from './util.ts';

/** Held for the process's lifetime: Dawn frees an instance whose JS object is collected. */
let nullGpu: GPU | null = null;

async function nullRuntime(): Promise<Runtime> {
  Object.assign(globalThis, globals);
  nullGpu ??= create(['backend=null']) as unknown as GPU;
  const adapter = await nullGpu.requestAdapter();
  if (!adapter) throw new Error("Dawn's null backend offered no adapter");
  return new Runtime(await requestEngineDevice(adapter), summariseAdapter(adapter), nullGpu);
}

async function hostStep(build: (rt: Runtime) => Module, classes: number): Promise<Record<string, number>> {
  const rt = await nullRuntime();
  return rt.withPolicy({ profile: 'cpu', subgroupLanes: 8 }, async () => {
    const net = build(rt);
    const x = randUniform([64, 1, 28, 28], new Rng(1), 0, 1, rt);
    const labels = Int32Array.from({ length: 64 }, (_, i) => i % classes);
    const sgd = new Sgd(net.parameters(), { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 });
    const step = async () => {
      sgdStep(net, sgd, x, labels).dispose();
      await rt.sync();
    };
    for (let i = 0; i < 3; i++) await step(); // warm-up, then the cache's counters
    const cache = rt.scheduler.bindGroups.stats;
    const [hits, created, dispatches] = [cache.hits, cache.created, rt.scheduler.stats.dispatches];
    const times = await timeRuns(step, 9, 0);
    const timed = rt.scheduler.stats.dispatches - dispatches;
    const figures = {
      median_ms: median(times),
      min_ms: Math.min(...times),
      dispatches_per_step: timed / times.length,
      us_per_dispatch: (median(times) * 1000 * times.length) / timed,
      bind_group_hit_rate: (cache.hits - hits) / timed,
      bind_groups_created: cache.created - created,
    };
    x.dispose();
    sgd.dispose();
    net.dispose();
    return figures;
  });
}

export const cases: BenchCase[] = [
  { name: 'host.step.darts8.n64', run: () => hostStep((rt) => referenceNet(rt), 10) },
  {
    name: 'host.step.paper.c16.n64',
    run: () => hostStep((rt) => buildNetwork('paper', { inChannels: 1, numClasses: 2, initChannels: 16 }, { rt, seed: 1 }), 2),
  },
];
