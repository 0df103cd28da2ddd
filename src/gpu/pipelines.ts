// The one place that compiles shaders: pipelines are cached by (kernel name, override constants).
import { GpuValidationError, type GpuError } from './errors.ts';

/** A WGSL kernel: one file in shaders/, specialised by override constants, never by string splicing. */
export interface KernelSource {
  /** Unique name; shows up in error messages, pipeline labels and profiles. */
  readonly name: string;
  readonly code: string;
}

export type OverrideConstants = Readonly<Record<string, number | boolean>>;

export function pipelineKey(kernel: KernelSource, constants: OverrideConstants | undefined): string {
  if (!constants) return kernel.name;
  const parts = Object.keys(constants)
    .sort()
    .map((k) => `${k}=${Number(constants[k])}`);
  return `${kernel.name}|${parts.join(',')}`;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly modules = new Map<string, GPUShaderModule>();
  /** Number of pipelines compiled so far (a test checks that a loop does not recompile). */
  compiled = 0;

  constructor(
    private readonly device: GPUDevice,
    /** Receives the asynchronous outcome of each compilation; the scheduler throws it at the next sync. */
    private readonly reportError: (pending: Promise<GpuError | null>) => void,
  ) {}

  get(kernel: KernelSource, constants?: OverrideConstants): GPUComputePipeline {
    const key = pipelineKey(kernel, constants);
    const cached = this.pipelines.get(key);
    if (cached) return cached;

    this.device.pushErrorScope('validation');
    let module = this.modules.get(kernel.name);
    if (!module) {
      module = this.device.createShaderModule({ code: kernel.code, label: kernel.name });
      this.modules.set(kernel.name, module);
    }
    const compute: GPUProgrammableStage = { module, entryPoint: 'main' };
    if (constants) {
      const numeric: Record<string, number> = {};
      for (const [k, v] of Object.entries(constants)) numeric[k] = Number(v);
      compute.constants = numeric;
    }
    const pipeline = this.device.createComputePipeline({ layout: 'auto', compute, label: key });
    this.reportError(
      this.device
        .popErrorScope()
        .then((e) => (e ? new GpuValidationError(key, e.message) : null)),
    );
    this.pipelines.set(key, pipeline);
    this.compiled++;
    return pipeline;
  }
}
