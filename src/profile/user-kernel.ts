// `mednas profile --wgsl`: compiles a user's WGSL kernel, checks the run against its declarations
// and the adapter's limits (user-kernel-check.ts), binds one buffer per @group(0) binding (zeros,
// seeded random f32 words, given bytes or uniform values), dispatches it and times it
// (timed-dispatch.ts). Takes a GPUDevice: it runs on Dawn in Node and on navigator.gpu alike.
import { BUFFER_USAGE } from '../gpu/buffers.ts';
import { Rng } from '../util/rng.ts';
import { UserKernelError } from './errors.ts';
import { perSecondG, spreadOf, type Spread } from './stats.ts';
import { chooseTiming, timeDispatch, type TimingSource } from './timed-dispatch.ts';
import { checkUserKernel, type CheckedBinding, type UserKernelSpec } from './user-kernel-check.ts';
import { reflectWgsl, WgslReadError, type WgslReflection } from './wgsl-reflect.ts';

export type { BufferInit, UserBuffer, UserKernelSpec, UserUniform } from './user-kernel-check.ts';

const COMPUTE_STAGE = 0x4; // GPUShaderStage.COMPUTE
const MAP_READ = 0x0001; // GPUMapMode.READ
/** Query sets hold at most 4096 timestamps: two per pass, calibration passes included. */
export const MAX_USER_REPEAT = 2000;

export interface UserKernelOptions {
  /** Timed dispatches (default 20). */
  repeat?: number;
  /** Untimed dispatches first (default 2). */
  warmup?: number;
  /** 'auto' (default): timestamps where the device has 'timestamp-query', wall-clock otherwise. */
  timing?: 'auto' | TimingSource;
  /** Seed of the 'random' buffers (default 0). */
  seed?: number;
  /** The kernel's floating-point operations per dispatch, for GFLOP/s. */
  flops?: number;
  /** Bytes one dispatch moves, for GB/s; default: the sum of the bound buffers' sizes. */
  bytes?: number;
  /** Bindings whose contents to read back after the timed runs. */
  save?: readonly number[];
}

export interface UserBindingReport {
  readonly binding: number;
  readonly name: string;
  readonly type: string;
  readonly space: 'storage' | 'uniform';
  readonly access: 'read' | 'read_write' | null;
  readonly bytes: number;
  readonly contents: CheckedBinding['contents'];
}

export interface UserKernelProfile extends Spread {
  readonly source: string;
  readonly entry: string;
  readonly workgroupSize: readonly [number, number, number] | null;
  readonly dispatch: readonly [number, number, number];
  /** Invocations per dispatch (null when the workgroup size is not known). */
  readonly invocations: number | null;
  readonly constants: Readonly<Record<string, number>>;
  readonly timing: TimingSource;
  readonly repeat: number;
  /** What the measurement itself costs, already taken off each sample. */
  readonly overheadMs: number;
  readonly samplesMs: readonly number[];
  readonly bytes: number;
  /** 'given' (options.bytes) or 'buffers' (each bound buffer counted once). */
  readonly bytesFrom: 'given' | 'buffers';
  readonly flops: number | null;
  /** From the median time. */
  readonly gflops: number | null;
  readonly gbps: number | null;
  readonly bindings: readonly UserBindingReport[];
  /** Dawn's compiler warnings and notes, formatted as `source:line:column: warning: ...`. */
  readonly warnings: readonly string[];
  readonly saved: readonly { binding: number; data: Uint8Array }[];
}

/** `source:line:column: type: message`, the source line and a caret under the column. */
function formatMessage(source: string, lines: readonly string[], m: GPUCompilationMessage): string {
  if (!m.lineNum) return `${source}: ${m.type}: ${m.message}`;
  const text = lines[m.lineNum - 1] ?? '';
  const caret = `${' '.repeat(Math.max(0, m.linePos - 1))}^${'~'.repeat(Math.max(0, Math.min(m.length, text.length - m.linePos + 1) - 1))}`;
  return `${source}:${m.lineNum}:${m.linePos}: ${m.type}: ${m.message}\n  ${text}\n  ${caret}`;
}

