// Checks a user's kernel run (entry point, overrides, dispatch, buffers, uniform values) against
// what the WGSL declares and what the adapter allows, before any GPU work, so that each mistake gets
// a message that names the binding, the declaration and the limit. Pure: no GPU calls.
import { UserKernelError } from './errors.ts';
import { layoutOf, LayoutError, runtimeElementBytes, scalarSlots, typeText, type ScalarSlot } from './wgsl-layout.ts';
import type { WgslBinding, WgslEntryPoint, WgslReflection } from './wgsl-reflect.ts';

/** What a storage or uniform buffer starts as. */
export type BufferInit =
  | { readonly kind: 'zeros' }
  /** f32 words uniform in [-1, 1), from the run's seed. */
  | { readonly kind: 'random' }
  /** These bytes from offset 0, zeros after them. */
  | { readonly kind: 'data'; readonly data: Uint8Array; readonly source: string };

export interface UserBuffer {
  readonly binding: number;
  readonly bytes: number;
  readonly init: BufferInit;
}

/** Values for a uniform binding, laid out by its declared type (members in order). */
export interface UserUniform {
  readonly binding: number;
  readonly values: readonly number[];
}

export interface UserKernelSpec {
  /** The WGSL source. */
  readonly code: string;
  /** Where it came from, for messages (a file name). */
  readonly source: string;
  /** The @compute function; may be left out when there is only one. */
  readonly entry?: string;
  /** Workgroups in x, y, z. */
  readonly dispatch: readonly [number, number, number];
  readonly buffers: readonly UserBuffer[];
  readonly uniforms?: readonly UserUniform[];
  /** Override constants by name (booleans as true/false). */
  readonly overrides?: Readonly<Record<string, number | boolean>>;
}

export interface CheckedBinding {
  readonly declared: WgslBinding;
  /** The buffer's size as given (its binding's size). */
  readonly bytes: number;
  /** zeros / random, or the bytes to upload (a file's, or packed uniform values). */
  readonly init: BufferInit;
  /** How it was given, for the report. */
  readonly contents: 'zeros' | 'random' | 'file' | 'values';
}

export interface CheckedKernel {
  readonly entry: WgslEntryPoint;
  /** Resolved @workgroup_size, or null when it depends on something mednas cannot evaluate. */
  readonly workgroupSize: readonly [number, number, number] | null;
  /** Pipeline constants by their keys (the @id number where one is declared, else the name). */
  readonly constants: Readonly<Record<string, number>>;
  /** Every @group(0) binding, in binding order. */
  readonly bindings: readonly CheckedBinding[];
}

/** The limits this check reads (a GPUSupportedLimits has them all). */
export type KernelLimits = Pick<
  GPUSupportedLimits,
  | 'maxComputeWorkgroupSizeX' | 'maxComputeWorkgroupSizeY' | 'maxComputeWorkgroupSizeZ'
  | 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupsPerDimension'
  | 'maxStorageBufferBindingSize' | 'maxUniformBufferBindingSize' | 'maxBufferSize'
  | 'maxStorageBuffersPerShaderStage' | 'maxUniformBuffersPerShaderStage'
>;

const describeBinding = (b: WgslBinding): string =>
  `${b.binding} (${b.name}: ${b.typeText}, ${b.space === 'storage' ? `storage ${b.access}` : b.space})`;

function chooseEntry(r: WgslReflection, spec: UserKernelSpec): WgslEntryPoint {
  const compute = r.entryPoints.filter((e) => e.stage === 'compute');
  const names = compute.map((e) => e.name).join(', ') || 'none';
  if (spec.entry === undefined) {
    if (compute.length === 1) return compute[0];
    throw new UserKernelError(
      'entry',
      compute.length === 0
        ? `${spec.source} has no @compute entry point: mednas profile runs compute shaders`
        : `${spec.source} has ${compute.length} @compute entry points (${names}): choose one with --entry`,
    );
  }
  const found = r.entryPoints.find((e) => e.name === spec.entry);
  if (found?.stage === 'compute') return found;
  if (found) throw new UserKernelError('entry', `'${spec.entry}' in ${spec.source} is a @${found.stage} entry point: mednas profile runs @compute ones (${names})`);
  throw new UserKernelError('entry', `${spec.source} has no @compute entry point '${spec.entry}'; its @compute entry points: ${names}`);
}

