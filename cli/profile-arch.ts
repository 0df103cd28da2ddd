// `mednas profile --arch GENOTYPE|paper [--init-channels C] [--batch N]`: a network of the search
// space, forward (with its loss) and backward on a random batch, per op type and per kernel.
import { datasetShape } from '../src/data/index.ts';
import { readGenotypeArgument } from '../src/node/index.ts';
import { mstfProfilePlan, profileNetwork, type NetworkProfile } from '../src/profile/index.ts';
import { architectureCost, buildNetwork, genotypeKey, type NetworkConfig } from '../src/space/index.ts';
import { intValue, stringValue } from './options.ts';
import { ms, rate, repeatValue, seedValue, table, timingText, timingValue, type OpenRuntime, type ProfileOptions } from './profile-common.ts';

const DEFAULT_DATASET = 'pneumoniamnist'; // the paper genotype's dataset, as `mednas arch`

const spreadText = (s: { medianMs: number; minMs: number; maxMs: number }): string => `${ms(s.medianMs)} ms (${ms(s.minMs)}-${ms(s.maxMs)})`;
const share = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');
const short = (v: number): string => (v >= 1e9 ? `${(v / 1e9).toFixed(2)} G` : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : String(v));

function printProfile(p: NetworkProfile, top: number): void {
  console.log(`wall (normal batching): forward + loss ${spreadText(p.wall.forward)}, backward ${spreadText(p.wall.backward)}; ${p.dispatches.forward} + ${p.dispatches.backward} dispatches`);
  if (!p.gpu) {
    console.log('no per-op breakdown: it needs GPU timestamps (the adapter has none, or --timing wall)');
    return;
  }
  console.log(`GPU time, each dispatch timed alone: forward + loss ${spreadText(p.gpu.forward)}, backward ${spreadText(p.gpu.backward)}`);
  const total = p.gpu.forward.medianMs + p.gpu.backward.medianMs;
  console.log('');
  const opRows = [['op type', 'n', 'fwd ms', 'bwd ms', 'share', 'fwd GFLOP/s', 'bwd GFLOP/s', 'dispatches']];
  for (const o of p.ops) {
    opRows.push([o.opType, o.instances ? String(o.instances) : '', ms(o.forward.ms), ms(o.backward.ms), share(o.forward.ms + o.backward.ms, total), rate(o.forwardGflops), rate(o.backwardGflops), `${o.forward.count} + ${o.backward.count}`]);
  }
  for (const line of table(opRows, [1, 2, 3, 4, 5, 6, 7])) console.log(line);
  console.log('');
  const kernelRows = [['kernel', 'fwd ms', 'calls', 'bwd ms', 'calls', 'share']];
  for (const k of p.kernels.slice(0, top)) {
    kernelRows.push([k.kernel, ms(k.forward.ms), String(k.forward.count), ms(k.backward.ms), String(k.backward.count), share(k.forward.ms + k.backward.ms, total)]);
  }
  for (const line of table(kernelRows, [1, 2, 3, 4, 5])) console.log(line);
  if (p.kernels.length > top) console.log(`(${p.kernels.length - top} more kernels; --top shows more)`);
  console.log('GFLOP/s count convolutions and the classifier only (2 x MACs), as `mednas arch info` does.');
}

export async function profileArch(options: ProfileOptions, open: OpenRuntime): Promise<number> {
  const genotype = await readGenotypeArgument(stringValue(options.arch, '--arch'));
  const shape = datasetShape(options.dataset === undefined ? DEFAULT_DATASET : stringValue(options.dataset, '--dataset'));
  const initChannels = intValue(options.initChannels ?? 16, '--init-channels', { min: 4, max: 4096 });
  const batch = intValue(options.batch ?? 64, '--batch', { min: 1, max: 4096 });
  const size = intValue(options.size ?? 28, '--size', { min: 4, max: 512 });
  const repeat = repeatValue(options, 3, 100);
  const top = intValue(options.top ?? 20, '--top', { min: 1, max: 10_000 });
  const timing = timingValue(options);
  const seed = seedValue(options);
  const config: NetworkConfig = { inChannels: shape.inChannels, numClasses: shape.numClasses, initChannels, inputSize: size };
  // The configuration is checked (SpaceConfigError: channels, too small an image) before the GPU opens.
  const cost = architectureCost(genotype, config);
  const rt = await open();
  const net = buildNetwork(genotype, config, { rt, seed });
  const plan = mstfProfilePlan(net, batch);
  const profile = await profileNetwork(rt, net, {
    inputShape: [batch, shape.inChannels, size, size],
    classes: shape.numClasses,
    scopes: plan.scopes,
    flops: plan.flops,
    repeat,
    timing,
    seed,
  });
  net.dispose();
  if (options.json) {
    console.log(JSON.stringify({
      adapter: rt.adapterInfo.description, genotype, key: genotypeKey(genotype), dataset: shape.name, network: config, batch,
      params: cost.params, forwardFlops: cost.flops * batch, ...profile,
    }));
    return 0;
  }
  console.log(`adapter: ${rt.adapterInfo.description}`);
  console.log(`network: ${genotypeKey(genotype)}`);
  console.log(`  for ${shape.name} (${shape.inChannels} x ${size} x ${size}, ${shape.numClasses} classes), C = ${initChannels}, batch ${batch}: ${short(cost.params)} params, ${short(cost.flops * batch)} FLOPs forward (conv + linear)`);
  console.log(timingText(profile.timing, repeat));
  printProfile(profile, top);
  return 0;
}
