// Turning a `GPU` object (Dawn's in Node, navigator.gpu in Deno/browsers) into a device with the
// limits the engine needs. No Node imports here: the Node edge lives in src/node/.
import { GpuError } from './errors.ts';

/** Limits we ask for, up to what the adapter offers: large tensors and many bindings per kernel. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (lavapipe/llvmpipe, SwiftShader, WARP): kernels pick CPU-friendly variants. */
  isCpu: boolean;
  /** Smallest subgroup size the adapter may use (0 when unknown or without subgroups). */
  subgroupMinSize: number;
}

export interface DeviceRequest {
  powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  adapterInfo: AdapterSummary;
}

export function summariseAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`;
  const isCpu =
    /llvmpipe|lavapipe|swiftshader|software|warp|cpu/i.test(text) ||
    (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  // Browsers leave the description empty (Chromium: vendor 'google', architecture 'swiftshader'): then
  // the other fields name the adapter, in checkpoints and messages too.
  const description = info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' ');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description,
    isCpu,
    subgroupMinSize: (info as { subgroupMinSize?: number }).subgroupMinSize ?? 0,
  };
}

/** Dawn names its null backend's adapter 'null-backend' and leaves vendor and description empty. */
export function isNullAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  return info.device === 'null-backend' || /\bnull backend\b/i.test(info.description ?? '');
}

/** Request an adapter and a device with the engine's limits raised as far as the adapter allows. */
export async function acquireDevice(gpu: GPU, request: DeviceRequest = {}): Promise<AcquiredDevice> {
  const adapter = await gpu.requestAdapter({ powerPreference: request.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new GpuError(
      'No WebGPU adapter found. On Linux without a GPU install Mesa >= 24 with lavapipe ' +
        '(Debian bookworm: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1), ' +
        'or run `bash scripts/setup.sh` as root, which does it for you.',
    );
  }
  // Dawn's null backend (--backend null, which Dawn lists as valid) accepts every call and computes
  // nothing: results would be whatever the memory held. Refuse it before any work is timed or trusted.
  if (isNullAdapter(adapter)) {
    throw new GpuError(
      "The adapter is Dawn's null backend, which runs no GPU work (every result would be garbage). " +
        'Choose a real backend (vulkan, metal, d3d12) or leave MEDNAS_BACKEND/--backend unset.',
    );
  }
  const device = await requestEngineDevice(adapter);
  return { adapter, device, adapterInfo: summariseAdapter(adapter) };
}

/**
 * A device on `adapter` with the engine's limits raised as far as it allows and the optional features
 * it uses. No check of the adapter: acquireDevice makes those (bench/host.ts wants Dawn's null
 * backend on purpose, to time the host's side alone).
 */
export async function requestEngineDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const offered = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof offered === 'number') requiredLimits[name] = offered;
  }
  const requiredFeatures: GPUFeatureName[] = [];
  // Optional features the engine uses when offered: kernel timing, and subgroup operations (CPU-adapter
  // matmul broadcasts A values across a subgroup instead of loading them once per lane).
  for (const feature of ['timestamp-query', 'subgroups'] as const) {
    if (adapter.features.has(feature)) requiredFeatures.push(feature);
  }
  return adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'mednas' });
}