async function compile(device: GPUDevice, spec: UserKernelSpec): Promise<{ module: GPUShaderModule; warnings: string[] }> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: spec.code, label: spec.source });
  const info = await module.getCompilationInfo();
  const scope = await device.popErrorScope();
  const lines = spec.code.split(/\r?\n/);
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0 || scope) {
    const text = errors.length > 0 ? errors.map((m) => formatMessage(spec.source, lines, m)).join('\n') : `${spec.source}: ${scope!.message}`;
    throw new UserKernelError('compile', `${spec.source} does not compile:\n${text}`);
  }
  return { module, warnings: info.messages.filter((m) => m.type !== 'error').map((m) => formatMessage(spec.source, lines, m)) };
}

function reflect(spec: UserKernelSpec): WgslReflection {
  try {
    return reflectWgsl(spec.code);
  } catch (e) {
    if (e instanceof WgslReadError) {
      throw new UserKernelError('read', `${spec.source}:${e.line}:${e.column}: Dawn compiles this file, but mednas cannot read its declarations (${e.message}), so it cannot check the bindings`);
    }
    throw e;
  }
}

function initialBytes(b: CheckedBinding, rng: Rng): Uint8Array | null {
  if (b.init.kind === 'zeros') return null; // new buffers are zeroed
  if (b.init.kind === 'data') return b.init.data;
  const words = new Float32Array(Math.floor(b.bytes / 4));
  for (let i = 0; i < words.length; i++) words[i] = rng.range(-1, 1);
  return new Uint8Array(words.buffer);
}

/**
 * Runs `fn` inside validation and out-of-memory error scopes. Dawn's message, when there is one,
 * wins over what `fn` threw: a failed submit makes its readback fail too, with a vaguer message.
 */
async function scoped<T>(device: GPUDevice, fault: 'pipeline' | 'run', what: string, fn: () => T | Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let failure: unknown = null;
  try {
    result = await fn();
  } catch (e) {
    failure = e;
  }
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  const e = oom ?? validation;
  if (e) throw new UserKernelError(fault, `${what}: ${oom ? 'out of GPU memory: ' : ''}${e.message}`);
  if (failure) throw failure;
  return result as T;
}

async function readBack(device: GPUDevice, buffer: GPUBuffer, bytes: number): Promise<Uint8Array> {
  const size = Math.ceil(bytes / 4) * 4;
  const staging = device.createBuffer({ size, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST, label: 'profile-save' });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_READ, 0, size);
    const out = new Uint8Array(staging.getMappedRange(0, size).slice(0, bytes));
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}

