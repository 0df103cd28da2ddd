// `mednas profile`: where GPU time goes. Four modes, one per file:
//   (none)              a training step of the DARTS-style reference network, per kernel (profile-step.ts)
//   --kernel NAME|all   built-in kernel kinds at a shape: ms, GFLOP/s, GB/s (profile-kernel.ts)
//   --arch GENOTYPE     a network's forward and backward per op type and per kernel (profile-arch.ts)
//   --wgsl FILE         the user's own kernel, bound and dispatched as told (profile-wgsl.ts)
// Options that belong to another mode are refused, so a typo never passes silently.
import type { CAC } from 'cac';
import { GpuError, selfCheck, type Runtime } from '../src/index.ts';
import { initNode } from '../src/node/index.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { CliUsageError } from './options.ts';
import { profileArch } from './profile-arch.ts';
import { listKernelKinds, profileKernels } from './profile-kernel.ts';
import { profileStep } from './profile-step.ts';
import type { ProfileOptions } from './profile-common.ts';
import { profileWgsl } from './profile-wgsl.ts';

type Mode = 'step' | 'kernel' | 'arch' | 'wgsl';

/** The options each mode reads, by the name the user types. */
const MODE_OPTIONS: Record<Mode, readonly string[]> = {
  step: ['batch', 'size', 'steps', 'top'],
  kernel: ['kernel', 'shape', 'pass', 'repeat', 'timing', 'seed'],
  arch: ['arch', 'init-channels', 'dataset', 'batch', 'size', 'repeat', 'timing', 'seed', 'top'],
  wgsl: ['wgsl', 'entry', 'dispatch', 'buffer', 'uniform', 'override', 'flops', 'bytes', 'show', 'repeat', 'timing', 'seed', 'timeout'],
};
const COMMON = ['json', 'backend', 'adapter', '--'];
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function modeOf(options: ProfileOptions): Mode {
  const given = (['kernel', 'arch', 'wgsl'] as const).filter((m) => options[m] !== undefined);
  if (given.length > 1) throw new CliUsageError(`give one of --kernel, --arch and --wgsl, not ${given.map((m) => `--${m}`).join(' and ')}`);
  const mode: Mode = (given[0] as Mode | undefined) ?? 'step';
  const allowed = new Set([...MODE_OPTIONS[mode], ...COMMON].map(camel));
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || allowed.has(key)) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const owners = (Object.keys(MODE_OPTIONS) as Mode[]).filter((m) => MODE_OPTIONS[m].map(camel).includes(key));
    const where = owners.map((m) => (m === 'step' ? 'the training-step profile (no mode)' : `--${m}`)).join(' and ');
    throw new CliUsageError(`${flag} does not apply to ${mode === 'step' ? 'the training-step profile' : `--${mode}`}${where ? `; it belongs to ${where}` : ''}`);
  }
  return mode;
}

/** Opens the GPU, refusing an adapter that computes wrong results: its timings would mean nothing too. */
async function checkedRuntime(options: ProfileOptions): Promise<Runtime> {
  const rt = await initNode(gpuInitOptions(options));
  const check = await selfCheck(rt);
  if (!check.ok) {
    throw new GpuError(
      `the adapter (${rt.adapterInfo.description || rt.adapterInfo.device || 'unnamed'}) failed the self-check ` +
        `(matmul max error ${check.matmulMaxError.toExponential(2)}): its timings would mean nothing. Try another --backend or --adapter (mednas info shows them).`,
    );
  }
  return rt;
}

export function registerProfile(cli: CAC): void {
  addGpuOptions(cli.command('profile', 'Time GPU work: a training step (default), built-in kernels (--kernel), a network (--arch) or your WGSL kernel (--wgsl)'))
    .option('--batch <n>', 'Step and --arch: images per batch (1-4096; default 64)')
    .option('--size <px>', 'Step and --arch: image height and width (step: 8-512, --arch: 4-512; default 28)')
    .option('--steps <n>', 'Step: steps to time after two warm-up steps (1-1000; default 3)')
    .option('--top <n>', 'Step and --arch: kernels to list (default 20)')
    .option('--kernel <names>', 'Built-in kernel kinds, comma-separated, or `all`; `list` describes them')
    .option('--shape <spec>', '--kernel: `tiny`, `default` and/or key=value,... (e.g. n=8,c=64,kh=5)')
    .option('--pass <which>', '--kernel: forward, backward or both (default both)')
    .option('--arch <genotype>', 'A network to profile: paper, genes 2,0,4,... (42 integers), a JSON array, or a file')
    .option('--init-channels <C>', '--arch: stem channels C (a multiple of 4; default 16)')
    .option('--dataset <name>', '--arch: dataset whose channels and classes the network is for (default pneumoniamnist)')
    .option('--wgsl <file>', 'Your WGSL compute kernel to compile, bind, dispatch and time')
    .option('--entry <name>', '--wgsl: the @compute function (default: the only one)')
    .option('--dispatch <x,y,z>', '--wgsl: workgroups in x, y, z (y and z default to 1)')
    .option('--buffer <b:bytes[:init]>', '--wgsl: a buffer for @binding(b) of @group(0): init zeros (default), random (f32 in [-1, 1)) or a file; bytes may be auto with a file; repeat for each binding')
    .option('--uniform <b:values>', '--wgsl: a uniform buffer for @binding(b) holding these comma-separated values, laid out by its declared type')
    .option('--override <NAME=VALUE>', '--wgsl: an override constant (repeatable)')
    .option('--flops <n>', '--wgsl: floating-point operations per dispatch, for GFLOP/s')
    .option('--bytes <n>', '--wgsl: bytes one dispatch moves, for GB/s (default: the bound buffers\' sizes)')
    .option('--show <b>', '--wgsl: print the first f32 values (and a CRC-32) of binding b after the runs (repeatable)')
    .option('--repeat <n>', 'Timed repeats (--kernel: 5, --arch: 3, --wgsl: 20)')
    .option('--timing <how>', 'auto (GPU timestamps where the adapter has them), timestamps or wall (default auto)')
    .option('--seed <n>', 'Seed of the random inputs (default 0)')
    .option('--timeout <s>', '--wgsl: seconds all runs of your kernel may take before mednas ends the process (default 60)')
    .option('--json', 'Print one JSON object')
    .example('mednas profile --kernel depthwise --shape kh=5,dil=2')
    .example('mednas profile --kernel all --shape tiny')
    .example('mednas profile --arch paper --init-channels 16 --batch 64')
    .example('mednas profile --wgsl k.wgsl --dispatch 64 --buffer 0:64KiB:random --buffer 1:64KiB --uniform 2:16384,2.5,-1')
    .action(async (options: ProfileOptions) => {
      const mode = modeOf(options);
      if (mode === 'kernel' && listKernelKinds(options)) return 0;
      // Each mode checks its own values first, so that a bad one is refused before the GPU is opened.
      if (mode === 'kernel') return profileKernels(options, () => checkedRuntime(options));
      if (mode === 'arch') return profileArch(options, () => checkedRuntime(options));
      if (mode === 'wgsl') return profileWgsl(options, () => checkedRuntime(options));
      return profileStep(options, () => checkedRuntime(options));
    });
}
