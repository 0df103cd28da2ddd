// `mednas profile`: GPU time per kernel in one SGD training step of the reference network.
import type { CAC } from 'cac';
import { profileTrainingStep, referenceNet } from '../src/index.ts';
import { initNode } from '../src/node/index.ts';

interface ProfileOptions {
  batch: number;
  size: number;
  steps: number;
  top: number;
  json?: boolean;
  backend?: string;
  adapter?: string;
}

function positiveInt(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got ${String(v)}`);
  return n;
}

export function registerProfile(cli: CAC): void {
  cli
    .command('profile', 'Time each GPU kernel in one training step of the DARTS-style reference network')
    .option('--batch <n>', 'Images per batch', { default: 64 })
    .option('--size <px>', 'Image height and width', { default: 28 })
    .option('--steps <n>', 'Steps to time (after two warm-up steps)', { default: 3 })
    .option('--top <n>', 'Kernels to list', { default: 20 })
    .option('--json', 'Print one JSON object')
    .option('--backend <name>', 'Dawn backend; default: MEDNAS_BACKEND or automatic')
    .option('--adapter <name>', 'Adapter name; default: MEDNAS_ADAPTER or the first one')
    .action(async (options: ProfileOptions) => {
      const batch = positiveInt('batch', options.batch);
      const size = positiveInt('size', options.size);
      const steps = positiveInt('steps', options.steps);
      const top = positiveInt('top', options.top);
      if (size < 8) throw new Error('--size must be at least 8: the reference network halves the image twice');
      const rt = await initNode({ backend: options.backend, adapter: options.adapter });
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
