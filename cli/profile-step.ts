// `mednas profile` without a mode: GPU time per kernel in SGD training steps of the DARTS-style
// reference network (the kernels issue's yardstick).
import { profileTrainingStep, referenceNet } from '../src/index.ts';
import { intValue } from './options.ts';
import type { OpenRuntime, ProfileOptions } from './profile-common.ts';

export async function profileStep(options: ProfileOptions, open: OpenRuntime): Promise<number> {
  // Checked before the GPU is opened: ranges keep every buffer within what an adapter can hold
  // (4096 x 512 x 512 f32 inputs are 4 GiB, the largest maxBufferSize Dawn offers).
  const batch = intValue(options.batch ?? 64, '--batch', { min: 1, max: 4096 });
  const size = intValue(options.size ?? 28, '--size', { min: 8, max: 512 });
  const steps = intValue(options.steps ?? 3, '--steps', { min: 1, max: 1000 });
  const top = intValue(options.top ?? 20, '--top', { min: 1, max: 10_000 });
  const rt = await open();
  const net = referenceNet(rt);
  const profile = await profileTrainingStep(rt, net, { inputShape: [batch, 1, size, size], classes: 10, steps });
  net.dispose();
  const gpuMs = profile.kernels.reduce((s, k) => s + k.totalMs, 0);
  if (options.json) {
    console.log(JSON.stringify({ adapter: rt.adapterInfo.description, batch, size, ...profile, gpuMs }));
    return 0;
  }
  console.log(`adapter: ${rt.adapterInfo.description}   batch ${batch} x 1 x ${size} x ${size}`);
  console.log(`step: ${profile.stepMs.toFixed(1)} ms wall (normal batching), ${profile.dispatchesPerStep} dispatches`);
  console.log(`kernel time (one pass per dispatch, so a little more than the step): ${gpuMs.toFixed(1)} ms`);
  console.log('   ms/step  share  calls  kernel');
  for (const k of profile.kernels.slice(0, top)) {
    const share = ((100 * k.totalMs) / gpuMs).toFixed(1).padStart(5);
    console.log(`${k.totalMs.toFixed(2).padStart(10)}  ${share}%  ${String(k.count).padStart(5)}  ${k.kernel}`);
  }
  return 0;
}
