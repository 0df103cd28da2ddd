// The Node edge: Dawn through the `webgpu` package. Backend and adapter come from options or
// MEDNAS_BACKEND / MEDNAS_ADAPTER (e.g. MEDNAS_BACKEND=vulkan, MEDNAS_ADAPTER="llvmpipe ...").
import { availableParallelism } from 'node:os';
import { create, globals } from 'webgpu';
import { GpuError } from '../gpu/errors.ts';
import { initWithGpu } from '../gpu/init.ts';
import type { Runtime } from '../gpu/runtime.ts';

export interface NodeInitOptions {
  backend?: string;
  adapter?: string;
  powerPreference?: GPUPowerPreference;
}

let installed = false;
/**
 * Every Dawn instance created in this process. Dawn destroys an instance when its JS object is
 * garbage-collected even while devices made from it are alive; the next event poll then crashes
 * the process (segfault, "futex facility returned an unexpected error code"). Never let go of them.
 */
const liveInstances: GPU[] = [];

/** Dawn's GPU object for this process (installs WebGPU's globals like GPUBufferUsage once). */
export function dawnGpu(options: NodeInitOptions = {}): GPU {
  if (!installed) {
    Object.assign(globalThis, globals);
    installed = true;
  }
  // llvmpipe splits work over LP_NUM_THREADS threads (default: one per core). On 2 cores,
  // oversubscribing to 8 measured 1.3-1.5x faster (PERF-NOTES; it costs ~50-100 us of latency per
  // submit); never fewer than the cores, so big machines keep theirs. Set before the device exists.
  process.env.LP_NUM_THREADS ??= String(Math.max(8, availableParallelism()));
  const flags: string[] = [];
  const backend = options.backend ?? process.env.MEDNAS_BACKEND;
  const adapter = options.adapter ?? process.env.MEDNAS_ADAPTER;
  if (backend?.trim().toLowerCase() === 'null') {
    throw new GpuError(
      "backend 'null' is Dawn's null backend, which runs no GPU work (every result would be garbage). " +
        'Choose vulkan, metal or d3d12, or leave MEDNAS_BACKEND/--backend unset for the automatic choice.',
    );
  }
  // Dawn rounds GPU timestamps down to 2^16 ns by default (a browser's guard against timing
  // attacks), which reads every kernel under 65 us as 0 or 65 us: a local tool profiling its own
  // kernels wants them exact.
  flags.push('disable-dawn-features=timestamp_quantization');
  if (backend) flags.push(`backend=${backend}`);
  if (adapter) flags.push(`adapter=${adapter}`);
  const gpu = create(flags) as unknown as GPU;
  liveInstances.push(gpu);
  return gpu;
}

/** Dawn's backends a user can name (besides 'null', which is refused). */
export const DAWN_BACKENDS = ['vulkan', 'metal', 'd3d12', 'd3d11', 'opengl', 'opengles'] as const;

/** The backends that give an adapter on this machine (each probed with its own Dawn instance). */
export async function availableBackends(): Promise<string[]> {
  const found: string[] = [];
  for (const backend of DAWN_BACKENDS) {
    if (await dawnGpu({ backend }).requestAdapter()) found.push(backend);
  }
  return found;
}

/**
 * Opens the GPU through Dawn and makes it the default runtime. When a named backend gives no
 * adapter, the error says which backends do on this machine (a missing driver is another matter).
 */
export async function initNode(options: NodeInitOptions = {}): Promise<Runtime> {
  const gpu = dawnGpu(options);
  const backend = options.backend ?? process.env.MEDNAS_BACKEND;
  if (backend && !(await gpu.requestAdapter())) {
    const available = await availableBackends();
    const where = `${process.platform}${available.length > 0 ? `; the backends that give one here: ${available.join(', ')}` : '; no backend gives one here'}`;
    throw new GpuError(
      `the backend '${backend}' gives no WebGPU adapter on this machine (${where}). ` +
        (available.length > 0
          ? `Use --backend ${available[0]} (or MEDNAS_BACKEND=${available[0]}), or leave the backend unset for the automatic choice.`
          : 'Leave the backend unset to see what is missing (on Linux without a GPU: Mesa >= 24 with lavapipe; `bash scripts/setup.sh` as root installs it).'),
    );
  }
  return initWithGpu(gpu, { powerPreference: options.powerPreference });
}
