// `mednas info`: the adapter, its limits, and a self-check (a small matmul and a gradient).
import type { CAC } from 'cac';
import { selfCheck } from '../src/index.ts';
import { initNode } from '../src/node/index.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';

export function registerInfo(cli: CAC): void {
  addGpuOptions(cli.command('info', 'Show the WebGPU adapter, its limits, and run a self-check'))
    .option('--json', 'Print one JSON object')
    .action(async (options: { backend?: unknown; adapter?: unknown; json?: boolean }) => {
      const rt = await initNode(gpuInitOptions(options));
      const check = await selfCheck(rt);
      const limits = {
        maxBufferSize: rt.limits.maxBufferSize,
        maxStorageBufferBindingSize: rt.limits.maxStorageBufferBindingSize,
        maxStorageBuffersPerShaderStage: rt.limits.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: rt.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: rt.limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupsPerDimension: rt.limits.maxComputeWorkgroupsPerDimension,
      };
      if (options.json) {
        console.log(
          JSON.stringify({ adapter: rt.adapterInfo, kernelProfile: rt.policy.profile, subgroupLanes: rt.policy.subgroupLanes, limits, selfCheck: check }),
        );
      } else {
        const a = rt.adapterInfo;
        console.log(`adapter:        ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}`);
        console.log(`kernel profile: ${rt.policy.profile} (${a.isCpu ? 'software adapter' : 'hardware GPU'})`);
        console.log(`subgroups:      ${rt.policy.subgroupLanes > 0 ? `${rt.policy.subgroupLanes}+ lanes` : 'not available'}`);
        for (const [k, v] of Object.entries(limits)) console.log(`${k.padEnd(34)} ${v}`);
        console.log(
          `self-check:     ${check.ok ? 'ok' : 'FAILED'} (matmul max error ${check.matmulMaxError.toExponential(2)}, ` +
            `gradient max error ${check.gradientMaxError.toExponential(2)}, ${check.elapsedMs.toFixed(0)} ms)`,
        );
        if (!check.ok) console.log('This adapter computes wrong results: mednas will not run on it. Try another --backend or --adapter.');
      }
      return check.ok ? 0 : 1;
    });
}
