// `mednas profile`: GPU time per kernel in one SGD training step of the reference network.
import type { CAC } from 'cac';
import { GpuError, profileTrainingStep, referenceNet, selfCheck } from '../src/index.ts';
import { initNode } from '../src/node/index.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { intValue } from './options.ts';

interface ProfileOptions {
  batch: unknown;
  size: unknown;
  steps: unknown;
  top: unknown;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

export function registerProfile(cli: CAC): void {
  addGpuOptions(cli.command('profile', 'Time each GPU kernel in one training step of the DARTS-style reference network'))
    .option('--batch <n>', 'Images per batch (1-4096)', { default: 64 })
    .option('--size <px>', 'Image height and width (8-512; the network halves it twice)', { default: 28 })
    .option('--steps <n>', 'Steps to time, after two warm-up steps (1-1000)', { default: 3 })
    .option('--top <n>', 'Kernels to list', { default: 20 })
    .option('--json', 'Print one JSON object')
    .action(async (options: ProfileOptions) => {
      // Checked before the GPU is opened: ranges keep every buffer within what an adapter can hold
      // (4096 x 512 x 512 f32 inputs are 4 GiB, the largest maxBufferSize Dawn offers).
      const batch = intValue(options.batch, '--batch', { min: 1, max: 4096 });
      const size = intValue(options.size, '--size', { min: 8, max: 512 });
      const steps = intValue(options.steps, '--steps', { min: 1, max: 1000 });
      const top = intValue(options.top, '--top', { min: 1, max: 10_000 });
      const rt = await initNode(gpuInitOptions(options));
      // Timings of an adapter that computes garbage are garbage too: check it first.
      const check = await selfCheck(rt);
      if (!check.ok) {
        throw new GpuError(
          `the adapter (${rt.adapterInfo.description || rt.adapterInfo.device || 'unnamed'}) failed the self-check ` +
            `(matmul max error ${check.matmulMaxError.toExponential(2)}): its timings would mean nothing. Try another --backend or --adapter (mednas info shows them).`,
        );
      }
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
    });
}
