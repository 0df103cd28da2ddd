// The profiler: built-in kernel kinds at a shape, a network per op type and kernel, and user WGSL
// kernels with checks against their declarations. Core library: it takes a Runtime or a GPUDevice.
export * from './errors.ts';
export { median, spreadOf, perSecondG, type Spread } from './stats.ts';
export * from './kernel-work.ts';
export { buildKernelRun, RUN_KINDS, type KernelRun } from './kernel-runs.ts';
export * from './kernel-profile.ts';
export { DispatchLabels, type ProfileScope } from './attribution.ts';
export * from './network-profile.ts';
export * from './mstf-scopes.ts';
export { chooseTiming, timeDispatch, type TimedDispatch, type TimingSource, type TimeOptions, type EncodeDispatch } from './timed-dispatch.ts';
export * from './user-kernel-check.ts';
export { profileUserKernel, MAX_USER_REPEAT, type UserKernelOptions, type UserKernelProfile, type UserBindingReport } from './user-kernel.ts';
export { reflectWgsl, WgslReadError, type WgslBinding, type WgslEntryPoint, type WgslOverride, type WgslReflection, type AddressSpace } from './wgsl-reflect.ts';
export { layoutOf, scalarSlots, structOffsets, runtimeElementBytes, typeText, LayoutError, type WgslType, type ScalarName, type ScalarSlot, type StructMember, type Layout } from './wgsl-layout.ts';