const U32_MAX = 2 ** 32 - 1;

/** `value` as the scalar type `type` (an override's or a uniform slot's), or a reason it cannot be. */
function asScalar(value: number | boolean, type: string | null): number | string {
  const v = typeof value === 'boolean' ? Number(value) : value;
  if (!Number.isFinite(v)) return 'not a finite number';
  switch (type) {
    case 'u32':
      return Number.isInteger(v) && v >= 0 && v <= U32_MAX ? v : `a u32 is a whole number from 0 to ${U32_MAX}`;
    case 'i32':
      return Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : 'an i32 is a whole number from -2147483648 to 2147483647';
    case 'bool':
      return v === 0 || v === 1 ? v : 'a bool is true or false (1 or 0)';
    case 'f32':
      return Math.abs(v) <= 3.4028234663852886e38 ? v : 'outside the range of an f32';
    default:
      return v;
  }
}

function checkOverrides(r: WgslReflection, spec: UserKernelSpec): { byName: Record<string, number>; constants: Record<string, number> } {
  const byName: Record<string, number> = {};
  const constants: Record<string, number> = {};
  for (const [name, raw] of Object.entries(spec.overrides ?? {})) {
    const declared = r.overrides.find((o) => o.name === name || (o.id !== null && String(o.id) === name));
    if (!declared) {
      const known = r.overrides.map((o) => o.name).join(', ') || 'none';
      throw new UserKernelError('override', `--override ${name}: ${spec.source} declares no override '${name}'; it declares: ${known}`);
    }
    const value = asScalar(raw, declared.type);
    if (typeof value === 'string') {
      throw new UserKernelError('override', `--override ${name}=${String(raw)}: override '${declared.name}: ${declared.type}' (${spec.source}:${declared.line}) cannot hold it: ${value}`);
    }
    byName[declared.name] = value;
    constants[declared.id !== null ? String(declared.id) : declared.name] = value;
  }
  return { byName, constants };
}

function checkWorkgroupSize(r: WgslReflection, spec: UserKernelSpec, entry: WgslEntryPoint, overrides: Record<string, number>, limits: KernelLimits): [number, number, number] | null {
  const values = entry.workgroupSize.map((expr) => r.evaluate(expr, overrides));
  // An override without a default, read by @workgroup_size, must be given.
  for (const expr of entry.workgroupSize) {
    for (const t of expr) {
      const o = r.overrides.find((x) => x.name === t.text);
      if (o && !o.hasDefault && !(o.name in overrides)) {
        throw new UserKernelError('override', `override '${o.name}' (${spec.source}:${o.line}) sizes the workgroup of '${entry.name}' and has no default: give --override ${o.name}=VALUE`);
      }
    }
  }
  if (values.length === 0 || values.some((v) => v === undefined)) return null;
  const size: [number, number, number] = [values[0]!, values[1] ?? 1, values[2] ?? 1];
  const text = `@workgroup_size(${size.join(', ')}) of '${entry.name}'`;
  if (size.some((v) => !Number.isInteger(v) || v < 1)) throw new UserKernelError('workgroup', `${text}: every size must be a whole number >= 1`);
  const max = [limits.maxComputeWorkgroupSizeX, limits.maxComputeWorkgroupSizeY, limits.maxComputeWorkgroupSizeZ];
  const axis = size.findIndex((v, i) => v > max[i]);
  if (axis >= 0) {
    throw new UserKernelError('workgroup', `${text} is over this adapter's limit in ${'xyz'[axis]}: maxComputeWorkgroupSize${'XYZ'[axis]} = ${max[axis]}`);
  }
  const invocations = size[0] * size[1] * size[2];
  if (invocations > limits.maxComputeInvocationsPerWorkgroup) {
    throw new UserKernelError('workgroup', `${text} has ${invocations} invocations, over this adapter's maxComputeInvocationsPerWorkgroup = ${limits.maxComputeInvocationsPerWorkgroup}`);
  }
  return size;
}

function checkDispatch(spec: UserKernelSpec, limits: KernelLimits): void {
  const max = limits.maxComputeWorkgroupsPerDimension;
  spec.dispatch.forEach((n, i) => {
    const where = `--dispatch ${spec.dispatch.join(',')}`;
    if (!Number.isInteger(n) || n < 1) throw new UserKernelError('dispatch', `${where}: ${n} workgroups in ${'xyz'[i]}; each count must be a whole number >= 1 (0 would run nothing)`);
    if (n > max) {
      throw new UserKernelError('dispatch', `${where}: ${n} workgroups in ${'xyz'[i]} exceed this adapter's limit of ${max} per dimension (maxComputeWorkgroupsPerDimension): spread the work over y and z`);
    }
  });
}