/** Compiles, checks, binds, dispatches and times a user's kernel. Throws UserKernelError for anything the user can fix. */
export async function profileUserKernel(device: GPUDevice, spec: UserKernelSpec, options: UserKernelOptions = {}): Promise<UserKernelProfile> {
  const repeat = options.repeat ?? 20;
  const warmup = options.warmup ?? 2;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_USER_REPEAT) throw new RangeError(`repeat must be a whole number from 1 to ${MAX_USER_REPEAT}, got ${repeat}`);
  const timing = chooseTiming(device, options.timing);

  const { module, warnings } = await compile(device, spec);
  const checked = checkUserKernel(reflect(spec), spec, device.limits);
  const save = options.save ?? [];
  for (const b of save) {
    if (!checked.bindings.some((c) => c.declared.binding === b)) throw new UserKernelError('binding', `--save ${b}: ${spec.source} declares no @group(0) @binding(${b})`);
  }

  const buffers: GPUBuffer[] = [];
  try {
    const { layout, bindGroup } = await scoped(device, 'pipeline', `creating the buffers of ${spec.source}`, () => {
      const layout = device.createBindGroupLayout({
        label: `${spec.source} bindings`,
        entries: checked.bindings.map(({ declared: d }) => ({
          binding: d.binding,
          visibility: COMPUTE_STAGE,
          buffer: { type: d.space === 'uniform' ? 'uniform' : d.access === 'read_write' ? 'storage' : 'read-only-storage' },
        })),
      });
      const rng = new Rng(options.seed ?? 0);
      for (const b of checked.bindings) {
        const usage = (b.declared.space === 'uniform' ? BUFFER_USAGE.UNIFORM : BUFFER_USAGE.STORAGE) | BUFFER_USAGE.COPY_DST | BUFFER_USAGE.COPY_SRC;
        const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(b.bytes / 16) * 16), usage, label: `binding ${b.declared.binding} (${b.declared.name})` });
        buffers.push(buffer);
        const data = initialBytes(b, rng);
        if (data && data.length > 0) {
          const padded = data.length % 4 === 0 ? data : Uint8Array.from({ length: Math.ceil(data.length / 4) * 4 }, (_, i) => data[i] ?? 0);
          device.queue.writeBuffer(buffer, 0, padded.buffer, padded.byteOffset, padded.byteLength);
        }
      }
      const bindGroup = device.createBindGroup({
        label: `${spec.source} bind group`,
        layout,
        entries: checked.bindings.map((b, i) => ({ binding: b.declared.binding, resource: { buffer: buffers[i], size: b.bytes } })),
      });
      return { layout, bindGroup };
    });
    const pipeline = await scoped(device, 'pipeline', `Dawn refused the pipeline of '${checked.entry.name}' in ${spec.source}`, async () => {
      try {
        return await device.createComputePipelineAsync({
          label: `${spec.source}:${checked.entry.name}`,
          layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
          compute: { module, entryPoint: checked.entry.name, constants: checked.constants },
        });
      } catch (e) {
        throw new UserKernelError('pipeline', `Dawn refused the pipeline of '${checked.entry.name}' in ${spec.source}: ${(e as Error).message}`);
      }
    });
    const [x, y, z] = spec.dispatch;
    const encode = (pass: GPUComputePassEncoder): void => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    };
    const writable = buffers.filter((_, i) => checked.bindings[i].declared.access === 'read_write');
    const what = `running '${checked.entry.name}' of ${spec.source}`;
    const run = await scoped(device, 'run', what, () => timeDispatch(device, encode, writable, { repeat, warmup, timing }));
    const saved = await scoped(device, 'run', what, async () => {
      const out = [];
      for (const b of save) {
        const i = checked.bindings.findIndex((c) => c.declared.binding === b);
        out.push({ binding: b, data: await readBack(device, buffers[i], checked.bindings[i].bytes) });
      }
      return out;
    });

    const spread = spreadOf(run.samplesMs);
    const bytes = options.bytes ?? checked.bindings.reduce((s, b) => s + b.bytes, 0);
    const flops = options.flops ?? null;
    const size = checked.workgroupSize;
    return {
      source: spec.source,
      entry: checked.entry.name,
      workgroupSize: size,
      dispatch: spec.dispatch,
      invocations: size ? size[0] * size[1] * size[2] * x * y * z : null,
      constants: checked.constants,
      timing: run.timing,
      repeat,
      overheadMs: run.overheadMs,
      samplesMs: run.samplesMs,
      ...spread,
      bytes,
      bytesFrom: options.bytes === undefined ? 'buffers' : 'given',
      flops,
      gflops: flops === null ? null : perSecondG(flops, spread.medianMs),
      gbps: perSecondG(bytes, spread.medianMs),
      bindings: checked.bindings.map((b) => ({
        binding: b.declared.binding,
        name: b.declared.name,
        type: b.declared.typeText,
        space: b.declared.space as 'storage' | 'uniform',
        access: b.declared.access,
        bytes: b.bytes,
        contents: b.contents,
      })),
      warnings,
      saved,
    };
  } finally {
    for (const b of buffers) b.destroy();
  }
}
