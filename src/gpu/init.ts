// Creating a runtime from any `GPU` object: Deno's and browsers' navigator.gpu, or Dawn's in Node
// (see src/node/). The new runtime becomes the default one.
import { acquireDevice, type DeviceRequest } from './device.ts';
import { Runtime, useRuntime } from './runtime.ts';

export async function initWithGpu(gpu: GPU, request: DeviceRequest = {}): Promise<Runtime> {
  const { device, adapterInfo } = await acquireDevice(gpu, request);
  const rt = new Runtime(device, adapterInfo, gpu);
  useRuntime(rt);
  return rt;
}