/** The bytes of a user kernel's uniform (its --uniform values) laid out by the binding's WGSL type. */
function userUniformBytes(b: WgslBinding, values: readonly number[], source: string): Uint8Array {
  let slots: ScalarSlot[];
  let size: number;
  try {
    slots = scalarSlots(b.type, b.name);
    size = layoutOf(b.type).size;
  } catch (e) {
    if (e instanceof LayoutError) throw new UserKernelError('uniform', `--uniform ${b.binding}: ${e.message}; give its bytes with --buffer ${b.binding}:BYTES:FILE`);
    throw e;
  }
  if (values.length !== slots.length) {
    const listed = slots.length <= 12 ? slots.map((s) => `${s.path}: ${s.scalar}`).join(', ') : `${slots.slice(0, 12).map((s) => s.path).join(', ')}, ...`;
    throw new UserKernelError('uniform', `--uniform ${b.binding}: binding ${b.binding} (${b.name}: ${b.typeText}, ${source}:${b.line}) holds ${slots.length} value${slots.length === 1 ? '' : 's'} (${listed}); ${values.length} given`);
  }
  const bytes = new Uint8Array(Math.ceil(size / 16) * 16);
  const view = new DataView(bytes.buffer);
  slots.forEach((slot, i) => {
    if (slot.scalar === 'f16') throw new UserKernelError('uniform', `--uniform ${b.binding}: ${slot.path} is an f16, which --uniform does not write: give the bytes with --buffer ${b.binding}:BYTES:FILE`);
    const v = asScalar(values[i], slot.scalar);
    if (typeof v === 'string') throw new UserKernelError('uniform', `--uniform ${b.binding}: value ${i + 1} (${values[i]}) is for ${slot.path}: ${slot.scalar}, which cannot hold it: ${v}`);
    if (slot.scalar === 'f32') view.setFloat32(slot.offset, v, true);
    else if (slot.scalar === 'i32') view.setInt32(slot.offset, v, true);
    else view.setUint32(slot.offset, v, true);
  });
  return bytes;
}

/** The smallest buffer `b` accepts, or null when its type has no layout mednas can work out. */
export function minimumBindingBytes(b: WgslBinding): number | null {
  try {
    return layoutOf(b.type).size;
  } catch (e) {
    if (e instanceof LayoutError) return null;
    throw e;
  }
}

function checkBuffer(b: WgslBinding, bytes: number, init: BufferInit, flag: string, limits: KernelLimits, source: string): void {
  const what = `${flag}: binding ${describeBinding(b)}`;
  const min = minimumBindingBytes(b);
  if (min !== null && bytes < min) {
    const element = runtimeElementBytes(b.type);
    const hint = element > 0 ? ` (${typeText(b.type)} with one element of ${element} bytes)` : '';
    throw new UserKernelError('buffer', `${what} needs at least ${min} bytes${hint}; ${bytes} given (declared at ${source}:${b.line})`);
  }
  if (bytes % 4 !== 0) throw new UserKernelError('buffer', `${what}: ${bytes} bytes is not a multiple of 4, which WebGPU requires of a buffer binding`);
  const [limit, name] = b.space === 'uniform'
    ? [limits.maxUniformBufferBindingSize, 'maxUniformBufferBindingSize']
    : [limits.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize'];
  if (bytes > limit) throw new UserKernelError('buffer', `${what}: ${bytes} bytes exceed this adapter's ${name} = ${limit}`);
  if (bytes > limits.maxBufferSize) throw new UserKernelError('buffer', `${what}: ${bytes} bytes exceed this adapter's maxBufferSize = ${limits.maxBufferSize}`);
  if (init.kind === 'data' && init.data.length > bytes) {
    throw new UserKernelError('buffer', `${what}: ${init.source} holds ${init.data.length} bytes, more than the buffer's ${bytes}: give a size of at least ${Math.ceil(init.data.length / 4) * 4}`);
  }
}

function checkBindings(r: WgslReflection, spec: UserKernelSpec, limits: KernelLimits): CheckedBinding[] {
  const declared = new Map<number, WgslBinding>();
  for (const b of r.bindings) {
    if (b.group !== 0) {
      throw new UserKernelError('binding', `'${b.name}' is declared at @group(${b.group}) @binding(${b.binding}) (${spec.source}:${b.line}): mednas profile binds @group(0) only; move it there`);
    }
    const other = declared.get(b.binding);
    if (other) throw new UserKernelError('binding', `'${other.name}' and '${b.name}' are both declared at @group(0) @binding(${b.binding}) (${spec.source}:${other.line}, ${b.line}): give each binding one variable`);
    if (b.space !== 'storage' && b.space !== 'uniform') {
      throw new UserKernelError('binding', `binding ${b.binding} (${b.name}: ${b.typeText}, ${spec.source}:${b.line}) is not a buffer: mednas profile binds storage and uniform buffers only`);
    }
    declared.set(b.binding, b);
  }
  const list = [...declared.values()].sort((a, b) => a.binding - b.binding);
  const known = list.map(describeBinding).join(', ') || 'none';
  const given = new Map<number, CheckedBinding>();
  const lookup = (binding: number, flag: string): WgslBinding => {
    const b = declared.get(binding);
    if (!b) throw new UserKernelError('binding', `${flag}: ${spec.source} declares no @group(0) @binding(${binding}); its bindings: ${known}`);
    if (given.has(binding)) throw new UserKernelError('binding', `${flag}: binding ${binding} (${b.name}) is given twice; give it once, with --buffer or --uniform`);
    return b;
  };
  for (const buffer of spec.buffers) {
    const flag = `--buffer ${buffer.binding}`;
    const b = lookup(buffer.binding, flag);
    checkBuffer(b, buffer.bytes, buffer.init, flag, limits, spec.source);
    const contents = buffer.init.kind === 'data' ? 'file' : buffer.init.kind;
    given.set(b.binding, { declared: b, bytes: buffer.bytes, init: buffer.init, contents });
  }
  for (const uniform of spec.uniforms ?? []) {
    const flag = `--uniform ${uniform.binding}`;
    const b = lookup(uniform.binding, flag);
    if (b.space !== 'uniform') {
      throw new UserKernelError('uniform', `${flag}: binding ${describeBinding(b)} is not a uniform: give it with --buffer ${b.binding}:BYTES[:zeros|random|FILE]`);
    }
    const data = userUniformBytes(b, uniform.values, spec.source);
    given.set(b.binding, { declared: b, bytes: data.length, init: { kind: 'data', data, source: flag }, contents: 'values' });
  }
  for (const b of list) {
    if (given.has(b.binding)) continue;
    const min = minimumBindingBytes(b);
    const how = b.space === 'uniform' ? ` or --uniform ${b.binding}:VALUES` : '';
    throw new UserKernelError('binding', `binding ${describeBinding(b)} (${spec.source}:${b.line}) has no buffer: add --buffer ${b.binding}:BYTES${how}${min !== null ? ` (at least ${min} bytes)` : ''}`);
  }
  const storage = list.filter((b) => b.space === 'storage').length;
  const uniforms = list.length - storage;
  if (storage > limits.maxStorageBuffersPerShaderStage) {
    throw new UserKernelError('binding', `${spec.source} binds ${storage} storage buffers, over this adapter's maxStorageBuffersPerShaderStage = ${limits.maxStorageBuffersPerShaderStage}`);
  }
  if (uniforms > limits.maxUniformBuffersPerShaderStage) {
    throw new UserKernelError('binding', `${spec.source} binds ${uniforms} uniform buffers, over this adapter's maxUniformBuffersPerShaderStage = ${limits.maxUniformBuffersPerShaderStage}`);
  }
  return list.map((b) => given.get(b.binding)!);
}

/** Every check that can be made before the GPU runs anything; throws UserKernelError. */
export function checkUserKernel(r: WgslReflection, spec: UserKernelSpec, limits: KernelLimits): CheckedKernel {
  const entry = chooseEntry(r, spec);
  const { byName, constants } = checkOverrides(r, spec);
  const workgroupSize = checkWorkgroupSize(r, spec, entry, byName, limits);
  checkDispatch(spec, limits);
  const bindings = checkBindings(r, spec, limits);
  return { entry, workgroupSize, constants, bindings };
}
